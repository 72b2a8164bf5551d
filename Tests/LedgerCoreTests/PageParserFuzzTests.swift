import Foundation
import Testing

@testable import LedgerCore

/// ``PageParser`` (through ``ReportDecoding/page(_:context:)``) against `JSONDecoder` on random
/// pages, every truncation of some, and random damage.
///
/// The parser must give what `JSONDecoder` gives — the same page (strings byte for byte, entries
/// re-materialised from the raw byte ranges) or the same problem — except where its documentation
/// makes it stricter, and there only exactly so:
/// - Syntax is RFC 8259 for the whole document: an input that ``StrictJSON`` (an independent,
///   plain RFC 8259 reader) rejects must be rejected as `not valid JSON` at the very byte
///   ``StrictJSON`` names; `JSONDecoder` may then say anything (it skips values loosely, and reports
///   syntax errors in values it decodes as problems of the field).
/// - Amounts must be integers without fraction or exponent: on a well-formed input, the parser must
///   give what `JSONDecoder` gives for its *strict twin*, the input with each such amount (the
///   first `amount`, `balanceBefore` or `balanceAfter` of an item) replaced by a string, which
///   `JSONDecoder` rejects with the same words.
@Suite struct PageParserFuzzTests {
  // MARK: - An independent RFC 8259 reader

  /// A deliberately plain RFC 8259 reader with the parser's documented extensions (a trailing comma
  /// before `]` or `}`, an optional UTF-8 byte-order mark, at most 512 nested containers). It names
  /// the first wrong byte as the parser does: the offending byte, or for a token cut short by the
  /// end of the input (a literal, `\uXXXX`, a surrogate pair, a multi-byte character) its start.
  struct StrictJSON {
    indirect enum Value {
      case object([(key: [UInt8], value: Value)])
      case array([Value])
      case string([UInt8])
      /// The number's bytes in the input.
      case number(Range<Int>)
      case literal
    }

    /// The offset of the first byte found wrong.
    struct Invalid: Error { var offset: Int }

    let bytes: [UInt8]
    var index = 0

    static func parse(_ bytes: [UInt8]) -> Result<Value, Invalid> {
      var reader = StrictJSON(bytes: bytes)
      if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
      return Result { () throws(Invalid) in
        reader.whitespace()
        let value = try reader.value(enclosing: 0)
        reader.whitespace()
        guard reader.index == bytes.count else { throw Invalid(offset: reader.index) }
        return value
      }
    }

    /// The current byte, 0 at the end.
    var byte: UInt8 { index < bytes.count ? bytes[index] : 0 }

    mutating func whitespace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    mutating func value(enclosing: Int) throws(Invalid) -> Value {
      switch byte {
      case UInt8(ascii: "\""):
        return .string(try string())
      case UInt8(ascii: "{"):
        guard enclosing < 512 else { throw Invalid(offset: index) }
        index += 1
        whitespace()
        var members: [(key: [UInt8], value: Value)] = []
        if byte == UInt8(ascii: "}") {
          index += 1
          return .object(members)
        }
        repeat {
          guard byte == UInt8(ascii: "\"") else { throw Invalid(offset: index) }
          let key = try string()
          whitespace()
          guard byte == UInt8(ascii: ":") else { throw Invalid(offset: index) }
          index += 1
          whitespace()
          members.append((key, try value(enclosing: enclosing + 1)))
        } while try more(closing: UInt8(ascii: "}"))
        return .object(members)
      case UInt8(ascii: "["):
        guard enclosing < 512 else { throw Invalid(offset: index) }
        index += 1
        whitespace()
        var elements: [Value] = []
        if byte == UInt8(ascii: "]") {
          index += 1
          return .array(elements)
        }
        repeat {
          elements.append(try value(enclosing: enclosing + 1))
        } while try more(closing: UInt8(ascii: "]"))
        return .array(elements)
      case UInt8(ascii: "t"):
        try literal("true")
        return .literal
      case UInt8(ascii: "f"):
        try literal("false")
        return .literal
      case UInt8(ascii: "n"):
        try literal("null")
        return .literal
      default:
        return .number(try number())
      }
    }

    /// After a member or element: `,` (true; a trailing one before `closing` ends the container)
    /// or `closing` (false).
    mutating func more(closing: UInt8) throws(Invalid) -> Bool {
      whitespace()
      if byte == UInt8(ascii: ",") {
        index += 1
        whitespace()
        if byte == closing {
          index += 1
          return false
        }
        return true
      }
      guard byte == closing else { throw Invalid(offset: index) }
      index += 1
      return false
    }

    mutating func literal(_ word: String) throws(Invalid) {
      let expected = Array(word.utf8)
      guard bytes.count - index >= expected.count else { throw Invalid(offset: index) }
      for (offset, byte) in expected.enumerated() where bytes[index + offset] != byte {
        throw Invalid(offset: index + offset)
      }
      index += expected.count
    }

