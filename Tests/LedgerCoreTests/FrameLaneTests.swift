import Foundation
import Testing

@testable import LedgerCore

/// The frame lane (``FrameMapper`` → ``VoucherFrame`` → ``FrameEncoder``, driven by ``FrameLane``)
/// against the reference path (``Mapper`` → ``Voucher`` → ``JournalEncoder/encode(_:into:)``): the
/// same success or failure, the same rule, the same bytes in every frame format, and whole exports
/// that are byte-identical with ``ExportRequest/usesFrameLane`` on and off.
@Suite struct FrameLaneTests {
  /// The repository root, from this file's path.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  // MARK: - Comparing one mapping

  /// Text with every scalar outside printable ASCII (and `"`, `\`) written as `\u{…}`.
  static func visible(_ text: String?) -> String {
    guard let text else { return "nil" }
    var result = "\""
    for scalar in text.unicodeScalars {
      if scalar.value >= 0x20, scalar.value < 0x7F, scalar != "\"", scalar != "\\" {
        result.unicodeScalars.append(scalar)
      } else {
        result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      }
    }
    return result + "\""
  }

  static func visible(_ bytes: [UInt8]) -> String {
    visible(String(decoding: bytes, as: UTF8.self))
  }

  static func describe(_ entry: LedgerEntry) -> String {
    "{type \(visible(entry.entryType.rawValue)), amount \(entry.amount), psp \(visible(entry.pspReference)), "
      + "reference \(visible(entry.reference)), currency \(visible(entry.currency)), "
      + "salesUnit \(visible(entry.recipientHandle)), name \(visible(entry.name)), "
      + "message \(visible(entry.message))}"
  }

  /// How the two paths differ on one entry, or `nil` when they agree: success or failure, rule,
  /// the bytes of every format, and the account each line is summed under (``FrameLane``'s totals).
  static func difference(
    _ entry: LedgerEntry, raw: RawEntry, bytes: UnsafeBufferPointer<UInt8>, mapper: Mapper,
    frameMapper: FrameMapper, frame: inout VoucherFrame, topic: Topic, date: LedgerDate,
    position: Int, encoders: [(name: String, encoder: any FrameEncoder)]
  ) -> String? {
    let reference: MappedEntry?
    do {
      reference = try mapper.map(
        entry, ledger: frameMapper.ledger, topic: topic, date: date, position: position)
    } catch {
      reference = nil
    }
    let outcome = frameMapper.map(
      raw, bytes: bytes, topic: topic, date: date, position: position, into: &frame)
    switch (reference, outcome) {
    case (nil, .failed):
      return nil
    case (nil, .mapped(let rule)):
      return "Mapper throws, FrameMapper maps (rule \(rule ?? "suspense"))"
    case (let mapped?, .failed):
      return "Mapper maps (rule \(mapped.ruleName ?? "suspense")), FrameMapper declines"
    case (let mapped?, .mapped(let rule)):
      if mapped.ruleName != rule {
        return "rule: Mapper \(mapped.ruleName ?? "suspense"), FrameMapper \(rule ?? "suspense")"
      }
      let text = frame.text.buffer
      for (name, encoder) in encoders {
        var expected: [UInt8] = []
        encoder.encode(mapped.voucher, into: &expected)
        var sink = ByteSink(capacity: 512)
        encoder.encode(frame, text: text, into: &sink)
        let actual = Array(sink.bytes)
        if actual != expected {
          return
            "\(name) differs:\n  Mapper:      \(visible(expected))\n  FrameMapper: \(visible(actual))"
        }
      }
      for line in frame.lines {
        let account = AccountID(String(decoding: text.slice(line.account), as: UTF8.self))
        guard frameMapper.accounts.indices.contains(line.accountIndex),
          frameMapper.accounts[line.accountIndex] == account
        else {
          return
            "a line on \(visible(account.rawValue)) is summed under account index \(line.accountIndex)"
        }
      }
      return nil
    }
  }

