import Foundation
import Testing

@testable import LedgerCore

@Suite struct MapperTests {
  static let ledger: LedgerID = "300119"
  static let date = LedgerDate("2025-10-20")!

  static func entry(
    _ type: String, _ amount: Int64, currency: String = "NOK", psp: String = "3343121302",
    reference: String? = "order-17", salesUnit: String? = "NO:123455", name: String? = nil,
    message: String? = nil
  ) -> LedgerEntry {
    LedgerEntry(
      pspReference: psp, time: EntryTime("2025-10-20T12:00:00.000000+0200")!, ledgerDate: date,
      entryType: EntryType(rawValue: type), reference: reference, currency: currency,
      amount: amount, balanceBefore: 0, balanceAfter: amount, recipientHandle: salesUnit,
      name: name, message: message)
  }

  static let sales = Mapper(profile: try! MappingProfileTests.shipped("no-sales"))
  static let settlement = Mapper(profile: try! MappingProfileTests.shipped("no-settlement"))

  func map(
    _ entry: LedgerEntry, _ topic: Topic, with mapper: Mapper = sales, position: Int = 7
  ) throws -> MappedEntry {
    try mapper.map(entry, ledger: Self.ledger, topic: topic, date: Self.date, position: position)
  }

  /// (account, amount) of every line, in order.
  func postings(_ mapped: MappedEntry) -> [(String, Int64)] {
    mapped.voucher.lines.map { ($0.account.rawValue, $0.amount) }
  }

  func expectPostings(
    _ mapped: MappedEntry, _ expected: [(String, Int64)],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let actual = postings(mapped)
    #expect(actual.map(\.0) == expected.map(\.0), sourceLocation: sourceLocation)
    #expect(actual.map(\.1) == expected.map(\.1), sourceLocation: sourceLocation)
    #expect(mapped.voucher.isBalanced, sourceLocation: sourceLocation)
  }

  // MARK: VAT

  @Test func captureWithVAT() throws {
    let mapped = try map(Self.entry("capture", 12500), .funds)
    #expect(mapped.ruleName == "sales-nok-vippsnummer")
    expectPostings(mapped, [("1579", 12500), ("3000", -10000), ("2700", -2500)])
    let vat = VATInfo(code: "3", rateBasisPoints: 2500, baseMinorUnits: -10000)
    #expect(mapped.voucher.lines[0].vat == nil)
    #expect(mapped.voucher.lines[1].vat == vat)
    #expect(mapped.voucher.lines[2].vat == vat)
    #expect(mapped.voucher.lines[1].accountName == "Salgsinntekt Vipps, avgiftspliktig")
    #expect(mapped.voucher.lines.allSatisfy { $0.currency == "NOK" })
  }

  @Test func oddAmountRoundsHalfAwayFromZero() throws {
    // 4999 × 25 / 125 = 999.8 → 1000.
    let mapped = try map(Self.entry("capture", 4999), .funds)
    expectPostings(mapped, [("1579", 4999), ("3000", -3999), ("2700", -1000)])
    #expect(mapped.voucher.lines[2].vat?.baseMinorUnits == -3999)
  }

  @Test(arguments: [
    // gross, rate, net, vat
    (Int64(12500), Int64(2500), Int64(10000), Int64(2500)),
    (4999, 2500, 3999, 1000),
    (-4999, 2500, -3999, -1000),
    (5, 2500, 4, 1),  // 1.0
    (3, 2500, 2, 1),  // 0.6 → 1
    (1, 2500, 1, 0),  // 0.2 → 0
    (-1, 2500, -1, 0),
    (0, 2500, 0, 0),
    (1150, 1500, 1000, 150),
    (1125, 1250, 1000, 125),
    (15, 1500, 13, 2),  // 1.9565… → 2
    (100, 0, 100, 0),
  ])
  func splitVAT(gross: Int64, rate: Int64, net: Int64, vat: Int64) {
    let split = Mapper.splitVAT(gross: gross, rateBasisPoints: rate)
    #expect(split.vat == vat)
    #expect(split.net == net)
    #expect(split.net + split.vat == gross)
  }

