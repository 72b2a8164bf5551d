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

  // MARK: - Profiles

  /// A profile exercising what the shipped ones do not: rules by currency (non-ASCII too), sales
  /// unit (`none` included), reference pattern, sign and unknown entry types; VAT at 25, 15, 12 and
  /// 0 %, with and without a VAT account; dimensions with and without defaults (an empty one too);
  /// templates with every placeholder, `{message}` last, and literal whitespace at the end.
  static let unicodeYAML = #"""
    name: frame-lane-unicode
    clearing: { funds: "1579", fees: "2991" }
    suspense: { funds: "1598", fees: "2998" }
    accounts:
      "1579": { name: "Vipps – midler", groupingCategory: a, groupingCode: "1570" }
      "2991": { name: "Vipps, gebyrer", groupingCategory: a, groupingCode: "2990" }
      "1598": { name: "Uavklart \"midler\"", groupingCategory: a, groupingCode: "1570" }
      "2998": { name: "=Uavklart gebyrer", groupingCategory: a, groupingCode: "2990" }
      "3000": { name: "Salg 25 %", groupingCategory: a, groupingCode: "3000" }
      "3001": { name: "Salg 15 %; mat", groupingCategory: a, groupingCode: "3000" }
      "3002": { name: "Salg 12 %\nlinje to", groupingCategory: a, groupingCode: "3000" }
      "3003": { name: "Salg 0 %", groupingCategory: a, groupingCode: "3000" }
      "2700": { name: "Utgående mva 25", groupingCategory: a, groupingCode: "2740" }
      "2701": { name: "Utgående mva 15", groupingCategory: a, groupingCode: "2740" }
      "2702": { name: "Utga\u030Aende mva 12", groupingCategory: a, groupingCode: "2740" }
      "7770": { name: "Gebyr", groupingCategory: a, groupingCode: "7700" }
      "1940": { name: "Utbetaling", groupingCategory: a, groupingCode: "1920" }
      "1500": { name: "Kundefordringer", groupingCategory: a, groupingCode: "1500" }
      "konto-é": { name: "Konto é", groupingCategory: a, groupingCode: "1500" }
    vatCodes:
      "3": { rate: "25" }
      "31": { rate: "15" }
      "33": { rate: "12" }
      "5": { rate: "0" }
      "6": { rate: "0" }
    dimensions:
      avdeling:
        bySalesUnit: { "NO:123455": "10", "é:1": "Ø", "none": "ingen" }
        default: "99"
      prosjekt:
        bySalesUnit: { "api:654321": "P-1", "e\u0301:1": "P-é" }
      sted:
        default: ""
    rules:
      - name: unknown-types
        match: { entryType: [reserve-release, "tilbakeføring", "e\u0301-type"] }
        contra: "3003"
        description: "{entryType}: {message}"
      - name: zero
        match: { sign: zero }
        contra: "3003"
        description: "{reference} – {message}"
      - name: non-ascii-currency
        match: { currency: [DKK, "é"], sign: negative }
        contra: "konto-é"
        vat: { code: "33", rate: "12", account: "2702" }
        description: "{currency} {name} – {payoutNumber}"
      - name: reference-pattern
        match: { topic: funds, reference: "^kiosk-\\d+$" }
        contra: "3001"
        vat: { code: "31", account: "2701" }
        dimensions: [avdeling, prosjekt, sted]
        description: "{pspReference}|{reference}|{entryType}|{topic}|{salesUnit}|{ledgerId}|{ledgerDate}|{payoutNumber}|{name}|{currency}: {message}"
      - name: sales-unit
        match: { entryType: [capture, refund], salesUnit: ["NO:123456", "e\u0301:1", none] }
        contra: "3002"
        vat: { code: "33", account: "2702" }
        dimensions: [prosjekt, avdeling]
        description: "{salesUnit}; {message}"
      - name: vat-zero-without-account
        match: { entryType: refund, currency: NOK }
        contra: "3003"
        vat: { code: "5" }
        description: "{message} "
      - name: vat-zero-with-account
        match: { entryType: capture, reference: "é" }
        contra: "3003"
        vat: { code: "6", rate: "0", account: "2700" }
      - name: sales
        match: { topic: funds, entryType: [capture, refund] }
        contra: "3000"
        vat: { code: "3", rate: "25", account: "2700" }
        dimensions: [avdeling]
        description: "Vipps {entryType} {reference} – {salesUnit}: {message}"
      - name: payout
        match: { entryType: [payout-scheduled, scheduled-for-payout, payout-aborted] }
        contra: "1940"
        description: "Utb. {payoutNumber} – {message}"
      - name: fees-positive
        match: { topic: fees, sign: positive }
        contra: "7770"
        description: "{message}"
      - name: fees-negative
        match: { topic: fees, sign: negative, currency: [NOK, "e\u0301"] }
        contra: "1500"
        description: "{name}, {message}\t"
    """#

  /// A profile built in code, with what the loader would reject: VAT at 25 % without a VAT
  /// account, an undeclared VAT code and contra account, dimensions named twice (once in another
  /// normalization form) or undeclared, and sets holding texts canonically equivalent to ASCII.
  static func codeProfile() throws -> MappingProfile {
    func account(_ name: String) -> MappingProfile.Account {
      MappingProfile.Account(name: name, groupingCategory: "x", groupingCode: "1")
    }
    func vatCode(_ rate: Int64) -> MappingProfile.VATCode {
      MappingProfile.VATCode(description: nil, rateBasisPoints: rate, standardTaxCode: nil)
    }
    typealias Rule = MappingProfile.Rule
    typealias Match = MappingProfile.Match
    return MappingProfile(
      name: "code", description: nil,
      clearing: .init(funds: "1579", fees: "2991"), suspense: .init(funds: "1598", fees: "2998"),
      accounts: [
        "1579": account("Clearing funds"), "2991": account("Clearing fees"),
        "1598": account("Suspense; funds"), "2998": account("Suspense fees"),
        "3000": account("Sales"), "2700": account("VAT \"25\""), "2701": account("VAT 12"),
        "1577": account("Transit"),
      ],
      vatCodes: ["25": vatCode(2500), "15": vatCode(1500), "12": vatCode(1200), "0": vatCode(0)],
      dimensions: [
        "avdeling": .init(
          bySalesUnit: ["NO:123455": "10", "K:1": "K", "\u{212A}:2": "kelvin"], defaultValue: "0"),
        "é": .init(bySalesUnit: ["é:1": "É"], defaultValue: nil),
      ],
      rules: [
        Rule(
          name: "vat-25-without-account",
          match: Match(entryTypes: [.unknown("x-ray"), .correction]), contra: "3000",
          vat: .init(code: "25", account: nil)),
        Rule(
          name: "undeclared-vat-code-and-contra", match: Match(entryTypes: [.topUp]),
          contra: "9999", vat: .init(code: "ZZ", account: "2700")),
        Rule(
          name: "dimensions",
          match: Match(topic: .funds, entryTypes: [.capture], sign: .positive), contra: "3000",
          vat: .init(code: "15", rateBasisPoints: 1500, account: "2700"),
          description: try DescriptionTemplate("{message}"),
          dimensions: ["é", "e\u{301}", "avdeling", "avdeling", "undeclared"]),
        Rule(
          name: "rate-12", match: Match(sign: .negative, currencies: ["NOK", "é", "K"]),
          contra: "3000", vat: .init(code: "12", rateBasisPoints: 1200, account: "2701")),
        Rule(
          name: "kelvin-currency", match: Match(currencies: ["\u{212A}"]), contra: "1577",
          description: try DescriptionTemplate("{currency} {reference}")),
        Rule(
          name: "empty-template", match: Match(entryTypes: [.creditNote]), contra: "3000",
          description: try DescriptionTemplate("")),
        Rule(
          name: "whitespace-tail", match: Match(entryTypes: [.refund]), contra: "1577",
          description: try DescriptionTemplate("{reference} \n")),
        Rule(
          name: "reference-case-insensitive",
          match: Match(reference: try .init("(?i)^order-[0-9]+$")), contra: "1577",
          description: try DescriptionTemplate("{payoutNumber}{message}")),
        Rule(
          name: "reference-empty", match: Match(reference: try .init("^$")), contra: "1577",
          description: try DescriptionTemplate("–{message}")),
        Rule(
          name: "sales-unit-kelvin", match: Match(salesUnits: ["\u{212A}:1", "none"]),
          contra: "1577", description: try DescriptionTemplate("{salesUnit}: {name}")),
        Rule(
          name: "unknown-types",
          match: Match(entryTypes: [.unknown("é-type"), .unknown("tilbakeføring"), .unknown("")]),
          contra: "1577"),
      ])
  }

  /// The shipped profiles, the test profile and the two above.
  static func profiles() throws -> [(name: String, profile: MappingProfile)] {
    func shipped(_ name: String) throws -> MappingProfile {
      try MappingProfile.load(contentsOf: root.appendingPathComponent("mappings/\(name).yaml").path)
    }
    return [
      ("no-sales", try shipped("no-sales")), ("no-settlement", try shipped("no-settlement")),
      ("test", try testProfile()),
      ("unicode", try MappingProfile.load(yaml: unicodeYAML, path: "unicode.yaml")),
      ("code", try codeProfile()),
    ]
  }

  /// Every frame format, in the dialects the brief names.
  static func encoders() -> [(name: String, encoder: any FrameEncoder)] {
    [
      ("csv", CSVJournalEncoder()),
      (
        "csv;",
        CSVJournalEncoder(options: .init(delimiter: ";", decimalComma: true, byteOrderMark: true))
      ),
      ("csv-decimal-comma", CSVJournalEncoder(options: .init(delimiter: ",", decimalComma: true))),
      ("csv-tab", CSVJournalEncoder(options: .init(delimiter: "\t"))),
      ("json", JSONJournalEncoder()),
      ("jsonl", JSONLinesJournalEncoder()),
    ]
  }

  // MARK: - Random entries

  /// Random entries from pools of awkward values, and where to map them.
  struct Entries {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    mutating func oneIn(_ count: Int) -> Bool { int(count) == 0 }
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(choices.count)] }
    /// `nil` one time in four, else one of `choices`.
    mutating func optional(_ choices: [String]) -> String? { oneIn(4) ? nil : pick(choices) }

    static let entryTypes: [EntryType] =
      EntryType.known + [
        .unknown("reserve-release"), .unknown("x-ray"), .unknown(""), .unknown("Capture"),
        .unknown("capture "), .unknown("tilbakeføring"), .unknown("tilbakefo\u{308}ring"),
        .unknown("é-type"), .unknown("e\u{301}-type"), .unknown("🙂"),
      ]

    static let amounts: [Int64] = [
      0, 1, -1, 99, -100, 12_345, -12_345, 1_000_000_000_000_000, -1_000_000_000_000_000,
      999_999_999_999_999, -999_999_999_999_999, 1_000_000_000_000_001, -1_000_000_000_000_001,
      .max, .max - 1, .min, .min + 1, 9_007_199_254_740_993, -9_007_199_254_740_993,
      2_147_483_648, -2_147_483_649,
    ]

    static let pspReferences = [
      "3000000001", "123-456", "x-", "\u{0600}-12", "300119-2000002", "300119-", "-", "",
      "123-45\u{301}", "2000-1\u{20E3}", "12-\u{0663}", "é-77", "e\u{301}-77", "a-b-12",
      "=SUM(A1)", "a\"b", "a,b;c", "line\nbreak", "12-34\r\n", "ﬀ-1", "\u{0600}-12-34",
    ]

    static let texts = [
      "", "order-1", "ORDER-77", "kiosk-12", "kiosk-12 ", "é", "e\u{301}", "café", "cafe\u{301}",
      "Utb. 2000002 Vippsnr 123455", "ends with space ", "ends with colon:",
      "ends with en dash –", "ends with dash -", "ends with comma,", "semi;", "tab\t", "crlf\r\n",
      "nbsp\u{A0}", "\u{0600}-", "x\u{0600}:", " \u{301}", "–", ":", "-", " ", "\"quoted\"",
      "=1+1", "+47", "@home", "a,b", "multi\nline", "🙂 emoji", "A\u{30A}se", "Åse", "ﬁ",
      "\u{212B}", "K", "\u{212A}",
    ]

    static let currencies = [
      "NOK", "NOK", "NOK", "DKK", "EUR", "", "nok", "é", "e\u{301}", "NOK ", "K", "\u{212A}",
    ]

    static let salesUnits = [
      "", "NO:123455", "NO:123456", "api:654321", "none", "DK:90601", "é:1", "e\u{301}:1", "K:1",
      "\u{212A}:1", "K:2", "NO:123455 ",
    ]

    static let names = ["", "Åse", "A\u{30A}se", "Ola Nordmann", "=cmd", "Ola, \"Nordmann\""]

    static let ledgers: [LedgerID] = [
      "300119", "300119", "1", "", "é-ledger", "e\u{301}-ledger", "ledger with space",
      LedgerID(String(repeating: "9", count: 54)), LedgerID(String(repeating: "9", count: 55)),
      LedgerID(String(repeating: "å", count: 54)),
      LedgerID(String(repeating: "a\u{30A}", count: 54)),
      LedgerID(String(repeating: "å", count: 55)),
    ]

    mutating func amount() -> Int64 {
      switch int(4) {
      case 0: return pick(Self.amounts)
      case 1: return Int64(bitPattern: random.next())
      default: return Int64(int(2_000_000)) - 1_000_000
      }
    }

    mutating func date() -> LedgerDate {
      oneIn(20)
        ? pick([
          LedgerDate(year: 1, month: 1, day: 1)!, LedgerDate(year: 9999, month: 12, day: 31)!,
        ])
        : LedgerDate(daysSinceEpoch: 10_957 + int(36_500))
    }

    mutating func entry() -> LedgerEntry {
      LedgerEntry(
        pspReference: oneIn(3) ? String(random.next() % 10_000_000_000) : pick(Self.pspReferences),
        time: EntryTime("2025-01-02T03:04:05.123456+01:00")!,
        ledgerDate: oneIn(3) ? nil : date(), entryType: pick(Self.entryTypes),
        reference: optional(Self.texts), currency: pick(Self.currencies), amount: amount(),
        balanceBefore: Int64(bitPattern: random.next()),
        balanceAfter: Int64(bitPattern: random.next()), recipientHandle: optional(Self.salesUnits),
        name: optional(Self.names), message: optional(Self.texts),
        maskedPhoneNo: optional(["", "xxxx1234", "+47 xxx"]))
    }

    mutating func position() -> Int {
      switch int(20) {
      case 0: return pick([0, -1, 99_999, 100_000, 1_234_567, Int.max])
      default: return 1 + int(40)
      }
    }

    /// Random days of one ledger with exactly chained balances and moderate amounts, texts and
    /// types from the pools, times that vary, and the currency in one of the given spellings.
    mutating func chainedDays(start: LedgerDate, days: Int, currencies: [String]) -> [SyntheticDay]
    {
      var balances: [Topic: Int64] = [.funds: 0, .fees: 0]
      var result: [SyntheticDay] = []
      for index in 0..<days {
        let date = start.adding(days: index)
        var day = SyntheticDay(date: date, funds: [], fees: [])
        for second in 0..<int(25) {
          let topic: Topic = oneIn(2) ? .funds : .fees
          var entry = self.entry()
          entry.amount = oneIn(10) ? 0 : Int64(int(2_000_000_000)) - 1_000_000_000
          if oneIn(8) { entry.amount *= 1_000_000 }
          entry.ledgerDate = oneIn(4) ? nil : date
          entry.currency = pick(currencies)
          entry.time = EntryTime("\(date)T10:00:\(10 + second % 50).\(int(1_000_000))Z")!
          let before = balances[topic] ?? 0
          entry.balanceBefore = before
          entry.balanceAfter = before + entry.amount
          balances[topic] = entry.balanceAfter
          if topic == .funds { day.funds.append(entry) } else { day.fees.append(entry) }
        }
        result.append(day)
      }
      return result
    }
  }

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
      let recorder = ReplayRecorder(directory: directory, pageSize: 2 + Int(random.next() % 9))
      try recorder.writeDate(
        ledger: id, topic: .funds, date: day.date, entries: day.funds, open: open)
      if fees {
        try recorder.writeDate(
          ledger: id, topic: .fees, date: day.date, entries: day.fees, open: open)
      }
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
    for index in 0..<days {
      let date = start.adding(days: index)
      var funds: [LedgerEntry] = []
      if index == 0 {
        for (amount, before) in [(Int64(1000), Int64(0)), (-1000, 1000), (.min, 0)] {
          funds.append(
            LedgerEntry(
              pspReference: "\(amount)", time: EntryTime("\(date)T12:00:00Z")!, ledgerDate: date,
              entryType: .capture, reference: "x", currency: "NOK", amount: amount,
              balanceBefore: before, balanceAfter: before &+ amount, recipientHandle: "NO:123455"))
        }
      }
      try write("444444", SyntheticDay(date: date, funds: funds, fees: []))
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

  /// Expects two export directories to hold the same files, byte for byte, and the reports to be
  /// equal (as values and as JSON bytes), with each output's SHA-256 that of its file.
  static func expectSameExports(
    _ lane: RunReport, _ reference: RunReport, _ laneDirectory: String,
    _ referenceDirectory: String, sourceLocation: SourceLocation = #_sourceLocation
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
    #expect(files.count == 4, "\(files)", sourceLocation: sourceLocation)
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

  /// Where two byte strings first differ, with some context of each (frame lane, then reference).
  static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    let offset =
      zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? min(a.count, b.count)
    func around(_ bytes: [UInt8]) -> String {
      visible(Array(bytes[max(0, offset - 60)..<min(bytes.count, offset + 60)]))
    }
    return "at byte \(offset)\n  frame lane: …\(around(a))…\n  reference:  …\(around(b))…"
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
    var reports: [RunReport] = []
    for usesFrameLane in [true, false] {
      reports.append(
        try await Self.export(
          try ReplaySource(directory: directory + "/recording"), profile: profile, from: start,
          to: start.adding(days: days - 1), csv: csv, usesFrameLane: usesFrameLane,
          into: directory + "/\(usesFrameLane)"))
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
    var reports: [RunReport] = []
    for usesFrameLane in [true, false] {
      reports.append(
        try await Self.export(
          source, profile: try testProfile(), from: date, to: date, usesFrameLane: usesFrameLane,
          into: directory + "/\(usesFrameLane)"))
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
    var reports: [RunReport] = []
    for usesFrameLane in [true, false] {
      reports.append(
        try await Self.export(
          source, profile: profile, from: start, to: start.adding(days: 1),
          usesFrameLane: usesFrameLane, into: directory + "/\(usesFrameLane)"))
    }
    #expect(reports[1].ledgers.first?.status == "exported")
    try Self.expectSameExports(reports[0], reports[1], directory + "/true", directory + "/false")
  }
}
