import Foundation
import Testing

@testable import LedgerCore

/// SAF-T through the frame lane: ``SAFTJournalEncoder`` writing ``VoucherFrame``s gives the bytes
/// the `Voucher`-based writer gave (kept here as ``ReferenceEncoder``), for random vouchers and for
/// mapped entries; and whole exports — SAF-T alone and beside CSV, with conversions — are
/// byte-identical with ``ExportRequest/usesFrameLane`` on and off, and with the reference writer.
@Suite struct SAFTFrameLaneTests {
  /// Records the first few differences and expects none.
  static func expectNone(
    _ differences: [String], of count: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    FrameLaneTests.expectNone(differences, of: count, sourceLocation: sourceLocation)
  }

  // MARK: - One transaction

  /// Random vouchers (every kind of awkward text, extreme amounts, lines in other currencies with
  /// and without a rate, unbalanced ones that take a residual, conversions that overflow) give
  /// the reference's bytes through ``SAFTJournalEncoder/encode(_:into:)``, which goes through the
  /// frame, for every company.
  @Test(arguments: 0..<8 as Range<UInt64>)
  func vouchersAreWrittenAsTheReferenceWritesThem(seed: UInt64) throws {
    var generator = Vouchers(seed: 0x5AF7_0000 &+ seed)
    var differences: [String] = []
    var compared = 0
    let companies = try Self.companies()
    for _ in 0..<150 {
      let voucher = generator.voucher()
      for (name, options) in companies {
        var expected: [UInt8] = []
        ReferenceEncoder(options: options).encode(voucher, into: &expected)
        var actual: [UInt8] = []
        SAFTJournalEncoder(options: options).encode(voucher, into: &actual)
        compared += 1
        if actual != expected {
          differences.append(
            "company \(name), voucher \(FrameLaneTests.visible(voucher.id)): "
              + FrameLaneTests.firstDifference(actual, expected))
        }
      }
    }
    Self.expectNone(differences, of: compared)
  }

  /// ``XMLText/appendCleaned(_:maxLength:uppercaseASCII:to:)`` gives what
  /// ``XMLText/clean(_:maxLength:)`` and ``XMLByteWriter`` give, on random text of awkward pieces
  /// at every schema length (and upper-cased, for ASCII text); the `ascii` half draws mostly
  /// plain ASCII with the odd space pair, control, DEL or markup character, so that the
  /// eight-bytes-at-a-time check meets each of them at every position.
  @Test(arguments: 0..<10 as Range<UInt64>, [false, true])
  func textIsCleanedAndEscapedOnItsBytesAsOnItsString(seed: UInt64, ascii: Bool) {
    var random = SplitMix64(seed: 0x5AF7_2000 &+ seed &+ (ascii ? 100 : 0))
    let alphabet =
      ascii
      ? ["a", "b", "Q", "7", ".", " ", "x", "y", "-", "/", "~"]
      : XMLByteWriterTests.alphabet + ["é", "e\u{301}", "\u{C2}", "\u{FFFD}", "ﬁ", "ß", "–"]
    let odd = ["  ", "<", ">", "&", "\"", "\t", "\n", "\u{7F}", "\u{1}"]
    var differences: [String] = []
    for _ in 0..<2000 {
      let length = Int(random.next() % (random.next() % 8 == 0 ? 400 : ascii ? 40 : 14))
      let text = (0..<length).map { _ in
        ascii && random.next() % 24 == 0
          ? odd[Int(random.next() % UInt64(odd.count))]
          : alphabet[Int(random.next() % UInt64(alphabet.count))]
      }.joined()
      let maxLength = [1, 2, 3, 9, 35, 70, 256][Int(random.next() % 7)]
      let uppercase = text.utf8.allSatisfy { $0 < 0x80 } && random.next() % 2 == 0
      let cleaned = XMLText.clean(uppercase ? text.uppercased() : text, maxLength: maxLength)
      var writer = XMLByteWriter(baseDepth: 0)
      writer.element("a", cleaned)
      let expected = Array(Array(writer.sink.bytes).dropFirst(4).dropLast(4))
      var sink = ByteSink(capacity: 16)
      let wrote = Array(text.utf8).withUnsafeBufferPointer {
        XMLText.appendCleaned($0, maxLength: maxLength, uppercaseASCII: uppercase, to: &sink)
      }
      if Array(sink.bytes) != expected || wrote == cleaned.isEmpty {
        differences.append(
          "\(FrameLaneTests.visible(text)) (\(maxLength)\(uppercase ? ", upper case" : "")): "
            + FrameLaneTests.firstDifference(Array(sink.bytes), expected))
      }
    }
    Self.expectNone(differences, of: 2000)
  }

