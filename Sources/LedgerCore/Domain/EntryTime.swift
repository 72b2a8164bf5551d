/// The `time` of a Report API entry: the text as received plus the instant it denotes.
///
/// Observed forms: `2020-10-05T00:00:00.000000Z`, `2022-10-01T16:33:00.824993+0200` (offset
/// without a colon), `+02:00`, and fractions of 0 to 9 digits. The raw text is kept verbatim.
public struct EntryTime: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The text exactly as received.
  public let raw: String
  /// Microseconds since 1970-01-01T00:00:00Z.
  public let epochMicroseconds: Int64

  /// Parses an ISO 8601 date-time with a mandatory offset (`Z`, `±hh`, `±hhmm` or `±hh:mm`).
  public init?(_ text: String) {
    var text = text
    guard let micros = text.withUTF8(Self.epochMicroseconds) else { return nil }
    raw = text
    epochMicroseconds = micros
  }

  /// An entry time already parsed.
  init(raw: String, epochMicroseconds: Int64) {
    self.raw = raw
    self.epochMicroseconds = epochMicroseconds
  }

  /// The instant of the UTF-8 text `b` in microseconds since 1970, or `nil` when it is not a
  /// date-time of the accepted forms.
  static func epochMicroseconds(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard b.count >= 20, let date = LedgerDate(utf8: UnsafeBufferPointer(rebasing: b[0..<10])),
      b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
      b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
    else { return nil }
    func digits(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= b.count else { return nil }
      var value = 0
      for byte in b[range] {
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      return value
    }
    guard let hour = digits(11..<13), let minute = digits(14..<16), let second = digits(17..<19),
      hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    var micros = 0
    if index < b.count, b[index] == UInt8(ascii: ".") {
      index += 1
      var count = 0
      while index < b.count, b[index] >= 48, b[index] <= 57 {
        if count < 6 { micros = micros * 10 + Int(b[index] - 48) }
        count += 1
        index += 1
      }
      guard count > 0 else { return nil }
      for _ in count..<max(count, 6) { micros *= 10 }
    }
    guard index < b.count else { return nil }
    var offsetSeconds = 0
    switch b[index] {
    case UInt8(ascii: "Z"), UInt8(ascii: "z"):
      guard index + 1 == b.count else { return nil }
    case UInt8(ascii: "+"), UInt8(ascii: "-"):
      let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
      let rest = b.count - index - 1
      guard let oh = digits(index + 1..<index + 3) else { return nil }
      var om = 0
      switch rest {
      case 2: break
      case 4:
        guard let m = digits(index + 3..<index + 5) else { return nil }
        om = m
      case 5:
        guard b[index + 3] == UInt8(ascii: ":"), let m = digits(index + 4..<index + 6) else {
          return nil
        }
        om = m
      default: return nil
      }
      guard oh < 24, om < 60 else { return nil }
      offsetSeconds = sign * (oh * 3600 + om * 60)
    default:
      return nil
    }
    let seconds =
      Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
      - Int64(offsetSeconds)
    return seconds * 1_000_000 + Int64(micros)
  }

  public var description: String { raw }

  public static func < (lhs: EntryTime, rhs: EntryTime) -> Bool {
    lhs.epochMicroseconds < rhs.epochMicroseconds
  }
}