  /// Records the first few differences and expects none.
  static func expectNone(
    _ differences: [String], of count: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for difference in differences.prefix(3) {
      Issue.record("\(difference)", sourceLocation: sourceLocation)
    }
    #expect(
      differences.count == 0, "\(differences.count) of \(count) mappings differ",
      sourceLocation: sourceLocation)
  }

  // MARK: - Mapper equivalence

  /// Random entries under every profile, on random ledgers, topics, dates and positions: each entry
  /// both as ``RawEntries`` builds it from a ``LedgerEntry`` and as the page parser keeps it (ranges
  /// into the page's bytes, escaped text unescaped after them).
  @Test(arguments: 0..<6 as Range<UInt64>)
  func frameMapperGivesWhatMapperGives(seed: UInt64) throws {
    let profiles = try Self.profiles()
    let encoders = Self.encoders()
    var generator = Entries(seed: 0xF_4A3E_0000 &+ seed)
    let entries = (0..<100).map { _ in generator.entry() }
    let json = try JSONEncoder().encode(ReportPage(items: entries))
    let parsed = try ReportDecoding.page(json, context: "frame lane")
    try #require(parsed == ReportPage(items: entries))
    try #require(PageParserTests.utf8(parsed) == PageParserTests.utf8(ReportPage(items: entries)))
    let pageStorage = try #require(parsed.rawEntries)

    var frame = VoucherFrame()
    var differences: [String] = []
    var compared = 0
    for (name, profile) in profiles {
      let mapper = Mapper(profile: profile)
      var frameMappers: [[UInt8]: FrameMapper] = [:]
      for (index, entry) in entries.enumerated() {
        let ledger = generator.pick(Entries.ledgers)
        let key = Array(ledger.rawValue.utf8)
        let frameMapper = frameMappers[key] ?? FrameMapper(profile: profile, ledger: ledger)
        frameMappers[key] = frameMapper
        let topic: Topic = generator.oneIn(2) ? .funds : .fees
        let date = generator.date()
        let position = generator.position()
        let single = RawEntries([entry])
        var found: [String] = []
        for (storage, raw) in [
          (single, single.entries[0]), (pageStorage, pageStorage.entries[index]),
        ] {
          let difference = storage.bytes.withUnsafeBufferPointer { bytes in
            Self.difference(
              entry, raw: raw, bytes: bytes, mapper: mapper, frameMapper: frameMapper,
              frame: &frame, topic: topic, date: date, position: position, encoders: encoders)
          }
          compared += 1
          if let difference, !found.contains(difference) { found.append(difference) }
        }
        for difference in found {
          differences.append(
            "profile \(name), ledger \(Self.visible(ledger.rawValue)), \(topic) \(date) #\(position), "
              + "entry \(Self.describe(entry)): \(difference)")
        }
      }
    }
    Self.expectNone(differences, of: compared)
  }

  /// Inputs where `String` semantics (canonical equivalence, grapheme clusters) and bytes part:
  /// each must map as ``Mapper`` maps it (a `payout-scheduled` or `capture` of 12.50 on funds).
  @Test(arguments: [
    // A rule's currency set holds U+212A KELVIN SIGN, canonically equivalent to ASCII "K".
    ("code", "300119", "payout-scheduled", "K", "NO:1", "12-34", "currency K, set holds U+212A"),
    // A rule's sales-unit set holds "\u{212A}:1"; the entry's handle is the ASCII "K:1".
    ("code", "300119", "payout-scheduled", "XYZ", "K:1", "12-34", "handle K:1, set holds U+212A:1"),
    // A dimension keyed by "\u{212A}:2"; the entry's handle is the ASCII "K:2".
    ("code", "300119", "capture", "NOK", "K:2", "12-34", "handle K:2, dimension key U+212A:2"),
    // {payoutNumber}: "45\u{301}" is all `Character`s in "0"..."9" for `LedgerEntry.payoutNumber`.
    ("no-sales", "300119", "payout-scheduled", "NOK", "NO:1", "300119-45\u{301}", "combining mark"),
    ("no-sales", "300119", "payout-scheduled", "NOK", "NO:1", "300119-7\u{20E3}", "keycap mark"),
    // An ASCII ledger ID with CR LF: 2 bytes, 1 `Character`, in the 70-character voucher-ID limit.
    (
      "no-sales", String(repeating: "\r\n", count: 28), "payout-scheduled", "NOK", "NO:1", "1",
      "ledger ID of 28 CR LF pairs (56 bytes, 28 characters)"
    ),
  ])
  func stringSemanticsEdgeCases(
    profileName: String, ledger: String, type: String, currency: String, salesUnit: String,
    psp: String, label: String
  ) throws {
    let profile = try #require(try Self.profiles().first { $0.name == profileName }?.profile)
    let entry = LedgerEntry(
      pspReference: psp, time: EntryTime("2025-01-02T03:04:05Z")!, ledgerDate: nil,
      entryType: EntryType(rawValue: type), reference: "r", currency: currency, amount: 1250,
      balanceBefore: 0, balanceAfter: 1250, recipientHandle: salesUnit)
    let storage = RawEntries([entry])
    var frame = VoucherFrame()
    let difference = storage.bytes.withUnsafeBufferPointer { bytes in
      Self.difference(
        entry, raw: storage.entries[0], bytes: bytes, mapper: Mapper(profile: profile),
        frameMapper: FrameMapper(profile: profile, ledger: LedgerID(ledger)), frame: &frame,
        topic: .funds, date: LedgerDate("2025-01-02")!, position: 1, encoders: Self.encoders())
    }
    if let difference { Issue.record("\(label): \(difference)") }
  }

  /// Entries no voucher can be made of fail in both paths, under every profile: an `Int64.min`
  /// amount (cannot be negated), a negative position, a voucher ID over 70 characters.
  @Test(arguments: [
    ("300119", Int64.min, 1, MappingError.Kind.amountOverflow),
    ("300119", 1250, -1, .invalidPosition),
    (String(repeating: "9", count: 55), 1250, 1, .voucherIDTooLong),
    (String(repeating: "9", count: 54), 1250, 100_000, .voucherIDTooLong),
    (String(repeating: "å", count: 55), -1250, 1, .voucherIDTooLong),
  ])
  func unmappableEntriesFailInBothPaths(
    ledger: String, amount: Int64, position: Int, kind: MappingError.Kind
  ) throws {
    for (name, profile) in try Self.profiles() {
      for topic in Topic.allCases {
        let entry = LedgerEntry(
          pspReference: "1", time: EntryTime("2025-01-02T03:04:05Z")!, ledgerDate: nil,
          entryType: .capture, reference: "r", currency: "NOK", amount: amount, balanceBefore: 0,
          balanceAfter: 0, recipientHandle: "NO:123455")
        let date = LedgerDate("2025-01-02")!
        #expect(throws: MappingError.self, "\(name) \(topic)") {
          do {
            _ = try Mapper(profile: profile).map(
              entry, ledger: LedgerID(ledger), topic: topic, date: date, position: position)
          } catch let error as MappingError {
            #expect(error.kind == kind, "\(name) \(topic): \(error)")
            throw error
          }
        }
        let storage = RawEntries([entry])
        var frame = VoucherFrame()
        let outcome = storage.bytes.withUnsafeBufferPointer { bytes in
          FrameMapper(profile: profile, ledger: LedgerID(ledger)).map(
            storage.entries[0], bytes: bytes, topic: topic, date: date, position: position,
            into: &frame)
        }
        guard case .failed = outcome else {
          Issue.record("\(name) \(topic): FrameMapper maps what Mapper rejects")
          continue
        }
      }
    }
  }

  // MARK: - Export equivalence

  /// Writes a recording of several ledgers over `days` dates from `start`, pages of random sizes:
  /// a plain one; one with unicode text, unknown types and its last date open; a broken balance
  /// chain; an entry delivered twice; an `Int64.min` amount; a date not recorded; large amounts
  /// with a currency the ledger list does not give.
  static func record(seed: UInt64, into directory: String, start: LedgerDate, days: Int) throws {
    var random = SplitMix64(seed: seed)
    var ledgers: [Ledger] = []
    func write(_ id: LedgerID, _ day: SyntheticDay, open: Bool = false, fees: Bool = true) throws {
      try FrameLaneTests.record(
        day, ledger: id, into: directory, random: &random, open: open, fees: fees)
    }

    var plain = SyntheticLedger(seed: seed, ledgerID: "300119", start: start, entriesPerDay: 30)
    ledgers.append(Ledger(ledgerId: "300119", currency: "NOK"))
    for _ in 0..<days { try write("300119", plain.nextDay()) }

    let unicodeID = LedgerID("é-\(seed)")
    ledgers.append(Ledger(ledgerId: unicodeID, currency: "e\u{301}"))
    var texts = Entries(seed: seed &+ 77)
    for (index, day) in texts.chainedDays(start: start, days: days, currencies: ["é", "e\u{301}"])
      .enumerated()
    {
      try write(unicodeID, day, open: index == days - 1)
    }

    var broken = SyntheticLedger(
      seed: seed &+ 1, ledgerID: "222222", start: start, entriesPerDay: 20)
    ledgers.append(Ledger(ledgerId: "222222", currency: "NOK"))
    for index in 0..<days {
      var day = broken.nextDay()
      if index == 1 {
        day.funds[2].balanceBefore += 1
        day.funds[2].balanceAfter += 1
      }
      try write("222222", day)
    }

    var twice = SyntheticLedger(
      seed: seed &+ 2, ledgerID: "333333", start: start, entriesPerDay: 20)
    ledgers.append(Ledger(ledgerId: "333333", currency: "NOK"))
    for index in 0..<days {
      var day = twice.nextDay()
      if index == days - 2 { day.funds.insert(day.funds[3], at: 4) }
      try write("333333", day)
    }

    ledgers.append(Ledger(ledgerId: "444444", currency: "NOK"))
    for day in FrameLaneTests.overflowDays(start: start, days: days) {
      try write("444444", day)
    }

    var gap = SyntheticLedger(seed: seed &+ 3, ledgerID: "555555", start: start, entriesPerDay: 10)
    ledgers.append(Ledger(ledgerId: "555555", currency: "NOK"))
    for index in 0..<days { try write("555555", gap.nextDay(), fees: index != 2) }

    ledgers.append(Ledger(ledgerId: "666666", currency: nil))
    for day in PropertyTests.randomDays(seed: seed &+ 4, days: days, start: start) {
      try write("666666", day)
    }

    try ReplayRecorder(directory: directory).writeLedgers(ledgers)
  }

  /// Runs one export with the frame lane on or off into `directory`.
  /// Runs `export` with the frame lane (into `directory/true`) and without it (into
  /// `directory/false`); the reports in that order.
  static func withAndWithoutTheLane(
    in directory: String,
    _ export: (_ usesFrameLane: Bool, _ into: String) async throws -> RunReport
  ) async throws -> [RunReport] {
    var reports: [RunReport] = []
    for usesFrameLane in [true, false] {
      reports.append(try await export(usesFrameLane, directory + "/\(usesFrameLane)"))
    }
    return reports
  }

  static func export(
    _ source: any ReportSource, profile: MappingProfile, from: LedgerDate, to: LedgerDate,
    csv: CSVJournalEncoder.Options = .init(), usesFrameLane: Bool, into directory: String
  ) async throws -> RunReport {
    var request = ExportRequest(
      source: source, ledgers: nil, from: from, to: to, profile: profile, aggregation: .entry,
      encoders: [CSVJournalEncoder(options: csv), JSONJournalEncoder(), JSONLinesJournalEncoder()],
      outputDirectory: directory, toolVersion: "0.0.0-test")
    request.usesFrameLane = usesFrameLane
    return try await ExportPipeline().run(request)
  }

  /// Expects two export directories to hold the same `fileCount` files, byte for byte, and the
  /// reports to be equal (as values and as JSON bytes), with each output's SHA-256 that of its file.
  static func expectSameExports(
    _ lane: RunReport, _ reference: RunReport, _ laneDirectory: String,
    _ referenceDirectory: String, fileCount: Int = 4,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let equalReports = lane == reference
    #expect(equalReports, "the run reports differ", sourceLocation: sourceLocation)
    let laneJSON = Array(try lane.jsonData())
    let referenceJSON = Array(try reference.jsonData())
    if laneJSON != referenceJSON {
      Issue.record(
        "report JSON differs: \(firstDifference(laneJSON, referenceJSON))",
        sourceLocation: sourceLocation)
    }
    let fileManager = FileManager.default
    let files = try fileManager.contentsOfDirectory(atPath: laneDirectory).sorted()
    #expect(
      files == (try fileManager.contentsOfDirectory(atPath: referenceDirectory).sorted()),
      sourceLocation: sourceLocation)
    #expect(files.count == fileCount, "\(files)", sourceLocation: sourceLocation)
    for file in files {
      let a = Array(try Data(contentsOf: URL(fileURLWithPath: laneDirectory + "/" + file)))
      let b = Array(try Data(contentsOf: URL(fileURLWithPath: referenceDirectory + "/" + file)))
      if a != b {
        Issue.record("\(file) differs: \(firstDifference(a, b))", sourceLocation: sourceLocation)
      }
    }
    for output in lane.outputs {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: laneDirectory + "/" + output.path))
      #expect(SHA256.hex(bytes) == output.sha256, sourceLocation: sourceLocation)
      #expect(Int64(bytes.count) == output.bytes, sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: 0..<5 as Range<UInt64>)
  func exportsAreByteIdenticalWithAndWithoutTheFrameLane(seed: UInt64) async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = LedgerDate("2025-03-01")!
    let days = 4
    try Self.record(seed: seed, into: directory + "/recording", start: start, days: days)
    let profiles = try Self.profiles()
    let profile = profiles[Int(seed) % profiles.count].profile
    let csv: CSVJournalEncoder.Options =
      seed % 2 == 0 ? .init() : .init(delimiter: ";", decimalComma: true, byteOrderMark: true)
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        try ReplaySource(directory: directory + "/recording"), profile: profile, from: start,
        to: start.adding(days: days - 1), csv: csv, usesFrameLane: usesFrameLane,
        into: into)
    }
    try Self.expectSameExports(reports[0], reports[1], directory + "/true", directory + "/false")

    // The recording has what it is meant to have.
    var status: [String: String] = [:]
    for ledger in reports[0].ledgers { status[ledger.ledgerId] = ledger.status }
    #expect(
      status == [
        "300119": "exported", "é-\(seed)": "partial", "222222": "failed", "333333": "failed",
        "444444": "failed", "555555": "partial", "666666": "exported",
      ])
    let diagnostics = reports[0].ledgers.flatMap(\.diagnostics).joined(separator: "\n")
    for expected in [
      "balance chain broken", "was delivered twice", "cannot be negated", "no recorded data",
    ] {
      #expect(diagnostics.contains(expected), "\(expected)")
    }
    #expect(reports[0].ledgers.contains { $0.ledgerId.hasPrefix("é") && $0.vouchers > 0 })
  }

  /// One account's debits pass `Int64.max` only when the fees topic adds to what the funds topic
  /// posted on the same date (the lane sums per topic, then adds), and a later fees entry has a
  /// problem of its own: both paths must report the same (first) problem.
  @Test(arguments: [false, true])
  func anOverflowAcrossTopicsIsReportedAsTheReferencePathReportsIt(laterProblem: Bool)
    async throws
  {
    let date = LedgerDate("2025-03-01")!
    let big: Int64 = -5_000_000_000_000_000_000
    func entry(_ psp: String, _ type: EntryType, _ amount: Int64, before: Int64) -> LedgerEntry {
      LedgerEntry(
        pspReference: psp, time: EntryTime("\(date)T12:00:00Z")!, ledgerDate: date,
        entryType: type, reference: "r", currency: "NOK", amount: amount, balanceBefore: before,
        balanceAfter: before + amount, recipientHandle: nil)
    }
    // Both fees-retained entries debit the transit account 1577 with 5·10^18.
    let funds = [entry("a", .feesRetained, big, before: 0)]
    let fees = [
      entry("a", .feesRetained, big, before: 0),
      entry("b", .captureFee, -1000, before: big + (laterProblem ? 1 : 0)),
    ]
    var source = InMemorySource(ledgers: [Ledger(ledgerId: "888888", currency: "NOK")])
    source.pagesByKey[.init(ledger: "888888", topic: .funds, date: date)] = [
      ReportPage(items: funds)
    ]
    source.pagesByKey[.init(ledger: "888888", topic: .fees, date: date)] = [ReportPage(items: fees)]
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        source, profile: try testProfile(), from: date, to: date, usesFrameLane: usesFrameLane,
        into: into)
    }
    #expect(reports[1].ledgers.first?.status == "failed")
    #expect(
      reports[0].ledgers.first?.diagnostics == reports[1].ledgers.first?.diagnostics,
      "frame lane: \(reports[0].ledgers.first?.diagnostics ?? []), reference: \(reports[1].ledgers.first?.diagnostics ?? [])"
    )
    let equalReports = reports[0] == reports[1]
    #expect(equalReports, "the run reports differ")
  }

  /// A profile may name one account in two normalization forms (the loader finds both under one
  /// declared account). The run report's control totals must spell it as the reference path does.
  @Test func accountsNamedInTwoNormalizationFormsAreReportedTheSame() async throws {
    let yaml = #"""
      name: spellings
      clearing: { funds: "1579", fees: "2991" }
      suspense: { funds: "1598", fees: "2998" }
      accounts:
        "1579": { name: "Vipps funds", groupingCategory: a, groupingCode: "1570" }
        "2991": { name: "Vipps fees", groupingCategory: a, groupingCode: "2990" }
        "1598": { name: "Suspense funds", groupingCategory: a, groupingCode: "1570" }
        "2998": { name: "Suspense fees", groupingCategory: a, groupingCode: "2990" }
        "3é": { name: "Salg", groupingCategory: a, groupingCode: "3000" }
      rules:
        - name: fees
          match: { topic: fees }
          contra: "3é"
        - name: funds
          match: { topic: funds }
          contra: "3e\u0301"
      """#
    let profile = try MappingProfile.load(yaml: yaml, path: "spellings.yaml")
    var source = InMemorySource()
    let start = LedgerDate("2025-03-01")!
    var generator = SyntheticLedger(seed: 9, start: start, entriesPerDay: 12)
    source.add(&generator, days: 2)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let reports = try await FrameLaneTests.withAndWithoutTheLane(in: directory) {
      usesFrameLane, into in
      try await Self.export(
        source, profile: profile, from: start, to: start.adding(days: 1),
        usesFrameLane: usesFrameLane, into: into)
    }
    #expect(reports[1].ledgers.first?.status == "exported")
    try Self.expectSameExports(reports[0], reports[1], directory + "/true", directory + "/false")
  }
}
