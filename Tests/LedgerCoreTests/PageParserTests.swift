import Foundation
import Testing

@testable import LedgerCore

/// ``PageParser`` against `JSONDecoder`: recorded pages, random pages, and error messages.
@Suite struct PageParserTests {
  /// What a decoder made of a document: a page, or the text after "malformed page: ".
  enum Outcome: Equatable, CustomStringConvertible {
    case page(ReportPage)
    case failure(String)

    var description: String {
      switch self {
      case .page(let page): "page with \(page.items.count) items"
      case .failure(let text): text
      }
    }
  }

  static func parsed(_ bytes: [UInt8]) -> Outcome {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PageParseError) in try PageParser.parseReportPage(raw) }
    }
    switch result {
    case .success(let page): return .page(page)
    case .failure(let error): return .failure(error.summary)
    }
  }

  static func parsed(_ json: String) -> Outcome { parsed(Array(json.utf8)) }

  static func decoded(_ bytes: [UInt8]) -> Outcome {
    do {
      return .page(try JSONDecoder().decode(ReportPage.self, from: Data(bytes)))
    } catch let error as DecodingError {
      return .failure(PageDecoding.describe(error))
    } catch {
      return .failure("not valid JSON")
    }
  }

  /// Every string of a page, byte for byte (`==` on `String` compares canonical equivalence).
  static func utf8(_ page: ReportPage) -> [[UInt8]] {
    let strings: [String?] =
      [page.cursor]
      + page.items.flatMap { entry -> [String?] in
        [
          entry.pspReference, entry.time.raw, entry.entryType.rawValue, entry.reference,
          entry.currency, entry.recipientHandle, entry.name, entry.message, entry.maskedPhoneNo,
        ]
      }
    return strings.map { $0.map { Array($0.utf8) } ?? [0xFF] }
  }

  /// Expects the parser to give exactly what `JSONDecoder` gives.
  static func expectSame(_ bytes: [UInt8], _ label: String) {
    let mine = parsed(bytes)
    let foundation = decoded(bytes)
    #expect(mine == foundation, "\(label)")
    if case .page(let a) = mine, case .page(let b) = foundation {
      #expect(utf8(a) == utf8(b), "\(label)")
    }
  }

  static let recorded = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "samples/recorded")

  @Test func recordedDatePagesMatchJSONDecoder() throws {
    let enumerator = try #require(FileManager.default.enumerator(atPath: Self.recorded.path))
    var count = 0
    for case let path as String in enumerator
    where path.hasSuffix(".json") && path.contains("/") {
      let bytes = Array(try Data(contentsOf: Self.recorded.appendingPathComponent(path)))
      guard case .page(let page) = Self.decoded(bytes) else {
        Issue.record("JSONDecoder rejects \(path)")
        continue
      }
      #expect(Self.parsed(bytes) == .page(page), "\(path)")
      count += 1
    }
    #expect(count >= 30)
  }

  @Test(arguments: 0..<40)
  func randomPagesMatchJSONDecoder(seed: UInt64) {
    var generator = RandomPage(seed: seed)
    let json = generator.page()
    let bytes = Array(json.utf8)
    guard case .page = Self.decoded(bytes) else {
      Issue.record("JSONDecoder rejects generated page \(seed): \(json)")
      return
    }
    Self.expectSame(bytes, "seed \(seed)")
  }

  /// Cut short anywhere before its last `}`, a page is not JSON; corrupted anywhere, the parser
  /// never accepts what `JSONDecoder` rejects, and never decodes differently.
  @Test(arguments: 0..<8)
  func damagedPagesAreNeverAcceptedWhereJSONDecoderRejects(seed: UInt64) {
    var generator = RandomPage(seed: 1000 + seed)
    let bytes = Array(generator.page().utf8)
    let last = bytes.lastIndex(of: UInt8(ascii: "}")) ?? bytes.count
    for _ in 0..<60 {
      let cut = Int(generator.random.next() % UInt64(last))
      #expect(Self.parsed(Array(bytes[..<cut])) == .failure("not valid JSON"))
      var damaged = bytes
      let replacement: [UInt8] = Array(#",:{}[]"\-01.eE tfnu\"#.utf8) + [0x00, 0x80, 0xC3, 0xFF]
      damaged[cut] = replacement[Int(generator.random.next() % UInt64(replacement.count))]
      if case .page(let page) = Self.parsed(damaged) {
        #expect(Self.decoded(damaged) == .page(page), "\(String(decoding: damaged, as: UTF8.self))")
      }
    }
  }

  static let entry =
    #""pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1"#

  /// Problems both decoders report the same way.
  @Test(arguments: [
    (#"{"items": [{"pspReference": "1"}]}"#, "items[0].time: required field is missing"),
    (#"{"items": [{}]}"#, "items[0].pspReference: required field is missing"),
    (#"{"hasMore": true}"#, "items: required field is missing"),
    (#"{"items": "none"}"#, "items: expected an array"),
    (#"{"items": null}"#, "items: expected an array, found null"),
    (#"{"items": [1]}"#, "items[0]: expected Dictionary<String, Any>"),
    (#"{"items": [null]}"#, "items[0]: expected Dictionary<String, Any>, found null"),
    ("[]", "document: expected Dictionary<String, Any>"),
    (" null ", "document: expected Dictionary<String, Any>, found null"),
    (#"{"hasMore": "true", "items": []}"#, "hasMore: expected a boolean"),
    (#"{"items": [], "tryLater": "true"}"#, "tryLater: expected a boolean"),
    (#"{"items": [], "tryLater": 1}"#, "tryLater: expected a boolean"),
    (#"{"items": [], "cursor": 1}"#, "cursor: expected a string"),
    (#"{"items": "none", "tryLater": 0, "cursor": false}"#, "cursor: expected a string"),
    (#"{"items": [{"a": 1}], "hasMore": []}"#, "hasMore: expected a boolean"),
    (
      #"{"items": [{ENTRY, "amount": 1.5}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{ENTRY, "amount": 9223372036854775808}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{ENTRY, "amount": -9223372036854775809}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{ENTRY, "amount": "1"}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{ENTRY, "amount": null}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (#"{"items": [{ENTRY}]}"#, "items[0].amount: required field is missing"),
    (
      #"{"items": [{ENTRY, "amount": 1}, {"balanceAfter": 1.5, ENTRY, "amount": 1}, {}]}"#,
      "items[1].balanceAfter: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{"amount": 1.5, "currency": 3}]}"#,
      "items[0].pspReference: required field is missing"
    ),
    (
      #"{"items": [{"amount": 1.5, "pspReference": "", "time": "2022-10-01T16:33:00Z", "entryType": "x", "currency": 3}]}"#,
      "items[0].currency: expected a string"
    ),
    (
      #"{"items": [{"pspReference": null}]}"#,
      "items[0].pspReference: expected a string, found null"
    ),
    (#"{"items": [{"pspReference": "1", "time": 5}]}"#, "items[0].time: expected a string"),
    (
      #"{"items": [{"pspReference": "1", "time": "noon"}]}"#,
      "items[0].time: unrecognised date-time 'noon'"
    ),
    (
      #"{"items": [{"pspReference": "1", "time": "n\u006fon\n"}]}"#,
      "items[0].time: unrecognised date-time 'noon\n'"
    ),
    (
      #"{"items": [{ENTRY, "amount": 1, "ledgerDate": "2023-02-29"}]}"#,
      "items[0].ledgerDate: invalid date '2023-02-29', expected YYYY-MM-DD"
    ),
    (
      #"{"items": [{ENTRY, "amount": 1, "ledgerDate": {}}]}"#,
      "items[0].ledgerDate: expected a string"
    ),
    (
      #"{"items": [{"pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": null}]}"#,
      "items[0].entryType: expected a string, found null"
    ),
    (
      #"{"items": [{ENTRY, "amount": 1, "reference": 5}]}"#, "items[0].reference: expected a string"
    ),
    (
      #"{"items": [{ENTRY, "amount": 1, "maskedPhoneNo": [null]}]}"#,
      "items[0].maskedPhoneNo: expected a string"
    ),
    (
      #"{"items": [{"time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1, "pspReference": 5}]}"#,
      "items[0].pspReference: expected a string"
    ),
    (#"{"items": [], "h\u0061sMore": "x"}"#, "hasMore: expected a boolean"),
    (#"{"items": "x", "items": []}"#, "items: expected an array"),
    // Syntax: found before any other problem.
    (#"{"items": [{ENTRY, "amount": 1.5}], "x": [}"#, "not valid JSON"),
    (#"{"items": [}"#, "not valid JSON"),
    (#"{"items": []"#, "not valid JSON"),
    (#"{"items": [], "cursor": "abc"#, "not valid JSON"),
    (#"{"items": []} x"#, "not valid JSON"),
    (#"{"items": []}{}"#, "not valid JSON"),
    (#"{"items": [], "x": tru}"#, "not valid JSON"),
    (#"{"items": [], "x": +1}"#, "not valid JSON"),
    (#"{"items": [], "x": .5}"#, "not valid JSON"),
    (#"{"items": [], "x": /* c */ 1}"#, "not valid JSON"),
    (#"{"items": [], "x": [1 2]}"#, "not valid JSON"),
    (#"{"items": [], "x": {,}}"#, "not valid JSON"),
    (#"{"items": [],, "a": 1}"#, "not valid JSON"),
    (#"{items: []}"#, "not valid JSON"),
    (#"{'items': []}"#, "not valid JSON"),
    (#"{"items": [], "cursor": "\x"}"#, "not valid JSON"),
    (#"{"items": [], "cursor": "\u12G4"}"#, "not valid JSON"),
    (#"{"items": [], "cursor": "\ud800"}"#, "not valid JSON"),
    (#"{"items": [], "cursor": "\udc00\ud800"}"#, "not valid JSON"),
    (#"{"items": [], "cursor": "\ud83d\u0041"}"#, "not valid JSON"),
    ("{\"items\": [], \"cursor\": \"a\tb\"}", "not valid JSON"),
    ("\u{0C}{\"items\": []}", "not valid JSON"),
    ("", "not valid JSON"),
    ("  ", "not valid JSON"),
  ])
  func problemsMatchJSONDecoder(json: String, expected: String) {
    let bytes = Array(json.replacingOccurrences(of: "ENTRY", with: Self.entry).utf8)
    #expect(Self.parsed(bytes) == .failure(expected))
    #expect(Self.decoded(bytes) == .failure(expected))
  }

  @Test(
    arguments: [
      [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80],
      [0xC3], [0xF0, 0x9F, 0x98], [0x00],
    ] as [[UInt8]])
  func invalidUTF8IsNotJSON(bad: [UInt8]) {
    let bytes = Array(#"{"items": [], "cursor": "a"#.utf8) + bad + Array(#"b"}"#.utf8)
    #expect(Self.parsed(bytes) == .failure("not valid JSON"))
    #expect(Self.decoded(bytes) == .failure("not valid JSON"))
  }

  @Test func stringsDecodeLikeJSONDecoder() {
    let cursors = [
      #"\u00e6\u00F8\u00e5 \u00C6"#, #"\ud83d\ude00 \uD83C\uDDF3\uD83C\uDDF4"#, #"\uDBFF\uDFFF"#,
      #"\u0000\u001f\b\f\n\r\t\"\\\/"#, "Åse 🙂 e\u{301} 中文 \u{7F}", #"a\u0022b\u005c"#, "",
      #"\u0041\u00e6\u4e2d\ud83d\ude00"#,
    ]
    for cursor in cursors {
      Self.expectSame(Array(#"{"items": [], "cursor": "\#(cursor)"}"#.utf8), cursor)
    }
  }

  @Test func acceptsWhatJSONDecoderAccepts() {
    let documents = [
      // Duplicate keys: the first wins, as in Foundation.
      #"{"items": [], "items": "x", "hasMore": true, "hasMore": 5, "cursor": "a", "cursor": 1}"#,
      #"{"items": [{ENTRY, "amount": 1, "pspReference": "2", "time": "noon", "amount": 1.5}]}"#,
      #"{"it\u0065ms": [{ENTRY, "\u0061mount": -0, "n\u0061me": "\u00c5se"}]}"#,
      #"{"items": [], "hasMore": null, "tryLater": null, "cursor": null}"#,
      #"{"items": [{ENTRY, "amount": -9223372036854775808, "balanceBefore": 9223372036854775807}]}"#,
      #"{"items": [{ENTRY, "amount": 0, "ledgerDate": null, "name": null, "x": [1, -0.5e-3, 1E+400, 123456789012345678901234567890, {"a": [true, false, null, "\ud800\udc00"]}]}]}"#,
      " \n\t\r{ \"items\" :\r\n[ ] } \n",
      "{\"items\":[]}",
    ]
    for json in documents {
      Self.expectSame(Array(json.replacingOccurrences(of: "ENTRY", with: Self.entry).utf8), json)
    }
    Self.expectSame([0xEF, 0xBB, 0xBF] + Array(#"{"items": []}"#.utf8), "byte-order mark")
  }

  @Test func nestingIsLimitedAsInJSONDecoder() {
    for depth in [510, 511, 512, 600] {
      let json =
        #"{"items": [], "x": "# + String(repeating: "[", count: depth)
        + String(repeating: "]", count: depth) + "}"
      Self.expectSame(Array(json.utf8), "depth \(depth)")
    }
  }

  /// Where Foundation is lenient the parser is strict RFC 8259, as specified: these pages are
  /// rejected although `JSONDecoder` accepts them.
  @Test(arguments: [
    (#"{"items": [], "x": "\x"}"#, "not valid JSON"),
    (#"{"items": [], "x": "\ud800"}"#, "not valid JSON"),
    (#"{"items": [], "x": 01}"#, "not valid JSON"),
    (#"{"items": [], "x": 1.}"#, "not valid JSON"),
    (#"{"items": [], "x": -}"#, "not valid JSON"),
    (#"{"items": [], "x": 1e}"#, "not valid JSON"),
    ("{\"items\": [], \"x\": \"\t\"}", "not valid JSON"),
    (
      #"{"items": [{ENTRY, "amount": 1.0}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
    (
      #"{"items": [{ENTRY, "amount": 1e2}]}"#,
      "items[0].amount: expected an integer amount in minor units (64-bit)"
    ),
  ])
  func stricterThanJSONDecoder(json: String, expected: String) {
    let bytes = Array(json.replacingOccurrences(of: "ENTRY", with: Self.entry).utf8)
    #expect(Self.parsed(bytes) == .failure(expected))
  }

  @Test func syntaxErrorsCarryTheByteOffset() {
    let result = Array(#"{"items": [}"#.utf8).withUnsafeBytes { raw in
      Result { () throws(PageParseError) in try PageParser.parseReportPage(raw) }
    }
    #expect(throws: PageParseError.notValidJSON(at: 11)) { try result.get() }
  }

  @Test func pageDecodingUsesTheParser() throws {
    func error(_ json: String) -> ReportSourceError? {
      do {
        _ = try PageDecoding.decode(ReportPage.self, data: Data(json.utf8), context: "ctx")
        return nil
      } catch {
        return error as? ReportSourceError
      }
    }
    #expect(error(#"{"items": [}"#) == .malformed("ctx: malformed page: not valid JSON"))
    #expect(error(#"{"items": [], "x": 01}"#) == .malformed("ctx: malformed page: not valid JSON"))
    #expect(
      error(#"{"items": [], "tryLater": "true"}"#)
        == .malformed("ctx: malformed page: tryLater: expected a boolean"))
    let page = try PageDecoding.decode(
      ReportPage.self, data: Data(#"{"items": [], "cursor": "\u00e6"}"#.utf8), context: "ctx")
    #expect(page == ReportPage(cursor: "æ", items: []))
  }
}

/// Random Report API pages as JSON text: every string escaped at random (`\uXXXX` in either case,
/// surrogate pairs, short escapes), unicode and control characters, odd whitespace, shuffled keys,
/// optional fields absent or `null`, extreme amounts, and unknown fields holding nested values.
struct RandomPage {
  var random: SplitMix64

  init(seed: UInt64) { random = SplitMix64(seed: seed) }

  mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
  mutating func oneIn(_ count: Int) -> Bool { int(count) == 0 }
  mutating func pick<T>(_ choices: [T]) -> T { choices[int(choices.count)] }

  static let scalars: [Unicode.Scalar] =
    Array("abcXYZ019 -_:+.,'\"\\/{}[]æøåÆØÅé中文🙂😀🇳🇴".unicodeScalars)
    + [0, 1, 8, 9, 10, 12, 13, 0x1F, 0x7F, 0x80, 0x301, 0x2028, 0xFEFF, 0xFFFD, 0x10FFFF]
    .compactMap(Unicode.Scalar.init(_:))

  mutating func space() -> String { pick(["", "", " ", "\n  ", "\t", "\r\n"]) }

  mutating func text() -> String {
    var text = ""
    for _ in 0..<int(14) { text.unicodeScalars.append(pick(Self.scalars)) }
    return text
  }

  /// `value` as a JSON string: half the time with only the escapes JSON requires, else with
  /// each character escaped or not at random.
  mutating func string(_ value: String) -> String {
    let optionalEscapes = oneIn(2)
    var json = "\""
    for scalar in value.unicodeScalars {
      let short: [Unicode.Scalar: String] = [
        "\"": "\\\"", "\\": "\\\\", "/": "\\/", "\u{08}": "\\b", "\u{0C}": "\\f", "\n": "\\n",
        "\r": "\\r", "\t": "\\t",
      ]
      let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
      if let escape = short[scalar], mustEscape || (optionalEscapes && oneIn(2)) {
        json += oneIn(3) ? unicodeEscape(scalar) : escape
      } else if mustEscape || (optionalEscapes && oneIn(4)) {
        json += unicodeEscape(scalar)
      } else {
        json.unicodeScalars.append(scalar)
      }
    }
    return json + "\""
  }

  mutating func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
    var json = ""
    for unit in String(scalar).utf16 {
      let hex = String(unit, radix: 16)
      let padded = String(repeating: "0", count: 4 - hex.count) + hex
      json += "\\u" + (oneIn(2) ? padded.uppercased() : padded)
    }
    return json
  }

  mutating func time() -> String {
    let date = LedgerDate(year: 1970 + int(130), month: 1 + int(12), day: 1 + int(28))
    let clock = String(format: "%02d:%02d:%02d", int(24), int(60), int(60))
    let fraction = oneIn(3) ? "" : "." + (0..<1 + int(9)).map { _ in String(int(10)) }.joined()
    let zone = pick(["Z", "+0200", "+02:00", "-05", "+0000", "-09:30"])
    return "\(date?.description ?? "2000-01-01")\(pick(["T", " "]))\(clock)\(fraction)\(zone)"
  }

  mutating func amount() -> String {
    switch int(7) {
    case 0: return String(Int64.min)
    case 1: return String(Int64.max)
    case 2: return pick(["0", "-0"])
    case 3: return String(Int64(bitPattern: random.next()))
    default: return String(Int64(int(200_000)) - 100_000)
    }
  }

  mutating func number() -> String {
    var json = oneIn(3) ? "-" : ""
    json += oneIn(4) ? "0" : String(1 + int(9)) + String(repeating: "7", count: int(25))
    if oneIn(2) { json += "." + String(int(1000)) }
    if oneIn(3) { json += pick(["e", "E"]) + pick(["", "+", "-"]) + String(int(400)) }
    return json
  }

  /// Any JSON value, nested up to `depth` levels.
  mutating func value(depth: Int) -> String {
    switch depth > 0 ? int(7) : int(5) {
    case 0: return number()
    case 1: return string(text())
    case 2: return pick(["true", "false", "null"])
    case 3: return String(Int64(bitPattern: random.next()))
    case 4: return string(pick(["", "x", "2025-01-01"]))
    case 5:
      return "["
        + (0..<int(4)).map { _ in space() + value(depth: depth - 1) }.joined(separator: ",")
        + space() + "]"
    default:
      return object(
        (0..<int(4)).map { _ in (pick(["a", "b\\u0000", "é"]), value(depth: depth - 1)) })
    }
  }

  /// An optional string field: absent, `null` or a string.
  mutating func optional(_ key: String, _ value: String, into fields: inout [(String, String)]) {
    switch int(4) {
    case 0: break
    case 1: fields.append((key, "null"))
    default: fields.append((key, string(value)))
    }
  }

  mutating func unknownFields(into fields: inout [(String, String)]) {
    for key in ["somethingNew", "futureField", "x"] where oneIn(3) {
      fields.append((key, value(depth: 3)))
    }
  }

  mutating func object(_ fields: [(String, String)]) -> String {
    var fields = fields
    fields.shuffle(using: &random)
    let members = fields.map { key, value in
      space() + string(key) + space() + ":" + space() + value + space()
    }
    return "{" + (members.isEmpty ? space() : members.joined(separator: ",")) + "}"
  }

  mutating func entry() -> String {
    var fields: [(String, String)] = [
      ("pspReference", string(oneIn(2) ? String(random.next() % 100_000_000_000) : text())),
      ("time", string(time())),
      ("entryType", string(oneIn(4) ? text() : pick(EntryType.known).rawValue)),
      ("currency", string(oneIn(4) ? text() : pick(["NOK", "DKK", "EUR"]))),
      ("amount", amount()), ("balanceBefore", amount()), ("balanceAfter", amount()),
    ]
    let date = LedgerDate(year: 2000 + int(50), month: 1 + int(12), day: 1 + int(28))
    optional("ledgerDate", date?.description ?? "2000-01-01", into: &fields)
    for key in ["reference", "recipientHandle", "name", "message", "maskedPhoneNo"] {
      optional(key, text(), into: &fields)
    }
    unknownFields(into: &fields)
    return object(fields)
  }

  mutating func page() -> String {
    var fields: [(String, String)] = [
      ("items", "[" + (0..<int(25)).map { _ in space() + entry() }.joined(separator: ",") + "]")
    ]
    optional("cursor", text(), into: &fields)
    for key in ["hasMore", "tryLater"] where !oneIn(4) {
      fields.append((key, pick(["true", "false", "null"])))
    }
    unknownFields(into: &fields)
    return space() + object(fields) + space()
  }
}
