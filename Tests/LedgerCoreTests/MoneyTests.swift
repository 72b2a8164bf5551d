import Testing

@testable import LedgerCore

@Suite struct MoneyTests {
  @Test(arguments: [
    (Int64(0), "0.00"), (5, "0.05"), (-5, "-0.05"), (12345, "123.45"), (-100, "-1.00"),
    (Int64.max, "92233720368547758.07"), (Int64.min, "-92233720368547758.08"),
    (4_294_967_296, "42949672.96"),
  ])
  func rendersTwoDecimalsWithDot(minor: Int64, text: String) {
    #expect(MoneyFormat.decimal(minor) == text)
  }

  @Test func rendersDecimalComma() {
    #expect(MoneyFormat.decimal(-123456, separator: ",") == "-1234,56")
  }

  @Test(arguments: [
    ("12", Int64(1200)), ("12.5", 1250), ("-0.05", -5), ("1.", nil), ("1.234", nil), ("x", nil),
    ("", nil),
  ])
  func parses(text: String, minor: Int64?) {
    #expect(MoneyFormat.parse(text) == minor)
  }
}
