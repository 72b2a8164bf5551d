import Foundation
import Testing

@testable import LedgerCore

extension SAFTFrameLaneTests {
  // MARK: - The reference: SAF-T transactions as written before the frame lane

  /// ``SAFTJournalEncoder`` as it was before it wrote frames: every voucher converted with
  /// ``ReportingCurrency/convert(_:)`` and written with ``XMLByteWriter``, text through
  /// ``XMLText/clean(_:maxLength:)``. The prologue and epilogue are the product's (unchanged).
  struct ReferenceEncoder: JournalEncoder {
    let product: SAFTJournalEncoder
    let options: SAFTOptions
    let reporting: ReportingCurrency

    init(options: SAFTOptions) {
      product = SAFTJournalEncoder(options: options)
      self.options = options
      reporting = ReportingCurrency(
        currency: options.company.currency, rates: options.company.exchangeRates)
    }

    var fileExtension: String { product.fileExtension }
    var separator: [UInt8] { product.separator }
    func prologue(_ metadata: ExportMetadata) -> [UInt8] { product.prologue(metadata) }
    func epilogue(_ metadata: ExportMetadata) -> [UInt8] { product.epilogue(metadata) }

    func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
      let lines = (try? reporting.convert(voucher)) ?? []
      var xml = XMLByteWriter(baseDepth: 3)
      xml.start("Transaction")
      xml.element("TransactionID", text(voucher.id, 70))
      xml.element("Period", decimal: voucher.date.month)
      xml.element("PeriodYear", decimal: voucher.date.year)
      xml.element("TransactionDate", date: voucher.date)
      xml.element("VoucherType", "Vipps")
      xml.element("VoucherDescription", "Vipps MobilePay ledger \(voucher.ledgerID)")
      xml.element("Description", text(voucher.description, 256, fallback: voucher.id))
      xml.element("SystemEntryDate", date: options.createdOn)
      xml.element("GLPostingDate", date: voucher.date)
      for (index, line) in lines.enumerated() { writeLine(&xml, line, recordID: index + 1) }
      xml.end()
      buffer.append(contentsOf: xml.sink.bytes)
    }

    private var country: String { options.company.address.country }

    private func text(_ value: String, _ length: Int, fallback: String = "-") -> String {
      let cleaned = XMLText.clean(value, maxLength: length)
      return cleaned.isEmpty ? XMLText.clean(fallback, maxLength: length) : cleaned
    }

    private func writeLine(
      _ xml: inout XMLByteWriter, _ converted: ReportingCurrency.Line, recordID: Int
    ) {
      let line = converted.line
      xml.start("Line")
      xml.element("RecordID", decimal: recordID)
      xml.element("AccountID", text(line.account.rawValue, 70))
      for (name, value) in line.dimensions.sorted(by: { $0.key < $1.key }) {
        writeAnalysis(&xml, type: name.uppercased(), id: value)
      }
      if line.role != .home, let salesUnit = line.source.salesUnit {
        writeAnalysis(&xml, type: "SALGSSTED", id: salesUnit)
      }
      if let reference = line.source.reference, !reference.isEmpty {
        xml.element("SourceDocumentID", text(reference, 35))
      }
      xml.element(
        "Description", text(line.description, 256, fallback: line.source.entryType.rawValue))
      let debit = converted.amount >= 0
      xml.start(debit ? "DebitAmount" : "CreditAmount")
      xml.element("Amount", magnitude: converted.amount)
      if let rate = converted.rate {
        xml.element("CurrencyCode", line.currency)
        xml.element("CurrencyAmount", magnitude: line.amount)
        xml.element("ExchangeRate", rate.description)
      }
      xml.end()
      if line.role == .vat, let vat = line.vat {
        xml.start("TaxInformation")
        xml.element("TaxType", "MVA")
        xml.element("TaxCode", text(vat.code, 70))
        xml.element("TaxPercentage", MoneyFormat.decimal(vat.rateBasisPoints))
        xml.element("Country", country)
        xml.element("TaxBase", magnitude(converted.vatBase ?? 0))
        xml.start(debit ? "DebitTaxAmount" : "CreditTaxAmount")
        xml.element("Amount", magnitude(converted.amount))
        xml.end()
        xml.end()
      }
      if let psp = line.source.pspReference { xml.element("ReferenceNumber", text(psp, 35)) }
      xml.end()
    }

