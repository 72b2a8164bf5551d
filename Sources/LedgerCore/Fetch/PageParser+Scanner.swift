#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension PageParser {
  /// A string token: the bytes between the quotes, still escaped, already validated.
  struct StringToken {
    /// Offset of the first byte after the opening quote.
    var start: Int
    /// Offset of the closing quote.
    var end: Int
    /// Whether the token contains a backslash escape.
    var isEscaped: Bool
  }

  /// A cursor over UTF-8 JSON bytes that checks RFC 8259 syntax as it goes.
  ///
  /// Every scanning method consumes one complete syntactic unit (value, string, literal) or throws
  /// a "not valid JSON" ``PageParseError`` at the offending byte. The end of input reads as byte 0,
  /// which no grammar rule accepts outside a string.
  struct Scanner {
    /// The deepest nesting of arrays and objects accepted, as in Foundation's `JSONDecoder`.
    static let maximumDepth = 512

    private let base: UnsafePointer<UInt8>
    private let count: Int
    /// The offset of the next unread byte.
    var index = 0

    /// Every byte of the input.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// A scanner over `bytes`, skipping a UTF-8 byte-order mark; `nil` when `bytes` is empty.
    init?(_ bytes: UnsafeRawBufferPointer) {
      guard let address = bytes.baseAddress, !bytes.isEmpty else { return nil }
      base = address.assumingMemoryBound(to: UInt8.self)
      count = bytes.count
      if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { index = 3 }
    }

    /// The syntax error at the current offset.
    var syntaxError: PageParseError { .notValidJSON(at: index) }

    /// Whether every byte has been read.
    var isAtEnd: Bool { index >= count }

    /// The next unread byte, or 0 at the end.
    @inline(__always) var current: UInt8 { index < count ? base[index] : 0 }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    @inline(__always) mutating func skipWhitespace() {
      while index < count {
        switch base[index] {
        case 0x20, 0x0A, 0x0D, 0x09: index += 1
        default: return
        }
      }
    }

    /// Consumes `byte`, then whitespace.
    @inline(__always) mutating func expect(_ byte: UInt8) throws(PageParseError) {
      guard current == byte else { throw syntaxError }
      index += 1
      skipWhitespace()
    }

    // MARK: Containers

    /// Consumes `{` or `[` and whitespace; returns whether a member or element follows.
    mutating func enter(closing: UInt8) -> Bool {
      index += 1
      skipWhitespace()
      guard current == closing else { return true }
      index += 1
      return false
    }

    /// After a member or element: consumes `,` (returning true) or `closing` (returning false).
    /// A trailing comma before `closing` is accepted, as Foundation does: Vipps' own documentation
    /// shows a page with one.
    mutating func next(closing: UInt8) throws(PageParseError) -> Bool {
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","):
        index += 1
        skipWhitespace()
        if current == closing {
          index += 1
          return false
        }
        return true
      case closing:
        index += 1
        return false
      default:
        throw syntaxError
      }
    }

    /// Scans an object key and the `:` after it, leaving the scanner at the value.
    mutating func key() throws(PageParseError) -> StringToken {
      guard current == UInt8(ascii: "\"") else { throw syntaxError }
      let token = try string()
      skipWhitespace()
      try expect(UInt8(ascii: ":"))
      return token
    }

    /// Consumes `quoted` (a key with its quotes, no escapes), whitespace, `:` and whitespace when
    /// they come next, as ``key()`` would; otherwise consumes nothing and returns `false`.
    @inline(__always)
    mutating func consumeKey(_ quoted: StaticString) -> Bool {
      let length = quoted.utf8CodeUnitCount
      guard count - index > length, Self.equal(base + index, quoted.utf8Start, length) else {
        return false
      }
      var probe = index + length
      while probe < count,
        base[probe] == 0x20 || base[probe] == 0x0A || base[probe] == 0x0D
          || base[probe] == 0x09
      {
        probe += 1
      }
      guard probe < count, base[probe] == UInt8(ascii: ":") else { return false }
      index = probe + 1
      skipWhitespace()
      return true
    }

    /// Whether the `length` bytes at `a` and `b` are equal: compared eight at a time (the last
    /// eight overlapping), as keys are short and a `memcmp` call costs more than the comparison.
    @inline(__always)
    private static func equal(
      _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int
    ) -> Bool {
      guard length >= 8 else {
        for offset in 0..<length where a[offset] != b[offset] { return false }
        return true
      }
      func word(_ pointer: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
        UnsafeRawPointer(pointer + offset).loadUnaligned(as: UInt64.self)
      }
      var offset = 0
      while offset + 8 < length {
        if word(a, offset) != word(b, offset) { return false }
        offset += 8
      }
      return word(a, length - 8) == word(b, length - 8)
    }

    /// Skips one value of any type, checking its syntax; `depth` counts the enclosing containers.
    mutating func skipValue(depth: Int) throws(PageParseError) {
      switch current {
      case UInt8(ascii: "\""):
        _ = try string()
      case UInt8(ascii: "{"):
        guard depth < Self.maximumDepth else { throw syntaxError }
        guard enter(closing: UInt8(ascii: "}")) else { return }
        repeat {
          _ = try key()
          try skipValue(depth: depth + 1)
        } while try next(closing: UInt8(ascii: "}"))
      case UInt8(ascii: "["):
        guard depth < Self.maximumDepth else { throw syntaxError }
        guard enter(closing: UInt8(ascii: "]")) else { return }
        repeat {
          try skipValue(depth: depth + 1)
        } while try next(closing: UInt8(ascii: "]"))
      case UInt8(ascii: "t"): try literal("true")
      case UInt8(ascii: "f"): try literal("false")
      case UInt8(ascii: "n"): try literal("null")
      default: _ = try number()
      }
    }

    /// Consumes `word` (`true`, `false` or `null`).
    mutating func literal(_ word: StaticString) throws(PageParseError) {
      let length = word.utf8CodeUnitCount
      guard count - index >= length else { throw syntaxError }
      let expected = word.utf8Start
      for offset in 0..<length where base[index + offset] != expected[offset] {
        index += offset
        throw syntaxError
      }
      index += length
    }

    // MARK: Numbers

    /// Scans a number; returns its value when it is an integer (no fraction, no exponent) that
    /// fits in `Int64`, `nil` for any other valid number.
    mutating func number() throws(PageParseError) -> Int64? {
      let negative = current == UInt8(ascii: "-")
      if negative { index += 1 }
      guard isDigit(current) else { throw syntaxError }
      // Accumulated as a negative number so that Int64.min fits.
      var value: Int64 = 0
      var fits = true
      if current == UInt8(ascii: "0") {
        index += 1
      } else {
        while index < count, isDigit(base[index]) {
          let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
          let (sum, overflow2) = product.subtractingReportingOverflow(Int64(base[index] &- 48))
          if overflow1 || overflow2 { fits = false }
          value = sum
          index += 1
        }
      }
      if current == UInt8(ascii: ".") {
        index += 1
        try digits()
        fits = false
      }
      if current | 0x20 == UInt8(ascii: "e") {
        index += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
        try digits()
        fits = false
      }
      guard fits else { return nil }
      if negative { return value }
      return value == .min ? nil : -value
    }

    /// Consumes one or more decimal digits.
    private mutating func digits() throws(PageParseError) {
      guard isDigit(current) else { throw syntaxError }
      repeat { index += 1 } while index < count && isDigit(base[index])
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    // MARK: Strings

    /// Scans a string at `"`, validating escapes and UTF-8, and leaves the scanner after it.
    mutating func string() throws(PageParseError) -> StringToken {
      index += 1
      let start = index
      var isEscaped = false
      while true {
        // Eight plain ASCII bytes at a time: no quote, backslash, control or non-ASCII byte.
        while count - index >= 8 {
          let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
          let ones: UInt64 = 0x0101_0101_0101_0101
          let highs: UInt64 = 0x8080_8080_8080_8080
          let quote = word ^ (ones &* 0x22)
          let backslash = word ^ (ones &* 0x5C)
          let special =
            ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
            | (word &- ones &* 0x20) | word
          guard special & highs == 0 else { break }
          index += 8
        }
        guard index < count else { throw syntaxError }
        let byte = base[index]
        switch byte {
        case UInt8(ascii: "\""):
          index += 1
          return StringToken(start: start, end: index - 1, isEscaped: isEscaped)
        case UInt8(ascii: "\\"):
          isEscaped = true
          try escape()
        case 0..<0x20:
          throw syntaxError
        case 0x80...:
          try multibyteCharacter()
        default:
          index += 1
        }
      }
    }

    /// Validates the escape at `\` and steps past it (both halves of a surrogate pair).
    private mutating func escape() throws(PageParseError) {
      switch index + 1 < count ? base[index + 1] : 0 {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
        index += 2
      case UInt8(ascii: "u"):
        let unit = try hex4(at: index + 2)
        switch unit {
        case 0xD800...0xDBFF:
          guard count - index >= 12, base[index + 6] == UInt8(ascii: "\\"),
            base[index + 7] == UInt8(ascii: "u"),
            case 0xDC00...0xDFFF = try hex4(at: index + 8)
          else { throw syntaxError }
          index += 12
        case 0xDC00...0xDFFF:
          throw syntaxError
        default:
          index += 6
        }
      default:
        throw syntaxError
      }
    }

    /// The four hex digits at `offset` as a UTF-16 code unit.
    private func hex4(at offset: Int) throws(PageParseError) -> UInt32 {
      guard count - offset >= 4 else { throw PageParseError.notValidJSON(at: offset) }
      var value: UInt32 = 0
      for position in offset..<offset + 4 {
        let byte = base[position]
        let digit: UInt8
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
        default: throw PageParseError.notValidJSON(at: position)
        }
        value = value << 4 | UInt32(digit)
      }
      return value
    }

    /// Validates the well-formed UTF-8 sequence (Unicode table 3-7) at a byte ≥ 0x80.
    private mutating func multibyteCharacter() throws(PageParseError) {
      let lead = base[index]
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: (length, low) = (3, 0xA0)
      case 0xED: (length, high) = (3, 0x9F)
      case 0xE1...0xEF: length = 3
      case 0xF0: (length, low) = (4, 0x90)
      case 0xF4: (length, high) = (4, 0x8F)
      case 0xF1...0xF3: length = 4
      default: throw syntaxError
      }
      guard count - index >= length, (low...high).contains(base[index + 1]) else {
        throw syntaxError
      }
      for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 {
        throw PageParseError.notValidJSON(at: index + offset)
      }
      index += length
    }

    /// The text of a scanned string token.
    func text(_ token: StringToken) -> String {
      let raw = UnsafeBufferPointer(start: base + token.start, count: token.end - token.start)
      guard token.isEscaped else { return String(decoding: raw, as: UTF8.self) }
      return String(unsafeUninitializedCapacity: raw.count) { output in
        unescape(raw, into: output)
      }
    }

    /// Calls `body` with the unescaped UTF-8 bytes of `token` (no copy unless it has escapes).
    func withBytes<R>(of token: StringToken, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
      guard token.isEscaped else {
        return body(UnsafeBufferPointer(start: base + token.start, count: token.end - token.start))
      }
      var text = self.text(token)
      return text.withUTF8(body)
    }

    /// Decodes the validated, escaped bytes `raw` into `output`, which is at least as large
    /// (no escape decodes to more bytes than it takes); returns the number of bytes written.
    private func unescape(
      _ raw: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
      var read = 0
      var written = 0
      func put(_ byte: UInt8) {
        output[written] = byte
        written += 1
      }
      func hex(_ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for byte in raw[offset..<offset + 4] {
          value = value << 4 | UInt32(byte <= 57 ? byte - 48 : (byte | 0x20) - 87)
        }
        return value
      }
      while read < raw.count {
        var end = read
        while end < raw.count, raw[end] != UInt8(ascii: "\\") { end += 1 }
        if end > read {
          let run = UnsafeBufferPointer(rebasing: raw[read..<end])
          _ = UnsafeMutableBufferPointer(rebasing: output[written...]).initialize(
            fromContentsOf: run)
          written += run.count
          read = end
          continue
        }
        let kind = raw[read + 1]
        read += 2
        switch kind {
        case UInt8(ascii: "b"): put(0x08)
        case UInt8(ascii: "f"): put(0x0C)
        case UInt8(ascii: "n"): put(0x0A)
        case UInt8(ascii: "r"): put(0x0D)
        case UInt8(ascii: "t"): put(0x09)
        case UInt8(ascii: "u"):
          var scalar = hex(read)
          read += 4
          if scalar >= 0xD800, scalar <= 0xDBFF {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex(read + 2) - 0xDC00)
            read += 6
          }
          switch scalar {
          case 0..<0x80:
            put(UInt8(scalar))
          case 0x80..<0x800:
            put(UInt8(0xC0 | scalar >> 6))
            put(UInt8(0x80 | scalar & 0x3F))
          case 0x800..<0x10000:
            put(UInt8(0xE0 | scalar >> 12))
            put(UInt8(0x80 | scalar >> 6 & 0x3F))
            put(UInt8(0x80 | scalar & 0x3F))
          default:
            put(UInt8(0xF0 | scalar >> 18))
            put(UInt8(0x80 | scalar >> 12 & 0x3F))
            put(UInt8(0x80 | scalar >> 6 & 0x3F))
            put(UInt8(0x80 | scalar & 0x3F))
          }
        default:  // `"`, `\`, `/`
          put(kind)
        }
      }
      return written
    }
  }
}