  /// Text cases one at a time: cleaning, cutting, escaping, fallbacks, upper case, order.
  @Test(arguments: [
    ("", "", "capture"), ("  ", "\u{0}\u{7}", ""), ("a\u{0}b", "\r\n", "x"),
    ("<&>\"'\r", "é\u{301}", "🙂"), (String(repeating: "ø", count: 80), " x ", "\u{85}"),
    (String(repeating: "a", count: 70), String(repeating: "b c", count: 100), "\u{FFFF}"),
  ])
  func textCases(id: String, description: String, entryType: String) throws {
    let source = LineSource(
      ledgerID: LedgerID(id), topic: .fees, ledgerDate: LedgerDate("2025-01-31")!,
      entryType: EntryType(rawValue: entryType), pspReference: description, reference: id,
      salesUnit: description, position: 1)
    var dimensions: [String: String] = [:]
    for name in Vouchers.dimensionNames { dimensions[name] = description + name }
    let lines = [
      JournalLine(
        account: AccountID(id), accountName: "", amount: 100, currency: "NOK", role: .home,
        description: description, dimensions: dimensions, source: source),
      JournalLine(
        account: AccountID(description), accountName: "", amount: -80, currency: "NOK",
        vat: VATInfo(code: description, rateBasisPoints: 2500, baseMinorUnits: -80),
        description: id, dimensions: dimensions, source: source),
      JournalLine(
        account: "2700", accountName: "", amount: -20, currency: "NO\u{212A}", role: .vat,
        vat: VATInfo(code: id, rateBasisPoints: 2500, baseMinorUnits: -80), description: "",
        source: source),
    ]
    let voucher = Voucher(
      id: id, date: source.ledgerDate, ledgerID: LedgerID(id + description),
      description: description, lines: lines)
    try Self.expectSameAsReference(voucher)
  }

  /// Where the rounding residual goes when magnitudes tie (the first largest line, non-home lines
  /// first), and conversions that overflow (no lines at all).
  @Test(arguments: [
    [(LineRole.home, Int64(100), "NOK"), (.home, 100, "NOK")],
    [(.home, 100, "NOK"), (.home, -100, "NOK"), (.home, 7, "NOK")],
    [(.home, 300, "NOK"), (.contra, -100, "NOK"), (.vat, -100, "NOK")],
    [(.home, 7, "DKK"), (.contra, -3, "DKK"), (.contra, -4, "DKK")],
    [(.home, 7, "DKK"), (.home, -3, "DKK"), (.home, -4, "DKK")],
    [(.home, 7, "NOK"), (.contra, -7, "DKK")],
    [(.home, .max, "DKK"), (.contra, .min + 1, "DKK")],
    [(.home, .max, "NOK"), (.contra, .max, "NOK")],
    [(.home, .min, "NOK"), (.vat, -1, "NOK")],
    [(.contra, 5, "EUR")],
  ])
  func residualsGoWhereTheReferencePutsThem(lines: [(LineRole, Int64, String)]) throws {
    let source = LineSource(
      ledgerID: "1", topic: .funds, ledgerDate: LedgerDate("2025-01-01")!, entryType: .capture,
      pspReference: "p", reference: nil, salesUnit: "NO:1", position: 1)
    let voucher = Voucher(
      id: "v", date: source.ledgerDate, ledgerID: "1", description: "d",
      lines: lines.map { role, amount, currency in
        JournalLine(
          account: "1579", accountName: "", amount: amount, currency: currency, role: role,
          vat: VATInfo(code: "3", rateBasisPoints: 2500, baseMinorUnits: amount),
          description: "", source: source)
      })
    try Self.expectSameAsReference(voucher)
  }