    mutating func number() throws(Invalid) -> Range<Int> {
      let start = index
      if byte == UInt8(ascii: "-") { index += 1 }
      guard isDigit(byte) else { throw Invalid(offset: index) }
      if byte == UInt8(ascii: "0") {
        index += 1
      } else {
        while isDigit(byte) { index += 1 }
      }
      if byte == UInt8(ascii: ".") {
        index += 1
        guard isDigit(byte) else { throw Invalid(offset: index) }
        while isDigit(byte) { index += 1 }
      }
      if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
        index += 1
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { index += 1 }
        guard isDigit(byte) else { throw Invalid(offset: index) }
        while isDigit(byte) { index += 1 }
      }
      return start..<index
    }

    /// The unescaped UTF-8 bytes of the string at `"`.
    mutating func string() throws(Invalid) -> [UInt8] {
      index += 1
      var text: [UInt8] = []
      while true {
        guard index < bytes.count else { throw Invalid(offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
          index += 1
          return text
        case UInt8(ascii: "\\"):
          try escape(into: &text)
        case 0..<0x20:
          throw Invalid(offset: index)
        case 0x80...:
          try character(into: &text)
        default:
          text.append(bytes[index])
          index += 1
        }
      }
    }

    mutating func escape(into text: inout [UInt8]) throws(Invalid) {
      let kind = index + 1 < bytes.count ? bytes[index + 1] : 0
      let simple: [UInt8: UInt8] = [
        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
        UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
        UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
      ]
      if let byte = simple[kind] {
        text.append(byte)
        index += 2
        return
      }
      guard kind == UInt8(ascii: "u") else { throw Invalid(offset: index) }
      let unit = try hex(at: index + 2)
      var scalar = unit
      switch unit {
      case 0xD800...0xDBFF:
        guard bytes.count - index >= 12, bytes[index + 6] == UInt8(ascii: "\\"),
          bytes[index + 7] == UInt8(ascii: "u")
        else { throw Invalid(offset: index) }
        let low = try hex(at: index + 8)
        guard (0xDC00...0xDFFF).contains(low) else { throw Invalid(offset: index) }
        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        index += 12
      case 0xDC00...0xDFFF:
        throw Invalid(offset: index)
      default:
        index += 6
      }
      text += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    func hex(at offset: Int) throws(Invalid) -> UInt32 {
      guard bytes.count - offset >= 4 else { throw Invalid(offset: offset) }
      var value: UInt32 = 0
      for position in offset..<offset + 4 {
        let digit: UInt32
        switch bytes[position] {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(bytes[position] - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(bytes[position] - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(bytes[position] - 55)
        default: throw Invalid(offset: position)
        }
        value = value * 16 + digit
      }
      return value
    }

    /// A well-formed UTF-8 sequence (Unicode table 3-7) at a byte ≥ 0x80.
    mutating func character(into text: inout [UInt8]) throws(Invalid) {
      let length: Int
      let second: ClosedRange<UInt8>
      switch bytes[index] {
      case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
      case 0xE0: (length, second) = (3, 0xA0...0xBF)
      case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
      case 0xED: (length, second) = (3, 0x80...0x9F)
      case 0xF0: (length, second) = (4, 0x90...0xBF)
      case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
      case 0xF4: (length, second) = (4, 0x80...0x8F)
      default: throw Invalid(offset: index)
      }
      guard bytes.count - index >= length, second.contains(bytes[index + 1]) else {
        throw Invalid(offset: index)
      }
      for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
        throw Invalid(offset: index + offset)
      }
      text += bytes[index..<index + length]
      index += length
    }

    /// The input with each amount the parser rejects for its fraction or exponent — the first
    /// `amount`, `balanceBefore` or `balanceAfter` of an object in the first `items` array —
    /// replaced by the string `"x"`; `nil` when there is none.
    static func strictTwin(_ bytes: [UInt8], _ document: Value) -> [UInt8]? {
      func first(_ name: String, in members: [(key: [UInt8], value: Value)]) -> Value? {
        members.first { $0.key == Array(name.utf8) }?.value
      }
      guard case .object(let page) = document, case .array(let items)? = first("items", in: page)
      else { return nil }
      var ranges: [Range<Int>] = []
      for case .object(let fields) in items {
        for name in ["amount", "balanceBefore", "balanceAfter"] {
          guard case .number(let range)? = first(name, in: fields),
            bytes[range].contains(where: { [0x2E, 0x45, 0x65].contains($0) })
          else { continue }
          ranges.append(range)
        }
      }
      guard !ranges.isEmpty else { return nil }
      var twin = bytes
      for range in ranges.sorted(by: { $0.lowerBound > $1.lowerBound }) {
        twin.replaceSubrange(range, with: Array(#""x""#.utf8))
      }
      return twin
    }
  }

  // MARK: - The judge

  typealias Outcome = PageParserTests.Outcome

  /// What the byte-level parser makes of `bytes`, through the public decoding entry point.
  static func parsed(_ bytes: [UInt8]) -> Outcome {
    let prefix = Array("fuzz: malformed page: ".utf8)
    do {
      return .page(try ReportDecoding.page(Data(bytes), context: "fuzz"))
    } catch let error as ReportSourceError {
      let detail = Array(error.detail.utf8)
      guard detail.starts(with: prefix) else { return .failure("unexpected: \(error.detail)") }
      return .failure(String(decoding: detail.dropFirst(prefix.count), as: UTF8.self))
    } catch {
      return .failure("unexpected: \(error)")
    }
  }

  /// The byte offset of the parser's syntax error, if it finds one.
  static func syntaxOffset(_ bytes: [UInt8]) -> Int? {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PageParseError) in try PageParser.parseReportPage(raw) }
    }
    guard case .failure(let error) = result else { return nil }
    return error.byteOffset
  }

  /// Whether two outcomes are the same: equal pages with byte-identical strings, or problems
  /// worded byte for byte alike.
  static func same(_ a: Outcome, _ b: Outcome) -> Bool {
    switch (a, b) {
    case (.page(let x), .page(let y)):
      return x == y && PageParserTests.utf8(x) == PageParserTests.utf8(y)
    case (.failure(let x), .failure(let y)):
      return Array(x.utf8) == Array(y.utf8)
    default:
      return false
    }
  }

  /// Why the parser and `JSONDecoder` may (or may not) differ on an input.
  enum Verdict: String, CaseIterable {
    /// Both give the same page.
    case samePage
    /// Both reject the input with the same problem.
    case sameProblem
    /// Not RFC 8259: the parser rejects it at the first wrong byte, `JSONDecoder` accepts it.
    case notJSONButFoundationAccepts
    /// Not RFC 8259: the parser rejects it at the first wrong byte, `JSONDecoder` with another
    /// problem.
    case notJSONFoundationOtherProblem
    /// An amount with a fraction or exponent: the parser rejects what `JSONDecoder` accepts (or
    /// reports that amount before a later problem `JSONDecoder` reports).
    case stricterAmount
    /// Anything else: a discrepancy.
    case mismatch
  }

  /// Judges inputs and tallies the verdicts; the first few mismatches become issues.
  struct Judge {
    var counts: [Verdict: Int] = [:]
    var mismatches: [String] = []

    var total: Int { counts.values.reduce(0, +) }

    func count(_ verdict: Verdict) -> Int { counts[verdict, default: 0] }

    @discardableResult
    mutating func judge(_ bytes: [UInt8], _ label: @autoclosure () -> String) -> Verdict {
      let (verdict, problem) = PageParserFuzzTests.judge(bytes)
      counts[verdict, default: 0] += 1
      if let problem {
        mismatches.append("\(label()): \(problem)\n  input: \(PageParserFuzzTests.visible(bytes))")
      }
      return verdict
    }

    /// Records the first few mismatches and expects none.
    func expectNoMismatch(sourceLocation: SourceLocation = #_sourceLocation) {
      for mismatch in mismatches.prefix(4) {
        Issue.record("\(mismatch)", sourceLocation: sourceLocation)
      }
      #expect(
        mismatches.count == 0, "\(mismatches.count) of \(total) inputs disagree",
        sourceLocation: sourceLocation)
    }
  }

