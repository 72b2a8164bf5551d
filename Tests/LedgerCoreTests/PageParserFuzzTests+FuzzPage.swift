import Foundation
import Testing

@testable import LedgerCore

extension PageParserFuzzTests {
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
}
