import Foundation
import Testing

@testable import LedgerCore

extension FrameLaneTests {
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
  /// Records `day` of ledger `id` (funds, and fees unless `fees` is false) in pages of a random
  /// size from 2 to 10 entries.
  static func record(
    _ day: SyntheticDay, ledger id: LedgerID, into directory: String,
    random: inout SplitMix64, open: Bool = false, fees: Bool = true
  ) throws {
    let recorder = ReplayRecorder(directory: directory, pageSize: 2 + Int(random.next() % 9))
    try recorder.writeDate(
      ledger: id, topic: .funds, date: day.date, entries: day.funds, open: open)
    if fees {
      try recorder.writeDate(
        ledger: id, topic: .fees, date: day.date, entries: day.fees, open: open)
    }
  }

  /// The days of ledger 444444: on the first, three funds entries, the last of `Int64.min` (its
  /// contra amount does not fit in 64 bits), so the ledger must fail the same way on every path;
  /// the other days are empty.
  static func overflowDays(start: LedgerDate, days: Int) -> [SyntheticDay] {
    (0..<days).map { index in
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
      return SyntheticDay(date: date, funds: funds, fees: [])
    }
  }

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
}