  @Test func exactHalfRoundsAwayFromZero() {
    // At 100 % the VAT is half the gross: 5 → 2.5 → 3.
    #expect(Mapper.splitVAT(gross: 5, rateBasisPoints: 10_000) == (net: 2, vat: 3))
    #expect(Mapper.splitVAT(gross: -5, rateBasisPoints: 10_000) == (net: -2, vat: -3))
  }

  @Test func refundFlipsSigns() throws {
    let mapped = try map(Self.entry("refund", -12500), .funds)
    #expect(mapped.ruleName == "sales-nok-vippsnummer")
    expectPostings(mapped, [("1579", -12500), ("3000", 10000), ("2700", 2500)])
    #expect(mapped.voucher.lines[1].vat?.baseMinorUnits == 10000)
  }

  @Test func zeroVATLineIsOmitted() throws {
    let mapped = try map(Self.entry("capture", 1), .funds)
    expectPostings(mapped, [("1579", 1), ("3000", -1)])
    #expect(
      mapped.voucher.lines[1].vat == VATInfo(code: "3", rateBasisPoints: 2500, baseMinorUnits: -1))
  }

  // MARK: Fees and settlement

  @Test func captureFee() throws {
    let mapped = try map(Self.entry("capture-fee", -400), .fees)
    #expect(mapped.ruleName == "fee-expense")
    expectPostings(mapped, [("2991", -400), ("7770", 400)])
    #expect(mapped.voucher.lines.allSatisfy { $0.vat == nil })
  }

  @Test func feesRetainedNetsToZeroOnTransit() throws {
    let funds = try map(Self.entry("fees-retained", -1200, reference: nil, salesUnit: nil), .funds)
    let fees = try map(Self.entry("fees-retained", 1200, reference: nil, salesUnit: nil), .fees)
    expectPostings(funds, [("1579", -1200), ("1577", 1200)])
    expectPostings(fees, [("2991", 1200), ("1577", -1200)])
    let transit = (funds.voucher.lines + fees.voucher.lines).filter { $0.account == "1577" }
    #expect(transit.count == 2)
    #expect(transit.reduce(0) { $0 + $1.amount } == 0)
  }

  @Test func feesInvoicedGoesToSupplierPayable() throws {
    let mapped = try map(Self.entry("fees-invoiced", 5000, salesUnit: nil), .fees)
    expectPostings(mapped, [("2991", 5000), ("2400", -5000)])
  }

  @Test func payoutByCurrency() throws {
    let nok = try map(
      Self.entry(
        "payout-scheduled", -100_000, psp: "300119-2000023",
        reference: "Utb. 2000023 Vippsnr 123455", salesUnit: nil),
      .funds)
    #expect(nok.ruleName == "payout-nok")
    expectPostings(nok, [("1579", -100_000), ("1940", 100_000)])
    #expect(nok.voucher.description == "Vipps utbetaling 2000023 Utb. 2000023 Vippsnr 123455")
    let dkk = try map(
      Self.entry("scheduled-for-payout", -5000, currency: "DKK", salesUnit: nil), .funds)
    #expect(dkk.ruleName == "payout-dkk")
    expectPostings(dkk, [("1579", -5000), ("1941", 5000)])
    let aborted = try map(
      Self.entry("payout-aborted", 5000, currency: "DKK", salesUnit: nil), .funds)
    expectPostings(aborted, [("1579", 5000), ("1941", -5000)])
    let eur = try map(
      Self.entry("payout-scheduled", -5000, currency: "EUR", salesUnit: nil), .funds)
    #expect(eur.ruleName == nil)
    expectPostings(eur, [("1579", -5000), ("1598", 5000)])
  }

  @Test func disputesAndTopUp() throws {
    expectPostings(
      try map(Self.entry("retained-disputed-capture", -700), .funds),
      [("1579", -700), ("1578", 700)])
    expectPostings(
      try map(Self.entry("returned-disputed-capture", 700), .funds),
      [("1579", 700), ("1578", -700)])
    expectPostings(try map(Self.entry("top-up", 9900), .funds), [("1579", 9900), ("1920", -9900)])
  }

  @Test func dkkSalesCarryNoNorwegianVAT() throws {
    let mapped = try map(
      Self.entry("capture", 12500, currency: "DKK", salesUnit: "DK:90601"), .funds)
    #expect(mapped.ruleName == "sales-dkk")
    expectPostings(mapped, [("1579", 12500), ("3100", -12500)])
    #expect(mapped.voucher.lines[1].vat == nil)
  }

  @Test func settlementProfileBooksReceivablesWithTheOrderID() throws {
    let mapped = try map(
      Self.entry("capture", 12500, reference: "INV-2025-0042"), .funds, with: Self.settlement)
    #expect(mapped.ruleName == "receivables")
    expectPostings(mapped, [("1579", 12500), ("1500", -12500)])
    #expect(mapped.voucher.description.hasPrefix("INV-2025-0042 "))
    #expect(
      mapped.voucher.lines.allSatisfy { $0.vat == nil && $0.description.contains("INV-2025-0042") })
  }

  // MARK: Suspense

  @Test(arguments: ["correction", "credit-note", "mystery-adjustment"])
  func unmappedTypesGoToSuspense(type: String) throws {
    let funds = try map(Self.entry(type, -250), .funds)
    #expect(funds.ruleName == nil)
    expectPostings(funds, [("1579", -250), ("1598", 250)])
    #expect(funds.voucher.description == "Unmapped funds \(type) 3343121302")
    #expect(funds.voucher.lines.allSatisfy { $0.dimensions.isEmpty })
    let fees = try map(Self.entry(type, 250), .fees)
    #expect(fees.ruleName == nil)
    expectPostings(fees, [("2991", 250), ("2998", -250)])
    #expect(fees.voucher.lines[1].accountName == "Vipps MobilePay – uavklart (gebyrer)")
  }

  // MARK: Matching

  static func profile(rules: String) throws -> MappingProfile {
    let head = ProfileFixture.lines.prefix(20).joined(separator: "\n")
    return try MappingProfile.load(yaml: head + "\nrules:\n" + rules, path: "inline.yaml")
  }

  @Test func firstMatchWins() throws {
    let profile = try Self.profile(
      rules: """
          - name: specific
            match: { topic: funds, entryType: capture, salesUnit: "NO:1" }
            contra: "3000"
          - name: general
            match: { topic: funds }
            contra: "7770"
          - name: never
            match: { topic: funds, entryType: capture }
            contra: "3000"
        """)
    let mapper = Mapper(profile: profile)
    #expect(
      try map(Self.entry("capture", 100, salesUnit: "NO:1"), .funds, with: mapper).ruleName
        == "specific")
    #expect(
      try map(Self.entry("capture", 100, salesUnit: "NO:2"), .funds, with: mapper).ruleName
        == "general")
    #expect(try map(Self.entry("capture", 100), .fees, with: mapper).ruleName == nil)
    #expect(mapper.rule(for: Self.entry("refund", -1), topic: .funds)?.name == "general")
  }

  @Test func signSalesUnitAndReferenceMatching() throws {
    let profile = try Self.profile(
      rules: """
          - name: web-refund
            match: { sign: negative, reference: "^web-" }
            contra: "3000"
          - name: no-unit
            match: { salesUnit: none }
            contra: "7770"
          - name: zero
            match: { sign: zero }
            contra: "7770"
          - name: positive-nok-or-dkk
            match: { sign: positive, currency: [NOK, DKK], salesUnit: ["NO:1", "api:9"] }
            contra: "3000"
        """)
    let mapper = Mapper(profile: profile)
    func rule(_ entry: LedgerEntry) throws -> String? {
      try map(entry, .funds, with: mapper).ruleName
    }
    #expect(try rule(Self.entry("refund", -100, reference: "web-17")) == "web-refund")
    #expect(try rule(Self.entry("refund", -100, reference: "shop-web-17")) == nil)
    #expect(try rule(Self.entry("refund", 100, reference: "web-17")) == nil)
    #expect(try rule(Self.entry("refund", -100, reference: nil, salesUnit: nil)) == "no-unit")
    #expect(try rule(Self.entry("capture", 0)) == "zero")
    #expect(
      try rule(Self.entry("capture", 100, currency: "DKK", salesUnit: "api:9"))
        == "positive-nok-or-dkk")
    #expect(try rule(Self.entry("capture", 100, currency: "EUR", salesUnit: "api:9")) == nil)
    #expect(try rule(Self.entry("capture", 100, salesUnit: "api:8")) == nil)
  }

  @Test func referencePatternIsASearchNotAFullMatch() throws {
    let pattern = try MappingProfile.ReferencePattern("[0-9]{4}$")
    #expect(pattern.matches("order-2025"))
    #expect(!pattern.matches("2025-order"))
    #expect(!pattern.matches(""))
  }

  // MARK: Dimensions and descriptions

  @Test func dimensionsOnTheNetLineOnly() throws {
    let mapped = try map(Self.entry("capture", 12500, salesUnit: "NO:123456"), .funds)
    #expect(mapped.voucher.lines.map(\.dimensions) == [[:], ["avdeling": "11"], [:]])
    let web = try map(Self.entry("capture", 100, salesUnit: "api:654321"), .funds)
    #expect(web.voucher.lines[1].dimensions == ["avdeling": "20"])
    let unlisted = try map(Self.entry("capture", 100, salesUnit: "NO:999999"), .funds)
    #expect(unlisted.voucher.lines[1].dimensions.isEmpty)
  }

  @Test func dimensionDefault() throws {
    var lines = ProfileFixture.lines
    lines.insert("    default: \"90\"", at: 20)
    let profile = try MappingProfile.load(yaml: lines.joined(separator: "\n"), path: "t.yaml")
    let mapper = Mapper(profile: profile)
    let listed = try map(Self.entry("capture", 100, salesUnit: "NO:1"), .funds, with: mapper)
    let other = try map(Self.entry("capture", 100, salesUnit: "NO:2"), .funds, with: mapper)
    let none = try map(Self.entry("capture", 100, salesUnit: nil), .funds, with: mapper)
    #expect(listed.voucher.lines[1].dimensions == ["department": "10"])
    #expect(other.voucher.lines[1].dimensions == ["department": "90"])
    #expect(none.voucher.lines[1].dimensions == ["department": "90"])
  }

  @Test func descriptionTemplateWithGDPRFields() throws {
    let profile = try Self.profile(
      rules: """
          - name: all
            match: {}
            contra: "3000"
            description: "{name}: {message} | {pspReference} {reference} {entryType} {topic} {salesUnit} {ledgerId} {ledgerDate} {payoutNumber} {currency}"
        """)
    let mapper = Mapper(profile: profile)
    let withGDPR = try map(
      Self.entry("capture", 100, name: "Ola Nordmann", message: "Takk  for maten"), .funds,
      with: mapper)
    #expect(
      withGDPR.voucher.description
        == "Ola Nordmann: Takk  for maten | 3343121302 order-17 capture funds NO:123455 300119 2025-10-20  NOK"
    )
    #expect(withGDPR.voucher.lines.allSatisfy { $0.description == withGDPR.voucher.description })
    let without = try map(
      Self.entry("capture", 100, reference: nil, salesUnit: nil), .funds, with: mapper)
    #expect(without.voucher.description == ":  | 3343121302  capture funds  300119 2025-10-20  NOK")
  }

  @Test func defaultRuleDescription() throws {
    let profile = try MappingProfile.load(yaml: ProfileFixture.yaml, path: "t.yaml")
    let mapped = try map(Self.entry("capture-fee", -400), .fees, with: Mapper(profile: profile))
    #expect(mapped.voucher.description == "fees capture-fee 3343121302")
  }

  @Test func templateParsing() throws {
    #expect(throws: DescriptionTemplate.ParseError.unknownPlaceholder("nope")) {
      try DescriptionTemplate("a {nope} b")
    }
    #expect(throws: DescriptionTemplate.ParseError.unterminatedPlaceholder) {
      try DescriptionTemplate("a {reference")
    }
    let template = try DescriptionTemplate("} {reference}}")
    #expect(
      template.render(Self.entry("capture", 1), ledger: "1", topic: .funds, date: Self.date)
        == "} order-17}")
  }

  // MARK: Identity and invariants

  @Test func voucherIDFormatAndDeterminism() throws {
    let entry = Self.entry("capture", 12500)
    let first = try map(entry, .funds, position: 7)
    let again = try map(entry, .funds, position: 7)
    #expect(first.voucher.id == "300119-20251020-F00007")
    #expect(first == again)
    #expect(
      try map(Self.entry("capture-fee", -400), .fees, position: 7).voucher.id
        == "300119-20251020-G00007")
    #expect(try map(entry, .funds, position: 123_456).voucher.id == "300119-20251020-F123456")
    #expect(first.voucher.date == Self.date)
    #expect(first.voucher.ledgerID == Self.ledger)
    #expect(first.voucher.description == "Vipps capture order-17 – NO:123455")
  }

  @Test func lineSourceOnEveryLine() throws {
    let mapped = try map(Self.entry("capture", 12500), .funds, position: 3)
    let expected = LineSource(
      ledgerID: Self.ledger, topic: .funds, ledgerDate: Self.date, entryType: .capture,
      pspReference: "3343121302", reference: "order-17", salesUnit: "NO:123455", position: 3,
      entryCount: 1)
    #expect(mapped.voucher.lines.count == 3)
    #expect(mapped.voucher.lines.allSatisfy { $0.source == expected })
  }

  @Test func tooLongVoucherIDThrows() throws {
    let ledger = LedgerID(String(repeating: "9", count: 60))
    #expect {
      try Self.sales.map(
        Self.entry("capture", 1), ledger: ledger, topic: .funds, date: Self.date, position: 1)
    } throws: { ($0 as? MappingError)?.kind == .voucherIDTooLong }
  }

  @Test func everyVoucherBalances() throws {
    let types = EntryType.known.map(\.rawValue) + ["brand-new"]
    let amounts: [Int64] = [0, 1, -1, 3, 4999, -4999, 12500, -12500, 99_999_999, -2_147_483_649]
    for mapper in [Self.sales, Self.settlement] {
      for topic in Topic.allCases {
        for type in types {
          for amount in amounts {
            for currency in ["NOK", "DKK"] {
              let mapped = try map(
                Self.entry(type, amount, currency: currency), topic, with: mapper)
              #expect(mapped.voucher.isBalanced)
              #expect(mapped.voucher.lines[0].account == mapper.profile.clearing[topic])
              #expect(mapped.voucher.lines[0].amount == amount)
              #expect(
                mapped.voucher.lines.allSatisfy { mapper.profile.accounts[$0.account] != nil })
              #expect(mapped.voucher.lines.allSatisfy { !$0.accountName.isEmpty })
            }
          }
        }
      }
    }
  }

  @Test func amountsNearInt64Limits() throws {
    let big: Int64 = 9_000_000_000_000_000
    let mapped = try map(Self.entry("capture", big), .funds)
    let (net, vat) = Mapper.splitVAT(gross: -big, rateBasisPoints: 2500)
    #expect(vat == -1_800_000_000_000_000)
    #expect(net == -7_200_000_000_000_000)
    expectPostings(mapped, [("1579", big), ("3000", net), ("2700", vat)])
    let max = try map(Self.entry("capture", .max), .funds)
    #expect(max.voucher.isBalanced)
    #expect(max.voucher.lines[1].amount + max.voucher.lines[2].amount == -.max)
    let nearMin = try map(Self.entry("refund", .min + 1), .funds)
    #expect(nearMin.voucher.isBalanced)
  }

  @Test func int64MinCannotBeNegated() throws {
    #expect {
      try map(Self.entry("capture", .min), .funds)
    } throws: { error in
      guard let error = error as? MappingError else { return false }
      return error.kind == .amountOverflow && error.description.contains("-9223372036854775808")
    }
  }
}
