import Foundation
import Testing

@testable import LedgerCore

extension PageParserFuzzTests {
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
}
