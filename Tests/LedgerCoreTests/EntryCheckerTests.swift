import Testing

@testable import LedgerCore

func makeEntry(
  _ type: EntryType = .capture, amount: Int64, before: Int64, after: Int64? = nil,
  psp: String = "1000", date: String = "2025-10-20", currency: String = "NOK",
  handle: String? = "NO:123455", time: String = "2025-10-20T10:00:00.000000+0200",
  reference: String = "order-1"
) -> LedgerEntry {
  LedgerEntry(
    pspReference: psp, time: EntryTime(time)!, ledgerDate: LedgerDate(date), entryType: type,
    reference: reference, currency: currency, amount: amount, balanceBefore: before,
    balanceAfter: after ?? before + amount, recipientHandle: handle)
}

@Suite struct EntryCheckerTests {
  let day1 = LedgerDate("2025-10-20")!
  let day2 = LedgerDate("2025-10-21")!

  @Test func acceptsAChainAcrossDates() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: "NOK")
    #expect(
      checker.check(makeEntry(amount: 100, before: 0, psp: "1"), date: day1, position: 1).isEmpty)
    #expect(
      checker.check(makeEntry(amount: -40, before: 100, psp: "2"), date: day1, position: 2).isEmpty)
    #expect(
      checker.check(
        makeEntry(amount: 5, before: 60, psp: "3", date: "2025-10-21"), date: day2, position: 1
      )
      .isEmpty)
    #expect(checker.lastBalance == 65)
  }

  @Test func reportsArithmeticBreak() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: "NOK")
    let problems = checker.check(
      makeEntry(amount: 100, before: 0, after: 99), date: day1, position: 1)
    #expect(problems.map(\.code) == ["balance-arithmetic"])
    #expect(problems[0].description.contains("ledger 1 funds 2025-10-20 entry 1"))
  }

  @Test func reportsChainBreakAcrossDates() {
    var checker = EntryChecker(ledgerID: "1", topic: .fees, currency: "NOK")
    _ = checker.check(makeEntry(amount: -10, before: 0), date: day1, position: 1)
    let problems = checker.check(
      makeEntry(amount: -10, before: -11, psp: "2", date: "2025-10-21"), date: day2, position: 1)
    #expect(problems.map(\.code) == ["balance-chain"])
    #expect(problems[0].message.contains("2025-10-20 entry 1"))
  }

  @Test func reportsDuplicateDelivery() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: "NOK")
    let entry = makeEntry(amount: 100, before: 0)
    _ = checker.check(entry, date: day1, position: 1)
    #expect(checker.check(entry, date: day1, position: 2).map(\.code) == ["duplicate-entry"])
  }

  @Test func reportsCurrencyAndDateMismatch() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: "NOK")
    let problems = checker.check(
      makeEntry(amount: 1, before: 0, date: "2025-10-19", currency: "DKK"), date: day1, position: 1)
    #expect(Set(problems.map(\.code)) == ["currency", "ledger-date"])
  }

  @Test func adoptsCurrencyWhenUnknown() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: nil)
    _ = checker.check(makeEntry(amount: 1, before: 0, currency: "DKK"), date: day1, position: 1)
    #expect(checker.currency == "DKK")
    let problems = checker.check(makeEntry(amount: 1, before: 1, psp: "2"), date: day1, position: 2)
    #expect(problems.map(\.code) == ["currency"])
  }

  @Test func detectsOverflowInArithmetic() {
    var checker = EntryChecker(ledgerID: "1", topic: .funds, currency: "NOK")
    let entry = LedgerEntry(
      pspReference: "1", time: EntryTime("2025-10-20T10:00:00Z")!, ledgerDate: day1,
      entryType: .capture, reference: nil, currency: "NOK", amount: Int64.max,
      balanceBefore: 10, balanceAfter: Int64.min + 9)
    #expect(checker.check(entry, date: day1, position: 1).map(\.code) == ["balance-arithmetic"])
  }
}
