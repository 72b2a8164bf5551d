import Foundation
import Testing

@testable import LedgerCore

/// The official 1.30 XSD, from `../shared/reference` beside the repository.
let saftXSD =
  repositoryRoot
  + "/../shared/reference/saft/skatteetaten-saf-t/SAF-T_Financial_1.3/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"

/// Validates a produced SAF-T file with libxml2 against the official XSD and the business rules;
/// also keeps a copy for `.ci/run`'s independent `xmllint --schema` check when
/// `VIPPS_LEDGER_SAFT_KEEP` names a directory.
func expectValidSAFT(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let schema = try SAFTValidation.validateSchema(file: path, xsd: saftXSD)
  #expect(schema.isEmpty, "\(schema.prefix(5))", sourceLocation: sourceLocation)
  let rules = try SAFTValidation.checkRules(file: path)
  #expect(rules.isEmpty, "\(rules.prefix(5))", sourceLocation: sourceLocation)
  if let keep = ProcessInfo.processInfo.environment["VIPPS_LEDGER_SAFT_KEEP"] {
    try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
    let name = UUID().uuidString + "-" + (path as NSString).lastPathComponent
    try? FileManager.default.copyItem(atPath: path, toPath: keep + "/" + name)
  }
}

let testCompanyYAML = """
  organizationNumber: "999888777"
  name: Test & Co <AS>
  address: { streetName: Storgata, number: "1", city: Oslo, postalCode: "0155" }
  contacts:
    - { firstName: Kari, lastName: Nordmann }
  vatRegistered: true
  exchangeRates: { DKK: "1.5" }
  """

func testCompany() throws -> CompanyInfo {
  try YAMLFile.decode(
    CompanyInfo.self, yaml: testCompanyYAML, path: "company.yaml", what: "company file")
}

@Suite struct XMLTextTests {
  @Test func removesControlCharactersAndCollapsesSpace() {
    #expect(XMLText.clean("a\u{0}b\u{7}c\n\nd\te\u{1B}", maxLength: 100) == "abc d e")
    #expect(XMLText.clean("  =SUM(A1)\r\n ", maxLength: 100) == "=SUM(A1)")
    #expect(XMLText.clean("x\u{85}y", maxLength: 100) == "xy")
  }

  @Test func truncatesByCharacterNeverSplittingUTF8() {
    let text = String(repeating: "æ", count: 300)
    let cut = XMLText.clean(text, maxLength: 256)
    #expect(cut.unicodeScalars.count == 256)
    #expect(cut.utf8.count == 512)
    #expect(XMLText.clean("Øl 🍺🍺", maxLength: 4) == "Øl 🍺")
  }
}

@Suite struct ReportingCurrencyTests {
  @Test func exchangeRatesParseExactly() throws {
    #expect(ExchangeRate("1.5650")?.scaled == 156_500_000)
    #expect(ExchangeRate("7")?.description == "7.00000000")
    #expect(ExchangeRate("0.00012345")?.scaled == 12_345)
    #expect(ExchangeRate("1.123456789") == nil)
    #expect(ExchangeRate("-1") == nil)
    #expect(ExchangeRate("1,5") == nil)
    #expect(try #require(ExchangeRate("1.565")).convert(-21_348) == -33_410)
  }