    private func writeAnalysis(_ xml: inout XMLByteWriter, type: String, id: String) {
      xml.start("Analysis")
      xml.element("AnalysisType", text(type, 9))
      xml.element("AnalysisID", text(id, 256))
      xml.end()
    }

    private func magnitude(_ amount: Int64) -> String {
      let text = MoneyFormat.decimal(amount)
      return text.hasPrefix("-") ? String(text.dropFirst()) : text
    }
  }

  // MARK: - Companies

  /// A company reporting in `currency` with `rates`, in `country` (two characters).
  static func company(
    currency: String, rates: [String: String], country: String = "NO"
  ) throws -> CompanyInfo {
    var company = try YAMLFile.decode(
      CompanyInfo.self,
      yaml: """
        organizationNumber: "999888777"
        name: Test & Co <AS>
        address: { streetName: Storgata, number: "1", city: Oslo, postalCode: "0155", country: "\(country)" }
        contacts:
          - { firstName: Kari, lastName: Nordmann }
        vatRegistered: true
        """, path: "company.yaml", what: "company file")
    company.currency = currency
    company.exchangeRates = try rates.mapValues { try #require(ExchangeRate($0)) }
    return company
  }

  /// Expects `voucher` to encode to the same bytes as with the reference writer, for every
  /// company of ``companies()``.
  static func expectSameAsReference(_ voucher: Voucher) throws {
    for (name, options) in try companies() {
      var expected: [UInt8] = []
      ReferenceEncoder(options: options).encode(voucher, into: &expected)
      var actual: [UInt8] = []
      SAFTJournalEncoder(options: options).encode(voucher, into: &actual)
      #expect(
        actual == expected, "\(name): \(FrameLaneTests.firstDifference(actual, expected))")
    }
  }

  /// The companies the tests write for: NOK with rates for DKK and `é` (so `e\u{301}` converts
  /// too); the reporting currency `e\u{301}` (not ASCII) with rates for NOK and DKK; a country
  /// that needs escaping.
  static func companies() throws -> [(name: String, options: SAFTOptions)] {
    let createdOn = LedgerDate("2025-11-03")!
    return [
      (
        "NOK",
        SAFTOptions(
          company: try company(currency: "NOK", rates: ["DKK": "1.5", "é": "0.7391"]),
          createdOn: createdOn)
      ),
      (
        "e\u{301}",
        SAFTOptions(
          company: try company(currency: "e\u{301}", rates: ["NOK": "9.5", "DKK": "1.333"]),
          createdOn: createdOn)
      ),
      (
        "N&",
        SAFTOptions(
          company: try company(currency: "NOK", rates: ["DKK": "0.00012345"], country: "<&"),
          createdOn: createdOn)
      ),
    ]
  }

  // MARK: - Random vouchers

  /// Random vouchers of awkward text, amounts, currencies, VAT and dimensions.
  struct Vouchers {
    var entries: FrameLaneTests.Entries

    init(seed: UInt64) { entries = FrameLaneTests.Entries(seed: seed) }

    static let texts =
      FrameLaneTests.Entries.texts + [
        "a\u{0}b", "\u{0}", "\u{1}\u{7F}\u{85}x\u{9F}", "  lead  and  trail  ", "<&>\"'",
        "x\r\ny\r", "\r", "\t\n\r ", String(repeating: "é", count: 300),
        String(repeating: "a ", count: 200), String(repeating: "x", count: 71),
        String(repeating: "🙂", count: 40), "\u{FFFE}\u{FFFF}z\u{FFFD}", "e\u{301}\u{302}\u{303}",
        "ß", "ﬁx", "🇳🇴", "👩‍👩‍👧", "\u{200B}zero width", "\u{A0}", "&amp;", "]]>",
        String(repeating: "<", count: 40), "Ø" + String(repeating: " ", count: 300) + "Ø",
      ]

    /// Dimension names: ASCII and not, some that `uppercased()` lengthens or changes oddly, some
    /// whose `String` order differs from their byte order (`e\u{301}x` sorts after `éa`).
    static let dimensionNames = [
      "avdeling", "prosjekt", "Avdeling", "b", "é", "e\u{301}x", "éa", "ß", "straße", "ﬁle",
      "a\u{0}b", "", " ", "\t", "abcdefghijklmnop", "🙂", "ǆ", "ı", "ŉ", "zzz", "a<b", "K",
      "\u{212A}", "A\u{30A}", "Å", "\u{212B}b", "x\u{301}",
    ]

    static let currencies = [
      "NOK", "NOK", "NOK", "DKK", "EUR", "é", "e\u{301}", "NO\u{212A}", "", "nok", "<&>",
      "N\u{0}K", "\r",
    ]

    mutating func text() -> String { entries.pick(Self.texts) }
    mutating func optionalText() -> String? { entries.oneIn(4) ? nil : text() }

    mutating func amount() -> Int64 {
      switch entries.int(8) {
      case 0: return 0
      // Equal magnitudes: which of them takes a residual matters.
      case 6, 7: return entries.pick([100, -100, 200, -200, 7, -7])
      case 1: return entries.pick([Int64.max, .min, .max - 1, .min + 1, 6_148_914_691_236_517_205])
      case 2: return entries.amount()
      default: return Int64(entries.int(2_000_000)) - 1_000_000
      }
    }

    mutating func line(currency: String) -> JournalLine {
      var dimensions: [String: String] = [:]
      for _ in 0..<entries.pick([0, 0, 1, 2, 4]) {
        dimensions[entries.pick(Self.dimensionNames)] = text()
      }
      let vat =
        entries.oneIn(3)
        ? nil
        : VATInfo(
          code: entries.pick(["3", "31", "", " ", "é", "<5>", String(repeating: "7", count: 80)]),
          rateBasisPoints: entries.pick([2500, 1500, 0, -250, 1, .min, .max]),
          baseMinorUnits: amount())
      return JournalLine(
        account: AccountID(entries.pick(["1579", "2991", "3000", "konto-é", "", " x ", "<1>"])),
        accountName: text(), amount: amount(),
        currency: entries.oneIn(4) ? entries.pick(Self.currencies) : currency,
        role: entries.pick([.home, .contra, .contra, .vat]), vat: vat, description: text(),
        dimensions: dimensions,
        source: LineSource(
          ledgerID: LedgerID(text()), topic: entries.oneIn(2) ? .funds : .fees,
          ledgerDate: entries.date(), entryType: entries.pick(FrameLaneTests.Entries.entryTypes),
          pspReference: optionalText(), reference: optionalText(), salesUnit: optionalText(),
          position: entries.oneIn(5) ? nil : entries.position(), entryCount: 1 + entries.int(3)))
    }

    /// A voucher; balanced one time in two when its amounts allow it.
    mutating func voucher() -> Voucher {
      let currency = entries.pick(Self.currencies)
      var lines = (0..<entries.pick([0, 1, 2, 2, 3, 3, 4, 6])).map { _ in line(currency: currency) }
      if entries.oneIn(2), !lines.isEmpty {
        let rest = lines.dropLast().reduce(Int128(0)) { $0 + Int128($1.amount) }
        if let last = Int64(exactly: -rest) { lines[lines.count - 1].amount = last }
      }
      return Voucher(
        id: text(), date: entries.date(), ledgerID: LedgerID(text()), description: text(),
        lines: lines)
    }
  }
}