  /// Random entries under every profile: the frame ``FrameMapper`` fills gives the bytes the
  /// reference writes for ``Mapper``'s voucher (entries in any currency, so some convert).
  @Test(arguments: 0..<4 as Range<UInt64>)
  func mappedEntriesAreWrittenAsTheReferenceWritesThem(seed: UInt64) throws {
    var generator = FrameLaneTests.Entries(seed: 0x5AF7_1000 &+ seed)
    let entries = (0..<100).map { _ in generator.entry() }
    let json = try JSONEncoder().encode(ReportPage(items: entries))
    let page = try #require(try ReportDecoding.page(json, context: "saft").rawEntries)
    let companies = try Self.companies()
    var frame = VoucherFrame()
    var differences: [String] = []
    var compared = 0
    for (profileName, profile) in try FrameLaneTests.profiles() {
      let mapper = Mapper(profile: profile)
      for (index, entry) in entries.enumerated() {
        let ledger = generator.pick(FrameLaneTests.Entries.ledgers)
        let frameMapper = FrameMapper(profile: profile, ledger: ledger)
        let (topic, date, position) = (
          generator.oneIn(2) ? Topic.funds : .fees, generator.date(), generator.position()
        )
        guard
          let mapped = try? mapper.map(
            entry, ledger: ledger, topic: topic, date: date, position: position)
        else { continue }
        let outcome = page.bytes.withUnsafeBufferPointer { bytes in
          frameMapper.map(
            page.entries[index], bytes: bytes, topic: topic, date: date, position: position,
            into: &frame)
        }
        guard case .mapped = outcome else {
          differences.append("FrameMapper declines what Mapper maps")
          continue
        }
        for (companyName, options) in companies {
          var expected: [UInt8] = []
          ReferenceEncoder(options: options).encode(mapped.voucher, into: &expected)
          var sink = ByteSink(capacity: 256)
          SAFTJournalEncoder(options: options).encode(frame, text: frame.text.buffer, into: &sink)
          let actual = Array(sink.bytes)
          compared += 1
          if actual != expected {
            differences.append(
              "profile \(profileName), company \(companyName), entry "
                + "\(FrameLaneTests.describe(entry)): "
                + FrameLaneTests.firstDifference(actual, expected))
          }
        }
      }
    }
    Self.expectNone(differences, of: compared)
  }

  // MARK: - Which ledgers take the lane

