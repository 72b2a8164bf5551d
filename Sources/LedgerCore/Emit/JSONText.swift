/// Byte-level JSON writing for the journal encoders.
///
/// Hand-written rather than `JSONEncoder` so output is byte-stable across platforms and fast: every
/// function appends straight into a `[UInt8]` buffer. Callers write object keys in sorted order.
enum JSONText {
  /// Appends `value` as a JSON string literal, quotes included.
  ///
  /// Escapes `"`, `\` and control characters below U+0020 (`\n`, `\r`, `\t`, `\b`, `\f`, else
  /// `\u00XX`); all other UTF-8, such as `æøå`, is copied unchanged.
  static func appendString(_ value: String, to buffer: inout [UInt8]) {
    var value = value
    var sink = ByteSink(capacity: value.utf8.count + 16)
    value.withUTF8 { VoucherJSON.appendString($0, to: &sink) }
    buffer.append(contentsOf: sink.bytes)
  }

  /// Appends an integer as a JSON number.
  static func appendInt(_ value: Int, to buffer: inout [UInt8]) {
    buffer.appendDecimal(value)
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
}

/// Fast appends for the encoders' byte buffers.
extension [UInt8] {
  /// Appends the UTF-8 bytes of a literal.
  @inline(__always)
  mutating func appendLiteral(_ literal: StaticString) {
    literal.withUTF8Buffer { append(contentsOf: $0) }
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