  /// The verdict on one input, with the discrepancy when it is a mismatch.
  static func judge(_ bytes: [UInt8]) -> (Verdict, String?) {
    let mine = parsed(bytes)
    let offset = syntaxOffset(bytes)
    if case .failure(let text) = mine, text == "not valid JSON", offset == nil {
      return (.mismatch, "ReportDecoding says not valid JSON, PageParser finds no syntax error")
    }
    switch StrictJSON.parse(bytes) {
    case .failure(let invalid):
      guard same(mine, .failure("not valid JSON")), offset == invalid.offset else {
        return (
          .mismatch,
          "not RFC 8259 JSON (first wrong byte at \(invalid.offset)), but the parser gives \(mine)"
            + (offset.map { " at \($0)" } ?? "")
        )
      }
      switch PageParserTests.decoded(bytes) {
      case .page: return (.notJSONButFoundationAccepts, nil)
      case let foundation:
        return (same(foundation, mine) ? .sameProblem : .notJSONFoundationOtherProblem, nil)
      }
    case .success(let document):
      if offset != nil {
        return (.mismatch, "RFC 8259 JSON, but the parser finds a syntax error at \(offset!)")
      }
      let twin = StrictJSON.strictTwin(bytes, document)
      let expected = PageParserTests.decoded(twin ?? bytes)
      guard same(mine, expected) else {
        return (
          .mismatch,
          "parser: \(mine); JSONDecoder\(twin == nil ? "" : " on the strict twin"): \(expected)"
            + (twin.map { "\n  twin: \(visible($0))" } ?? "")
        )
      }
      if case .page(let page) = mine, let problem = rawProblem(page) { return (.mismatch, problem) }
      if twin != nil, !same(mine, PageParserTests.decoded(bytes)) { return (.stricterAmount, nil) }
      if case .page = mine { return (.samePage, nil) }
      return (.sameProblem, nil)
    }
  }