  /// SAF-T alone or with CSV takes the lane, unless the ledger is listed in another currency than
  /// the reporting one (byte for byte); not with daily vouchers or the reference path forced.
  @Test func theLaneIsUsedForSAFTWhereItCanBe() throws {
    let options = try #require(try Self.companies().first?.options)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    func usesLane(
      _ encoders: [any JournalEncoder], currency: String?, saft: SAFTOptions? = nil,
      aggregation: Aggregation = .entry, frameLane: Bool = true
    ) throws -> Bool {
      var request = ExportRequest(
        source: InMemorySource(), ledgers: nil, from: LedgerDate("2025-03-01")!,
        to: LedgerDate("2025-03-01")!, profile: try testProfile(), aggregation: aggregation,
        encoders: encoders, outputDirectory: directory, saft: saft ?? options)
      request.usesFrameLane = frameLane
      return try LedgerProcessor(
        request: request, ledgerID: "300119", currency: currency, workDirectory: directory
      ).usesLane
    }
    let saft = SAFTJournalEncoder(options: options)
    #expect(try usesLane([saft], currency: "NOK"))
    #expect(try usesLane([saft], currency: nil))
    #expect(try usesLane([CSVJournalEncoder(), saft, JSONLinesJournalEncoder()], currency: "NOK"))
    #expect(try !usesLane([saft], currency: "DKK"))
    #expect(try !usesLane([saft], currency: "NO\u{212A}"))
    #expect(try !usesLane([saft], currency: "NOK", aggregation: .daily))
    #expect(try !usesLane([saft], currency: "NOK", frameLane: false))
    #expect(try !usesLane([ReferenceEncoder(options: options)], currency: "NOK"))
  }

  // MARK: - Whole exports

  /// Every profile and company, SAF-T alone and after CSV: the lane's export, the reference
  /// path's with the product encoder, and the reference path's with the reference encoder are
  /// byte for byte the same, reports included.
  @Test(arguments: 0..<6 as Range<UInt64>)
  func exportsAreByteIdenticalWithAndWithoutTheFrameLane(seed: UInt64) async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = LedgerDate("2025-03-01")!
    let days = 4
    try Self.record(seed: seed, into: directory + "/recording", start: start, days: days)
    let profiles = try FrameLaneTests.profiles()
    let profile = profiles[Int(seed) % profiles.count].profile
    let companies = try Self.companies()
    let (companyName, options) = companies[Int(seed) % companies.count]
    let withCSV = seed % 2 == 1
    var reports: [RunReport] = []
    for run in ["lane", "reference", "old-encoder"] {
      let saft: any JournalEncoder =
        run == "old-encoder"
        ? ReferenceEncoder(options: options) : SAFTJournalEncoder(options: options)
      reports.append(
        try await Self.export(
          try ReplaySource(directory: directory + "/recording"), profile: profile, from: start,
          to: start.adding(days: days - 1),
          encoders: withCSV ? [CSVJournalEncoder(), saft] : [saft],
          saft: options, usesFrameLane: run == "lane", into: directory + "/" + run))
    }
    let fileCount = withCSV ? 3 : 2
    for index in 1...2 {
      try FrameLaneTests.expectSameExports(
        reports[0], reports[index], directory + "/lane",
        directory + (index == 1 ? "/reference" : "/old-encoder"), fileCount: fileCount)
    }

    // The recording has what it is meant to have.
    var status: [String: String] = [:]
    for ledger in reports[0].ledgers { status[ledger.ledgerId] = ledger.status }
    #expect(status["300119"] == "exported", "\(companyName)")
    // The `N&` company has no rate for `é`.
    #expect(status["é-\(seed)"] == (companyName == "N&" ? "failed" : "partial"))
    #expect(status["310000"] == "exported" && status["320000"] == "exported")
    #expect(status["222222"] == "failed" && status["333333"] == "failed")
    #expect(status["444444"] == "failed" && status["555555"] == "partial")
    #expect(status["710000"] == "exported" && status["720000"] == "exported")
    #expect(status["730000"] == "failed" && status["740000"] == "failed")
    let diagnostics = reports[0].ledgers.flatMap(\.diagnostics).joined(separator: "\n")
    for expected in [
      "balance chain broken", "was delivered twice", "cannot be negated", "no recorded data",
      "no exchange rate from EUR",
    ] {
      #expect(diagnostics.contains(expected), "\(expected)")
    }
    let saft = try String(
      contentsOfFile: directory + "/lane/journal-\(start)_\(start.adding(days: days - 1)).xml",
      encoding: .utf8)
    #expect(saft.contains("<CurrencyCode>DKK</CurrencyCode>"))
  }

  /// Ledgers all in the reporting currency, where only the lane sums (VAT codes included) reach
  /// the SAF-T master files and totals, under every profile and company.
  @Test(arguments: 0..<5, 0..<3)
  func exportsOfLedgersInTheReportingCurrencyAreByteIdentical(profile: Int, company: Int)
    async throws
  {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = LedgerDate("2025-03-01")!
    let seed = UInt64(profile * 3 + company)
    try Self.record(seed: seed, into: directory + "/recording", start: start, days: 3)
    var options = try Self.companies()[company].options
    options.company.currency = "NOK"
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        try ReplaySource(directory: directory + "/recording"),
        profile: try FrameLaneTests.profiles()[profile].profile, from: start,
        to: start.adding(days: 2), encoders: [SAFTJournalEncoder(options: options)],
        saft: options, usesFrameLane: usesFrameLane, ledgers: ["300119", "320000"],
        into: into)
    }
    try FrameLaneTests.expectSameExports(
      reports[0], reports[1], directory + "/true", directory + "/false", fileCount: 2)
    #expect(reports[0].ledgers.map(\.status) == ["exported", "exported"])
  }

  /// An account named in two normalization forms (the lane knows it by the first, `3é`; the
  /// funds entries, summed first, post to `3e\u{301}`): the master files spell it as the
  /// reference path's totals do, by the spelling that reached them first.
  @Test func accountsNamedInTwoNormalizationFormsAreSpelledTheSame() async throws {
    let profile = try MappingProfile.load(
      yaml: #"""
        name: spellings
        clearing: { funds: "1579", fees: "2991" }
        suspense: { funds: "1598", fees: "2998" }
        accounts:
          "1579": { name: "Vipps funds", groupingCategory: a, groupingCode: "1570" }
          "2991": { name: "Vipps fees", groupingCategory: a, groupingCode: "2990" }
          "1598": { name: "Suspense funds", groupingCategory: a, groupingCode: "1570" }
          "2998": { name: "Suspense fees", groupingCategory: a, groupingCode: "2990" }
          "3é": { name: "Salg", groupingCategory: a, groupingCode: "3000" }
        vatCodes:
          "3": { rate: "25" }
        rules:
          - name: fees
            match: { topic: fees }
            contra: "3é"
            vat: { code: "3", account: "3é" }
          - name: funds
            match: { topic: funds }
            contra: "3e\u0301"
        """#, path: "spellings.yaml")
    var source = InMemorySource()
    let start = LedgerDate("2025-03-01")!
    var generator = SyntheticLedger(seed: 9, start: start, entriesPerDay: 12)
    source.add(&generator, days: 2)
    let options = try #require(try Self.companies().first?.options)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        source, profile: profile, from: start, to: start.adding(days: 1),
        encoders: [CSVJournalEncoder(), SAFTJournalEncoder(options: options)], saft: options,
        usesFrameLane: usesFrameLane, into: into)
    }
    #expect(reports[1].ledgers.first?.status == "exported")
    try FrameLaneTests.expectSameExports(
      reports[0], reports[1], directory + "/true", directory + "/false", fileCount: 3)
  }

  /// One account's debits pass `Int64.max` across the topics of a date, then a later entry has a
  /// problem of its own: with SAF-T, both paths report the same (first) problem.
  @Test(arguments: [false, true])
  func anOverflowIsReportedAsTheReferencePathReportsIt(laterProblem: Bool) async throws {
    let date = LedgerDate("2025-03-01")!
    let big: Int64 = -5_000_000_000_000_000_000
    func entry(_ psp: String, _ type: EntryType, _ amount: Int64, before: Int64) -> LedgerEntry {
      LedgerEntry(
        pspReference: psp, time: EntryTime("\(date)T12:00:00Z")!, ledgerDate: date,
        entryType: type, reference: "r", currency: "NOK", amount: amount, balanceBefore: before,
        balanceAfter: before + amount, recipientHandle: nil)
    }
    var source = InMemorySource(ledgers: [Ledger(ledgerId: "888888", currency: "NOK")])
    source.pagesByKey[.init(ledger: "888888", topic: .funds, date: date)] = [
      ReportPage(items: [entry("a", .feesRetained, big, before: 0)])
    ]
    source.pagesByKey[.init(ledger: "888888", topic: .fees, date: date)] = [
      ReportPage(items: [
        entry("a", .feesRetained, big, before: 0),
        entry("b", .captureFee, -1000, before: big + (laterProblem ? 1 : 0)),
      ])
    ]
    let options = try #require(try Self.companies().first?.options)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        source, profile: try testProfile(), from: date, to: date,
        encoders: [SAFTJournalEncoder(options: options)], saft: options,
        usesFrameLane: usesFrameLane, into: into)
    }
    #expect(reports[1].ledgers.first?.status == "failed")
    #expect(reports[0].ledgers.first?.diagnostics == reports[1].ledgers.first?.diagnostics)
    let equalReports = reports[0] == reports[1]
    #expect(equalReports, "the run reports differ")
  }
}
