/// Byte-level JSON writing for the journal encoders.
///
/// Hand-written rather than `JSONEncoder` so output is byte-stable across platforms and fast: every
/// function appends straight into a `[UInt8]` buffer. Callers write object keys in sorted order.
enum JSONText {
  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  /// Appends `value` as a JSON string literal, quotes included.
  ///
  /// Escapes `"`, `\` and control characters below U+0020 (`\n`, `\r`, `\t`, `\b`, `\f`, else
  /// `\u00XX`); all other UTF-8, such as `æøå`, is copied unchanged.
  static func appendString(_ value: String, to buffer: inout [UInt8]) {
    var value = value
    value.withUTF8 { bytes in
      buffer.append(UInt8(ascii: "\""))
      var runStart = 0
      for index in bytes.indices {
        let byte = bytes[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
          continue
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
        appendEscaped(byte, to: &buffer)
        runStart = index + 1
      }
      buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
      buffer.append(UInt8(ascii: "\""))
    }
  }

  static func appendEscaped(_ byte: UInt8, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\\"))
    switch byte {
    case 0x0A: buffer.append(UInt8(ascii: "n"))
    case 0x0D: buffer.append(UInt8(ascii: "r"))
    case 0x09: buffer.append(UInt8(ascii: "t"))
    case 0x08: buffer.append(UInt8(ascii: "b"))
    case 0x0C: buffer.append(UInt8(ascii: "f"))
    case ..<0x20:
      buffer.appendLiteral("u00")
      buffer.append(hexDigits[Int(byte >> 4)])
      buffer.append(hexDigits[Int(byte & 0x0F)])
    default: buffer.append(byte)  // `"` and `\`
    }
  }

  /// Appends a JSON string, or `null` when `value` is `nil`.
  static func appendOptionalString(_ value: String?, to buffer: inout [UInt8]) {
    if let value {
      appendString(value, to: &buffer)
    } else {
      appendNull(to: &buffer)
    }
  }

  /// Appends an integer as a JSON number.
  static func appendInt(_ value: Int, to buffer: inout [UInt8]) {
    buffer.appendDecimal(value)
  }

  /// Appends an integer as a JSON number, or `null` when `value` is `nil`.
  static func appendOptionalInt(_ value: Int?, to buffer: inout [UInt8]) {
    if let value {
      appendInt(value, to: &buffer)
    } else {
      appendNull(to: &buffer)
    }
  }

  /// Appends `null`.
  static func appendNull(to buffer: inout [UInt8]) {
    buffer.appendLiteral("null")
  }

  /// Appends an amount as a quoted two-decimal string, e.g. `"-125.00"`.
  static func appendAmount(_ minorUnits: Int64, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\""))
    buffer.appendUTF8(MoneyFormat.decimal(minorUnits))
    buffer.append(UInt8(ascii: "\""))
  }

  /// Appends the magnitude of an amount as a quoted two-decimal string; safe for `Int64.min`.
  static func appendMagnitude(_ minorUnits: Int64, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\""))
    buffer.appendUTF8(MoneyFormat.decimal(minorUnits), droppingFirst: minorUnits < 0 ? 1 : 0)
    buffer.append(UInt8(ascii: "\""))
  }

  /// Appends a date as a JSON string, `"YYYY-MM-DD"`.
  static func appendDate(_ date: LedgerDate, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\""))
    buffer.appendDate(date)
    buffer.append(UInt8(ascii: "\""))
  }

  /// Appends an array of dates as JSON strings.
  static func appendDates(_ dates: [LedgerDate], to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "["))
    for (index, date) in dates.enumerated() {
      if index > 0 { buffer.append(UInt8(ascii: ",")) }
      appendDate(date, to: &buffer)
    }
    buffer.append(UInt8(ascii: "]"))
  }

  /// Appends a string-to-string object with keys in UTF-8 byte order; `{}` when empty.
  static func appendStringMap(_ map: [String: String], to buffer: inout [UInt8]) {
    guard !map.isEmpty else {
      buffer.appendLiteral("{}")
      return
    }
    let sorted = map.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    buffer.append(UInt8(ascii: "{"))
    for (index, element) in sorted.enumerated() {
      if index > 0 { buffer.append(UInt8(ascii: ",")) }
      appendString(element.key, to: &buffer)
      buffer.append(UInt8(ascii: ":"))
      appendString(element.value, to: &buffer)
    }
    buffer.append(UInt8(ascii: "}"))
  }
}

/// Fast appends for the encoders' byte buffers.
extension [UInt8] {
  /// Appends the UTF-8 bytes of a literal.
  @inline(__always)
  mutating func appendLiteral(_ literal: StaticString) {
    literal.withUTF8Buffer { append(contentsOf: $0) }
  }

  /// Appends the UTF-8 bytes of `string`, minus its first `count` bytes.
  @inline(__always)
  mutating func appendUTF8(_ string: String, droppingFirst count: Int = 0) {
    var string = string
    string.withUTF8 { append(contentsOf: UnsafeBufferPointer(rebasing: $0[count...])) }
  }

  /// Appends an integer in decimal ASCII digits.
  mutating func appendDecimal(_ value: Int) {
    if value < 0 { append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    let start = count
    repeat {
      append(UInt8(ascii: "0") + UInt8(magnitude % 10))
      magnitude /= 10
    } while magnitude > 0
    self[start...].reverse()
  }

  /// Appends a date as `YYYY-MM-DD`, the same text as `LedgerDate.description`.
  mutating func appendDate(_ date: LedgerDate) {
    appendDigits(date.year, width: 4)
    append(UInt8(ascii: "-"))
    appendDigits(date.month, width: 2)
    append(UInt8(ascii: "-"))
    appendDigits(date.day, width: 2)
  }

  private mutating func appendDigits(_ value: Int, width: Int) {
    var divisor = 1
    for _ in 1..<width { divisor *= 10 }
    var rest = value
    while divisor > 0 {
      append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
      rest %= divisor
      divisor /= 10
    }
  }
}