  @Test func convertedVouchersStillBalanceAndHomeLinesAreExact() throws {
    let conversion = ReportingCurrency(
      currency: "NOK", rates: ["DKK": try #require(ExchangeRate("1.333"))])
    let source = LineSource(
      ledgerID: "1", topic: .funds, ledgerDate: LedgerDate("2025-01-01")!, entryType: .capture,
      pspReference: "p", reference: nil, salesUnit: nil, position: 1)
    for amount: Int64 in [1, 7, 99, 12_345, 1_000_001, -3, -777] {
      let voucher = Voucher(
        id: "v", date: source.ledgerDate, ledgerID: "1", description: "d",
        lines: [
          JournalLine(
            account: "1579", accountName: "", amount: amount, currency: "DKK", role: .home,
            description: "", source: source),
          JournalLine(
            account: "3100", accountName: "", amount: -(amount / 3), currency: "DKK",
            description: "", source: source),
          JournalLine(
            account: "3101", accountName: "", amount: -(amount - amount / 3), currency: "DKK",
            description: "", source: source),
        ])
      let lines = try conversion.convert(voucher)
      #expect(lines.reduce(Int64(0)) { $0 + $1.amount } == 0)
      #expect(lines[0].amount == ExchangeRate("1.333")!.convert(amount))
      #expect(lines.allSatisfy { $0.rate != nil })
    }
  }

  @Test func missingRateIsAnError() throws {
    let conversion = ReportingCurrency(currency: "NOK", rates: [:])
    var generator = SyntheticLedger(
      seed: 1, currency: "SEK", start: LedgerDate("2025-01-01")!, entriesPerDay: 10)
    let day = generator.nextDay()
    let mapped = try Mapper(profile: try testProfile()).map(
      day.funds[0], ledger: "1", topic: .funds, date: day.date, position: 1)
    #expect(throws: ReportingCurrencyError.self) { try conversion.convert(mapped.voucher) }
  }
}

@Suite struct CompanyAndOpeningBalanceTests {
  @Test func companyLoads() throws {
    let company = try testCompany()
    #expect(company.currency == "NOK")
    #expect(company.exchangeRates["DKK"]?.description == "1.50000000")
  }

  @Test(arguments: [
    ("name: X\ncontacts: [{ firstName: A, lastName: B }]\n", "missing key 'organizationNumber'"),
    (
      "organizationNumber: \"999888777\"\nname: X\ncontacts: [{ firstName: A, lastName: B }]\n",
      "missing key 'address'"
    ),
    (
      "organizationNumber: \"999888777\"\nname: X\naddress: { streetName: S, city: C }\ncontacts: [{ firstName: A, lastName: B }]\n",
      "missing key 'postalCode'"
    ),
    (
      "organizationNumber: \"12345\"\nname: X\ncontacts: [{ firstName: A, lastName: B }]\n",
      "9-digit"
    ),
    (
      "organizationNumber: \"999888777\"\nname: X\naddress: { streetName: S, city: C, postalCode: P }\ncontacts: []\n",
      "at least one contact"
    ),
    (
      "organizationNumber: \"999888777\"\nname: X\naddress: { streetName: S, city: C, postalCode: P }\ncontacts: [{ firstName: A }]\n",
      "missing key 'lastName'"
    ),
    (
      "organizationNumber: \"999888777\"\nname: X\nphone: 1\ncontacts: [{ firstName: A, lastName: B }]\n",
      "company.yaml:3: unknown key 'phone'"
    ),
  ])
  func companyErrorsNameTheField(yaml: String, message: String) {
    do {
      _ = try YAMLFile.decode(
        CompanyInfo.self, yaml: yaml, path: "company.yaml", what: "company file")
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains(message), "\(error)")
      #expect("\(error)".hasPrefix("company.yaml:"))
    }
  }

  @Test func openingBalancesParse() throws {
    let profile = try testProfile()
    let balances = try OpeningBalances.parse(
      "account,balance\r\n1579,1000.50\n2991,-20\n\n", path: "ob.csv", profile: profile)
    #expect(balances == ["1579": 100_050, "2991": -2000])
  }

  @Test(arguments: [
    ("acct,bal\n", "ob.csv:1: the header"),
    ("account,balance\n9999,1.00\n", "ob.csv:2: account '9999' is not declared"),
    ("account,balance\n1579,1.234\n", "ob.csv:2: balance '1.234'"),
    ("account,balance\n1579,1\n1579,2\n", "ob.csv:3: account '1579' is listed twice"),
    ("account,balance\n1579\n", "ob.csv:2: expected 2 fields"),
  ])
  func openingBalanceErrorsNameTheLine(text: String, message: String) throws {
    let profile = try testProfile()
    #expect {
      _ = try OpeningBalances.parse(text, path: "ob.csv", profile: profile)
    } throws: { "\($0)".contains(message) }
  }
}

@Suite struct SAFTExportTests {
  let start = LedgerDate("2025-03-01")!

  func export(
    _ source: InMemorySource, days: Int, aggregation: Aggregation = .entry,
    opening: [AccountID: Int64] = [:], company: CompanyInfo? = nil, in directory: String
  ) async throws -> (RunReport, String) {
    let options = SAFTOptions(
      company: try company ?? testCompany(), openingBalances: opening,
      createdOn: LedgerDate("2025-04-02")!)
    let request = ExportRequest(
      source: source, ledgers: nil, from: start, to: start.adding(days: days - 1),
      profile: try testProfile(), aggregation: aggregation,
      encoders: [SAFTJournalEncoder(options: options)], outputDirectory: directory, saft: options)
    let report = try await ExportPipeline().run(request)
    return (report, directory + "/journal-\(start)_\(start.adding(days: days - 1)).xml")
  }

