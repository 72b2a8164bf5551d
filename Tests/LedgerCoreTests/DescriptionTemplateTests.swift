import Testing

@testable import LedgerCore

@Suite struct DescriptionTemplateTests {
  let date = LedgerDate("2025-10-20")!

  func render(_ template: String, message: String?) throws -> String {
    var entry = makeEntry(amount: 100, before: 0, reference: "kiosk-1")
    entry.message = message
    return try DescriptionTemplate(template).render(
      entry, ledger: "300119", topic: .funds, date: date)
  }

  @Test func keepsValuesVerbatim() throws {
    #expect(
      try render("Vipps {entryType} {reference}: {message}", message: "=SUM(A1) \"x\", <&>\nny")
        == "Vipps capture kiosk-1: =SUM(A1) \"x\", <&>\nny")
  }

  @Test func dropsTheSeparatorInFrontOfAnEmptyTrailingValue() throws {
    #expect(
      try render("Vipps {entryType} {reference} – {salesUnit}: {message}", message: nil)
        == "Vipps capture kiosk-1 – NO:123455")
    #expect(
      try render("Vipps {entryType} {reference}: {message}", message: "") == "Vipps capture kiosk-1"
    )
  }

  @Test func keepsLiteralEndings() throws {
    #expect(try render("Vipps {reference} –", message: nil) == "Vipps kiosk-1 –")
  }
}