  /// What is wrong with a parsed page's raw entries, if anything: it must keep them, every range
  /// must lie in its bytes, and they must re-materialise to its items (checked by `==` already).
  static func rawProblem(_ page: ReportPage) -> String? {
    guard let raw = page.rawEntries else { return "the parsed page keeps no raw entries" }
    guard raw.entries.count == page.itemCount else { return "itemCount differs from the entries" }
    for (index, entry) in raw.entries.enumerated() {
      let ranges = [
        entry.pspReference, entry.time, entry.reference, entry.currency, entry.recipientHandle,
        entry.name, entry.message, entry.maskedPhoneNo,
      ]
      for range in ranges where !range.isAbsent {
        guard range.start >= 0, Int(range.start) + Int(range.count) <= raw.bytes.count else {
          return "entry \(index): range \(range) outside \(raw.bytes.count) bytes"
        }
      }
      guard EntryTime(raw.entry(index).time.raw)?.epochMicroseconds == entry.timeMicroseconds else {
        return "entry \(index): timeMicroseconds \(entry.timeMicroseconds) is not its time's"
      }
    }
    return nil
  }

  /// Bytes as text: printable ASCII as is, anything else (and `\`) as `\xNN`.
  static func visible(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
      if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") {
        text.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
      }
    }
    return text
  }

  // MARK: - Random pages

  /// Random Report API pages as bytes: string escapes of every kind (`\uXXXX` in either case,
  /// surrogate pairs, `\u0000`, short escapes, `\/`), raw unicode and long ASCII runs, odd
  /// whitespace, shuffled and escaped keys, duplicate keys, trailing commas, unknown fields with
  /// nested values, optional fields absent or `null`, amounts at the `Int64` edges and beyond, every
  /// time form ``EntryTime`` accepts and some it rejects — and, at the page's rates, broken fields
  /// (missing, `null`, wrong type, invalid text), constructs RFC 8259 forbids in skipped values, and
  /// amounts with a fraction or exponent.
  struct FuzzPage {
    var random: SplitMix64
    /// Per mille: how often a field is broken (and, twice as often, a time rejected).
    var errorRate = 0
    /// Per mille: how often a skipped value (or key) is a construct RFC 8259 forbids.
    var invalidRate = 0
    /// Per mille: how often an amount has a fraction or an exponent.
    var fractionRate = 0
    /// Whether the last page has a construct RFC 8259 forbids.
    private(set) var hasInvalidSyntax = false
    /// Whether the last page has an amount with a fraction or exponent.
    private(set) var hasFractionalAmount = false

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    mutating func oneIn(_ count: Int) -> Bool { int(count) == 0 }
    mutating func perMille(_ rate: Int) -> Bool { int(1000) < rate }
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(choices.count)] }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    mutating func space() -> [UInt8] {
      Self.bytes(pick(["", "", "", " ", "\n  ", "\t", "\r\n", "  "]))
    }

    static let scalars: [Unicode.Scalar] =
      Array("abcxyzABC019 -_:+.,;'\"\\/{}[]æøåÆØÅé中文🙂😀🇳🇴".unicodeScalars)
      + [
        0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x7F, 0x80, 0x301, 0x30A, 0x2028, 0xD7FF,
        0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF,
      ].compactMap(Unicode.Scalar.init(_:))

    /// Short random text, or a longer mostly-ASCII run (the parser scans those 8 bytes at a time)
    /// with the odd special character anywhere in it.
    mutating func text() -> String {
      var text = ""
      if oneIn(2) {
        for _ in 0..<int(15) { text.unicodeScalars.append(pick(Self.scalars)) }
      } else {
        for _ in 0..<int(41) {
          text.unicodeScalars.append(
            oneIn(12) ? pick(Self.scalars) : Unicode.Scalar(UInt8(97 + int(26))))
        }
      }
      return text
    }

    /// `value` as a JSON string: with only the escapes JSON requires, or with any character
    /// escaped at random.
    mutating func string(_ value: String) -> [UInt8] {
      let optionalEscapes = oneIn(2)
      let short: [UInt32: String] = [
        0x22: #"\""#, 0x5C: #"\\"#, 0x2F: #"\/"#, 0x08: #"\b"#, 0x0C: #"\f"#, 0x0A: #"\n"#,
        0x0D: #"\r"#, 0x09: #"\t"#,
      ]
      var json: [UInt8] = [0x22]
      for scalar in value.unicodeScalars {
        let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
        if mustEscape || (optionalEscapes && oneIn(3)) {
          if let escape = short[scalar.value], !oneIn(3) {
            json += Self.bytes(escape)
          } else {
            for unit in String(scalar).utf16 {
              let hex = String(unit, radix: 16, uppercase: oneIn(2))
              json += Self.bytes("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            }
          }
        } else {
          json += Self.bytes(String(scalar))
        }
      }
      return json + [0x22]
    }

    /// Tokens RFC 8259 forbids that `JSONDecoder` may skip over: bad numbers, bad escapes, lone
    /// surrogates, raw control characters, ill-formed UTF-8, misspelt literals.
    static let invalidTokens: [[UInt8]] =
      [
        "01", "-01", "00", "1.", "-", "1e", "1E+", "1.e5", "-0.", "2e-", "tru", "nul", #""\x""#,
        #""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#, #""\u12G4""#, #""\uD83D\uDE0""#,
        "\"a\tb\"", "\"a\nb\"", "\"\u{01}\"", "\"\u{1F}\"",
      ].map(bytes)
      + [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x80, 0x22],
        [0x22, 0xC3, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
      ]

    mutating func invalidToken() -> [UInt8] {
      hasInvalidSyntax = true
      return pick(Self.invalidTokens)
    }

    /// A valid number: integers at and beyond the `Int64` edges, `-0`, fractions, exponents.
    mutating func number() -> [UInt8] {
      Self.bytes(
        pick([
          "0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
          "-9223372036854775809", "123456789012345678901234567890", "-0.5e-3", "1E+400", "0.0",
          "123.456e7", "-1e-400", "1e2", String(Int64(bitPattern: random.next())),
          String(int(1000)),
        ]))
    }

    /// Any value, nested up to `depth` levels, as skipped fields hold them.
    mutating func value(depth: Int) -> [UInt8] {
      if perMille(invalidRate) { return invalidToken() }
      switch depth > 0 ? int(8) : int(5) {
      case 0: return number()
      case 1: return string(text())
      case 2: return Self.bytes(pick(["true", "false", "null"]))
      case 3: return Self.bytes(String(Int64(bitPattern: random.next())))
      case 4: return string(pick(["", "x", "2025-01-01", "items", "amount"]))
      case 5, 6:
        let elements = (0..<int(4)).map { _ in value(depth: depth - 1) }
        return array(elements)
      default:
        var members: [([UInt8], [UInt8])] = []
        for _ in 0..<int(4) {
          var key = string(pick(["a", "amount", "items", "é", "b\u{0}", "pspReference", ""]))
          if perMille(invalidRate) {
            key = pick(Self.invalidTokens.filter { $0.first == 0x22 })
            hasInvalidSyntax = true
          }
          members.append((key, value(depth: depth - 1)))
        }
        return object(members, shuffled: false)
      }
    }

    mutating func trailingComma(_ count: Int) -> [UInt8] { count > 0 && oneIn(15) ? [0x2C] : [] }

    mutating func array(_ elements: [[UInt8]]) -> [UInt8] {
      var json: [UInt8] = [0x5B]
      for (index, element) in elements.enumerated() {
        if index > 0 { json.append(0x2C) }
        json += space() + element + space()
      }
      return json + trailingComma(elements.count) + space() + [0x5D]
    }

    /// An object of rendered keys (JSON strings) and values.
    mutating func object(_ members: [([UInt8], [UInt8])], shuffled: Bool = true) -> [UInt8] {
      var members = members
      if shuffled { members.shuffle(using: &random) }
      var json: [UInt8] = [0x7B]
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { json.append(0x2C) }
        json += space() + key + space() + [0x3A] + space() + value + space()
      }
      return json + trailingComma(members.count) + space() + [0x7D]
    }

    static let times = [
      "2024-02-29T23:59:60Z", "2024-01-01T00:00:00z", "2024-01-01 00:00:00+01",
      "1970-01-01T00:00:00.000000000-23:59",
    ]

    static let rejectedTimes = [
      "2024-02-30T10:00:00Z", "2023-02-29T10:00:00Z", "2024-01-01T24:00:00Z",
      "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z", "2024-01-01T00:00:00",
      "2024-01-01T00:00:00+2", "2024-01-01T00:00:00+02:0", "2024-01-01T00:00:00+0200Z",
      "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+02:60", "2024-01-01t00:00:00Z",
      "2024-01-01T00:00:00.Z", "2024-1-01T00:00:00Z", "", "noon", "2024-01-01T00:00:00Z ",
      "２０２４-01-01T00:00:00Z", "2024-01-01T00:00:00+02:00:00", "2024-01-01T00:00:00ZZ",
      "2024-01-01T00:00:00.123+", "2024-01-01X00:00:00Z", "0000-01-01T00:00:00Z",
      "2024-01-01T00:00:00+0160", "2024-01-01T00:00:00+02:3x",
    ]

    /// A time ``EntryTime`` accepts: `T` or space, fractions of 0–9 digits (now and then more),
    /// and `Z`, `z`, `±hh`, `±hhmm` or `±hh:mm`.
    mutating func time() -> String {
      if oneIn(20) { return pick(Self.times) }
      let date = LedgerDate(daysSinceEpoch: -25_000 + int(80_000))
      func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
      var text = "\(date)\(pick(["T", "T", " "]))\(two(int(24))):\(two(int(60))):\(two(int(61)))"
      if !oneIn(3) {
        text +=
          "." + (0..<(oneIn(10) ? 10 + int(3) : 1 + int(9))).map { _ in String(int(10)) }.joined()
      }
      let sign = pick(["+", "-"])
      switch int(5) {
      case 0: text += pick(["Z", "z"])
      case 1: text += sign + two(int(24))
      case 2: text += sign + two(int(24)) + two(int(60))
      default: text += sign + two(int(24)) + ":" + two(int(60))
      }
      return text
    }

    /// An amount: integers at and beyond the `Int64` edges, and at the page's rate one with a
    /// fraction or exponent.
    mutating func amount() -> [UInt8] {
      if perMille(fractionRate) {
        hasFractionalAmount = true
        return Self.bytes(
          pick([
            "1.0", "1e2", "-5.00", "1E+2", "100e-2", "-0.0", "0e0", "0.00", "12.5e1", "-3E0",
            "2.5", "1E400", "9223372036854775807.0", "12345678901234567e-3",
          ]))
      }
      switch int(8) {
      case 0:
        return Self.bytes(
          pick([
            "9223372036854775807", "-9223372036854775808", "-9223372036854775807",
            "9223372036854775806",
          ]))
      case 1: return Self.bytes(pick(["0", "-0"]))
      case 2: return Self.bytes(String(Int64(bitPattern: random.next())))
      case 3:
        let sign: Int64 = oneIn(2) ? 1 : -1
        return Self.bytes(String(sign * (1_000_000_000_000_000 + Int64(int(1000)) - 500)))
      default: return Self.bytes(String(Int64(int(2_000_000)) - 1_000_000))
      }
    }

    enum Kind { case string, date, bool, array, amount }

    /// A broken value for a field of `kind`.
    mutating func wrong(_ kind: Kind) -> [UInt8] {
      switch kind {
      case .string: return Self.bytes(pick(["5", "true", "[]", "{}", "1.5", "-0"]))
      case .date:
        return oneIn(2)
          ? Self.bytes(pick(["5", "{}", #"["2024-01-01"]"#]))
          : string(
            pick(["2023-02-29", "2024-13-01", "24-01-01", "2024-01-01T00:00:00Z", "", "２０２４-01-01"])
          )
      case .bool: return Self.bytes(pick([#""true""#, "1", "0", "[]", "{}"]))
      case .array: return Self.bytes(pick([#""none""#, "{}", "1", "true"]))
      case .amount:
        return Self.bytes(
          pick([
            #""1""#, "true", "[]", "{}", "9223372036854775808", "-9223372036854775809",
            "18446744073709551616", "100000000000000000000000000000",
          ]))
      }
    }

    /// Decides whether a field is absent, `null`, broken or present, adds it when it is not
    /// present, and returns whether the caller is to add its value.
    mutating func field(
      _ key: String, required: Bool, kind: Kind, into fields: inout [([UInt8], [UInt8])]
    ) -> Bool {
      if perMille(errorRate) {
        switch int(3) {
        case 0: break
        case 1: fields.append((string(key), Self.bytes("null")))
        default: fields.append((string(key), wrong(kind)))
        }
        return false
      }
      if !required {
        switch int(4) {
        case 0: return false
        case 1:
          fields.append((string(key), Self.bytes("null")))
          return false
        default: break
        }
      }
      return true
    }

    mutating func unknownFields(depth: Int, into fields: inout [([UInt8], [UInt8])]) {
      for key in ["somethingNew", "futureField", "x", "b\u{0}", "Amount"] where oneIn(4) {
        fields.append((string(key), value(depth: depth)))
      }
    }

    /// Now and then a second member with one of `keys` (after shuffling, the first one counts):
    /// any value, or one `plausible` gives for the key.
    mutating func duplicates(
      _ keys: [String], plausible: (inout FuzzPage, String) -> [UInt8],
      into fields: inout [([UInt8], [UInt8])]
    ) {
      for _ in 0..<(oneIn(6) ? 1 + int(2) : 0) {
        let key = pick(keys)
        let value = oneIn(2) ? plausible(&self, key) : value(depth: 2)
        if key.hasPrefix("amount") || key.hasPrefix("balance"), let first = value.first,
          first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
          value.contains(where: { [0x2E, 0x45, 0x65].contains($0) })
        {
          hasFractionalAmount = true
        }
        fields.append((string(key), value))
      }
    }

    static let entryKeys = [
      "pspReference", "time", "ledgerDate", "entryType", "reference", "currency", "amount",
      "balanceBefore", "balanceAfter", "recipientHandle", "name", "message", "maskedPhoneNo",
    ]

    mutating func entry() -> [UInt8] {
      var fields: [([UInt8], [UInt8])] = []
      if field("pspReference", required: true, kind: .string, into: &fields) {
        let psp = oneIn(2) ? String(random.next() % 100_000_000_000) : text()
        fields.append((string("pspReference"), string(psp)))
      }
      if field("time", required: true, kind: .string, into: &fields) {
        let time = perMille(2 * errorRate) ? pick(Self.rejectedTimes) : time()
        fields.append((string("time"), string(time)))
      }
      if field("entryType", required: true, kind: .string, into: &fields) {
        let type = oneIn(4) ? text() : pick(EntryType.known).rawValue
        fields.append((string("entryType"), string(type)))
      }
      if field("currency", required: true, kind: .string, into: &fields) {
        fields.append(
          (string("currency"), string(oneIn(4) ? text() : pick(["NOK", "DKK", "EUR"]))))
      }
      for key in ["amount", "balanceBefore", "balanceAfter"]
      where field(key, required: true, kind: .amount, into: &fields) {
        fields.append((string(key), amount()))
      }
      if field("ledgerDate", required: false, kind: .date, into: &fields) {
        fields.append(
          (string("ledgerDate"), string(LedgerDate(daysSinceEpoch: int(60_000)).description)))
      }
      for key in ["reference", "recipientHandle", "name", "message", "maskedPhoneNo"]
      where field(key, required: false, kind: .string, into: &fields) {
        fields.append((string(key), string(text())))
      }
      unknownFields(depth: 3, into: &fields)
      duplicates(
        Self.entryKeys,
        plausible: { page, key in
          switch key {
          case "amount", "balanceBefore", "balanceAfter": return page.amount()
          case "time": return page.string(page.time())
          case "ledgerDate": return page.string("2024-02-29")
          default: return page.string(page.text())
          }
        }, into: &fields)
      return object(fields)
    }

    /// A page with up to `maxItems` items.
    mutating func page(maxItems: Int = 12) -> [UInt8] {
      hasInvalidSyntax = false
      hasFractionalAmount = false
      var fields: [([UInt8], [UInt8])] = []
      if field("items", required: true, kind: .array, into: &fields) {
        var elements: [[UInt8]] = []
        for _ in 0..<(oneIn(8) ? 0 : 1 + int(maxItems)) {
          elements.append(
            perMille(errorRate / 2)
              ? Self.bytes(pick(["null", "1", #""x""#, "[]", "true"])) : entry())
        }
        fields.append((string("items"), array(elements)))
      }
      if field("cursor", required: false, kind: .string, into: &fields) {
        fields.append((string("cursor"), string(text())))
      }
      for key in ["hasMore", "tryLater"]
      where field(key, required: false, kind: .bool, into: &fields) {
        fields.append((string(key), Self.bytes(pick(["true", "false"]))))
      }
      unknownFields(depth: 3, into: &fields)
      duplicates(
        ["items", "cursor", "hasMore", "tryLater"],
        plausible: { page, key in
          switch key {
          case "items": return page.array([page.entry()])
          case "cursor": return page.string(page.text())
          default: return Self.bytes(page.pick(["true", "false", "null"]))
          }
        }, into: &fields)
      var document = object(fields)
      if perMille(errorRate / 4) {
        document = Self.bytes(pick(["[]", "null", #""x""#, "1", "[{}]", "true"]))
        hasInvalidSyntax = false
        hasFractionalAmount = false
      }
      let bom: [UInt8] = oneIn(20) ? [0xEF, 0xBB, 0xBF] : []
      return bom + space() + document + space()
    }

    /// Sets the rates for a page of kind `kind` modulo 5 (random when `nil`): clean, with broken
    /// fields, with constructs RFC 8259 forbids in skipped values, with fractional amounts, or
    /// with all three.
    mutating func chooseKind(_ kind: Int? = nil) {
      switch (kind ?? int(5)) % 5 {
      case 0: (errorRate, invalidRate, fractionRate) = (0, 0, 0)
      case 1: (errorRate, invalidRate, fractionRate) = (25, 0, 0)
      case 2: (errorRate, invalidRate, fractionRate) = (0, 60, 0)
      case 3: (errorRate, invalidRate, fractionRate) = (0, 0, 80)
      default: (errorRate, invalidRate, fractionRate) = (15, 20, 30)
      }
    }
  }

  // MARK: - Tests

  /// Random pages of every kind; for undamaged pages the generator also knows whether it wrote a
  /// construct RFC 8259 forbids, which must be exactly when ``StrictJSON`` rejects the page.
  @Test(arguments: 0..<8 as Range<UInt64>)
  func randomPagesDecodeLikeJSONDecoder(seed: UInt64) {
    var generator = FuzzPage(seed: 0x5EED_0000 &+ seed)
    var judge = Judge()
    var generatorDisagrees: [String] = []
    for index in 0..<50 {
      generator.chooseKind(index)
      let bytes = generator.page()
      let verdict = judge.judge(bytes, "seed \(seed) page \(index)")
      let invalid = StrictJSON.parse(bytes).isFailure
      if invalid != generator.hasInvalidSyntax {
        generatorDisagrees.append(
          "page \(index): generator wrote invalid syntax \(generator.hasInvalidSyntax), StrictJSON rejects \(invalid): \(Self.visible(bytes))"
        )
      }
      if verdict == .stricterAmount, !generator.hasFractionalAmount {
        generatorDisagrees.append("page \(index): stricter amount without a fractional amount")
      }
    }
    judge.expectNoMismatch()
    #expect(generatorDisagrees.count == 0, "\(generatorDisagrees.prefix(2))")
    // Every kind of input occurs.
    for verdict in [Verdict.samePage, .sameProblem, .notJSONButFoundationAccepts, .stricterAmount] {
      #expect(judge.count(verdict) > 0, "no \(verdict) among \(judge.counts)")
    }
  }

  /// Every truncation of some small pages (of this generator and of ``RandomPage``).
  @Test(arguments: 0..<4 as Range<UInt64>)
  func everyTruncationIsJudged(seed: UInt64) {
    var generator = FuzzPage(seed: 0x7C07_0000 &+ seed)
    if seed % 2 == 1 {
      (generator.errorRate, generator.invalidRate, generator.fractionRate) = (10, 10, 20)
    }
    var existing = RandomPage(seed: 0x7C07_0000 &+ seed)
    /// The first of some pages with 200 to 800 bytes (every cut costs time in the page's size).
    func small(_ make: () -> [UInt8]) -> [UInt8] {
      for _ in 0..<40 {
        let page = make()
        if (200...800).contains(page.count) { return page }
      }
      return []
    }
    let pages = [
      small { generator.page(maxItems: 2) }, small { Array(existing.page().utf8) },
    ]
    var judge = Judge()
    for (index, bytes) in pages.enumerated() {
      for cut in 0...bytes.count {
        judge.judge(Array(bytes[..<cut]), "seed \(seed) page \(index) cut at \(cut)")
      }
    }
    judge.expectNoMismatch()
    #expect(judge.total > 400)
  }

  /// Random damage: bytes replaced, inserted, deleted, swapped, spans repeated.
  @Test(arguments: 0..<6 as Range<UInt64>)
  func damagedPagesAreJudged(seed: UInt64) {
    var generator = FuzzPage(seed: 0xDA3A_0000 &+ seed)
    var existing = RandomPage(seed: 0xDA3A_0000 &+ seed)
    let interesting: [UInt8] =
      Array(#",:{}[]"\-+01.eE tfnu/xaz"#.utf8) + [
        0x00, 0x09, 0x0A, 0x80, 0xBF, 0xC3, 0xED, 0xF4, 0xFF,
      ]
    var judge = Judge()
    for index in 0..<8 {
      generator.chooseKind()
      let original = index % 4 == 3 ? Array(existing.page().utf8) : generator.page(maxItems: 4)
      for variant in 0..<25 {
        var bytes = original
        for _ in 0..<(1 + generator.int(3)) where !bytes.isEmpty {
          let at = generator.int(bytes.count)
          switch generator.int(5) {
          case 0: bytes[at] = generator.pick(interesting)
          case 1: bytes.insert(generator.pick(interesting), at: at)
          case 2: bytes.remove(at: at)
          case 3: bytes.swapAt(at, generator.int(bytes.count))
          default:
            let span = bytes[at..<min(bytes.count, at + 1 + generator.int(20))]
            bytes.insert(contentsOf: span, at: generator.int(bytes.count))
          }
        }
        judge.judge(bytes, "seed \(seed) page \(index) variant \(variant)")
      }
    }
    judge.expectNoMismatch()
  }

  /// Containers nested up to and past the limit of 512, in skipped fields at every level.
  @Test(arguments: [505, 509, 510, 511, 512, 513, 600])
  func deepNestingIsJudged(depth: Int) {
    let nest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    let objects =
      String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    let entry =
      #"{"pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1"#
    var judge = Judge()
    for deep in [nest, objects] {
      for json in [
        #"{"items": [], "x": \#(deep)}"#, #"{"items": [\#(entry), "x": \#(deep)}]}"#,
        #"{"items": [\#(deep)]}"#, #"{"items": [\#(entry)}, \#(deep)]}"#, deep,
        #"{"items": [], "cursor": \#(deep)}"#,
      ] {
        judge.judge(Array(json.utf8), "depth \(depth): \(json.prefix(60))")
      }
    }
    judge.expectNoMismatch()
  }

  /// Every time form ``EntryTime`` accepts, and forms it rejects, as an entry's `time`.
  @Test func timesAreJudged() {
    var generator = FuzzPage(seed: 42)
    var times = FuzzPage.times + FuzzPage.rejectedTimes
    for _ in 0..<200 { times.append(generator.time()) }
    var judge = Judge()
    var accepted = 0
    for time in times {
      let json =
        #"{"items": [{"pspReference": "1", "time": "\#(time)", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1}]}"#
      if judge.judge(Array(json.utf8), "time \(time)") == .samePage { accepted += 1 }
    }
    judge.expectNoMismatch()
    #expect(accepted == times.count - FuzzPage.rejectedTimes.count)
  }

  /// The documented strictness, construct by construct: in a skipped value `JSONDecoder` accepts
  /// each of these and the parser rejects it at a byte inside it; an amount with a fraction or an
  /// exponent that `JSONDecoder` reads as an integer is rejected as not an integer amount.
  @Test func stricterOnlyWhereDocumented() {
    let entry =
      #""pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1"#
    var judge = Judge()
    var foundationAccepts = 0
    for token in FuzzPage.invalidTokens {
      let prefix = Array(#"{"items": [{\#(entry), "amount": 1, "x": ["#.utf8)
      let bytes = prefix + token + Array("]}]}".utf8)
      let verdict = judge.judge(bytes, "token \(Self.visible(token))")
      if verdict == .notJSONButFoundationAccepts { foundationAccepts += 1 }
      if let offset = Self.syntaxOffset(bytes) {
        #expect(
          (prefix.count...prefix.count + token.count).contains(offset),
          "token \(Self.visible(token)): offset \(offset)")
      }
    }
    #expect(foundationAccepts >= 15, "JSONDecoder accepts only \(foundationAccepts) tokens")
    for amount in ["1.0", "1e2", "1E+2", "100e-2", "-0.0", "0e0", "0.00"] {
      let bytes = Array(#"{"items": [{\#(entry), "amount": \#(amount)}]}"#.utf8)
      #expect(judge.judge(bytes, "amount \(amount)") == .stricterAmount, "amount \(amount)")
      #expect(
        Self.parsed(bytes)
          == .failure("items[0].amount: expected an integer amount in minor units (64-bit)"))
    }
    judge.expectNoMismatch()
  }
}

extension Result {
  fileprivate var isFailure: Bool {
    if case .failure = self { return true }
    return false
  }
}