  @Test(arguments: Aggregation.allCases)
  func wholeMonthExportIsValidAndConsistent(aggregation: Aggregation) async throws {
    var source = InMemorySource()
    var nok = SyntheticLedger(seed: 7, ledgerID: "100001", start: start, entriesPerDay: 30)
    var dkk = SyntheticLedger(
      seed: 8, ledgerID: "100002", currency: "DKK", salesUnits: ["DK:90601"], start: start,
      entriesPerDay: 20)
    source.add(&nok, days: 31)
    source.add(&dkk, days: 31)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (report, path) = try await export(
      source, days: 31, aggregation: aggregation, opening: ["1940": 500_000, "2991": -1_234],
      in: directory)
    #expect(report.isClean, "\(report.ledgers.flatMap(\.diagnostics))")
    try expectValidSAFT(path)
    let xml = try String(contentsOfFile: path, encoding: .utf8)
    #expect(xml.contains("<PeriodStart>3</PeriodStart>"))
    #expect(xml.contains("<PeriodEnd>3</PeriodEnd>"))
    #expect(
      xml.contains(
        "<NumberOfEntries>\(report.ledgers.reduce(0) { $0 + $1.vouchers })</NumberOfEntries>"))
    #expect(xml.contains("<CurrencyCode>DKK</CurrencyCode>"))
    #expect(xml.contains("<ExchangeRate>1.50000000</ExchangeRate>"))
    #expect(xml.contains("<OpeningDebitBalance>5000.00</OpeningDebitBalance>"))
    #expect(xml.contains("<OpeningCreditBalance>12.34</OpeningCreditBalance>"))
    #expect(xml.contains("<TaxCode>3</TaxCode>"))
    #expect(xml.contains("<StandardTaxCode>3</StandardTaxCode>"))
    #expect(xml.contains("<Name>Test &amp; Co &lt;AS&gt;</Name>"))
    #expect(!xml.contains(">-"))
  }

  @Test func awkwardTextStaysValid() async throws {
    var source = InMemorySource(ledgers: [Ledger(ledgerId: "1", currency: "NOK")])
    var entry = makeEntry(
      amount: 12_500, before: 0, date: "2025-03-01",
      reference: "=cmd|' /C calc'!A0 & <b>\u{1}\n" + String(repeating: "ø", count: 300))
    entry.recipientHandle = "NO:123455"
    source.pagesByKey[.init(ledger: "1", topic: .funds, date: start)] = [ReportPage(items: [entry])]
    source.pagesByKey[.init(ledger: "1", topic: .fees, date: start)] = [ReportPage(items: [])]
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (report, path) = try await export(source, days: 1, in: directory)
    #expect(report.isClean)
    try expectValidSAFT(path)
    let xml = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      xml.contains(
        "<SourceDocumentID>=cmd|' /C calc'!A0 &amp; &lt;b&gt; øøøøøøøøøø</SourceDocumentID>"))
    #expect(xml.contains("<TaxBase>100.00</TaxBase>"))
    #expect(xml.contains("<CreditTaxAmount>"))
    #expect(
      xml.contains("<AnalysisType>DEPARTMEN</AnalysisType>")
        || xml.contains("<AnalysisType>SALGSSTED</AnalysisType>"))
  }

  @Test func aLedgerWithoutExchangeRateFailsAlone() async throws {
    var source = InMemorySource()
    var nok = SyntheticLedger(seed: 9, ledgerID: "100001", start: start, entriesPerDay: 10)
    var sek = SyntheticLedger(
      seed: 10, ledgerID: "100003", currency: "SEK", start: start, entriesPerDay: 10)
    source.add(&nok, days: 2)
    source.add(&sek, days: 2)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (report, path) = try await export(source, days: 2, in: directory)
    #expect(report.ledgers.map(\.status) == ["exported", "failed"])
    #expect(
      report.ledgers[1].diagnostics.contains { $0.contains("no exchange rate from SEK to NOK") })
    try expectValidSAFT(path)
  }
}
