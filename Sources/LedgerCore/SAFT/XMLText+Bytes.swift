/// ``XMLText`` on bytes, for the SAF-T frame encoder: text cleaned and escaped straight into a
/// ``ByteSink``, with no `String` on the way.
///
/// The text must be valid UTF-8, as every ``VoucherFrame``'s text is (it comes from `String`s or
/// from pages whose UTF-8 the parser validated); bytes that are not are never read past the end.
extension XMLText {
  /// Appends ``clean(_:maxLength:)`` of `bytes`, escaped as libxml2's writer escapes text
  /// (`<`, `>`, `&`, `"`; cleaning leaves no CR or NUL).
  ///
  /// - Parameters:
  ///   - bytes: UTF-8 text.
  ///   - maxLength: The most Unicode scalars to keep.
  ///   - uppercaseASCII: Map `a`–`z` to `A`–`Z` (what `uppercased()` does to ASCII text).
  ///   - sink: Where the text goes.
  /// - Returns: Whether anything was appended (`false` when cleaning leaves an empty text).
  @inline(__always)
  static func appendCleaned(
    _ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int, uppercaseASCII: Bool = false,
    to sink: inout ByteSink
  ) -> Bool {
    if !uppercaseASCII, isPlain(bytes, maxLength: maxLength) {
      sink.append(bytes)
      return !bytes.isEmpty
    }
    return appendCleanedScalars(
      bytes, maxLength: maxLength, uppercaseASCII: uppercaseASCII, to: &sink)
  }

  /// Whether `bytes` is clean (``clean(_:maxLength:)`` returns it unchanged) and needs no escape:
  /// no control character, none of `<>&"`, single spaces inside, at most `maxLength` scalars.
  /// Decided on the bytes, as ``isClean(_:maxLength:)`` decides; a sequence starting with `C2`
  /// or `EF` (which may be a dropped scalar) is left to the scalar path.
  @inline(__always)
  private static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int) -> Bool {
    if let plain = isPlainASCII(bytes, maxLength: maxLength) { return plain }
    var scalars = 0
    var previous: UInt8 = 0x20  // a leading space is not plain
    for byte in bytes {
      switch byte {
      case 0x20:
        if previous == 0x20 { return false }
      case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""):
        return false
      case 0x21...0x7E, 0x80...0xBF, 0xC3...0xEE, 0xF0...0xF4:
        break
      default:
        return false  // controls, DEL, `C2`, `EF`, bytes that are never UTF-8
      }
      if byte & 0xC0 != 0x80 { scalars += 1 }
      previous = byte
    }
    return previous != 0x20 && scalars <= maxLength
  }

  /// ``isPlain(_:maxLength:)`` eight bytes at a time for ASCII text of 8 to `maxLength` bytes
  /// (a scalar a byte); `nil` when that does not apply (shorter, longer or not all ASCII), and
  /// the bytes are then looked at one by one.
  @inline(__always)
  private static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int) -> Bool? {
    let count = bytes.count
    guard count >= 8, count <= maxLength, let base = bytes.baseAddress else { return nil }
    if base[0] == 0x20 || base[count - 1] == 0x20 { return false }
    let raw = UnsafeRawPointer(base)
    var offset = 0
    while true {
      // The last word overlaps the one before when the length is not a multiple of eight.
      let start = min(offset, count - 8)
      let word = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)
      if word & WordBytes.highs != 0 { return nil }
      let special =
        WordBytes.below(word, 0x20) | WordBytes.equal(word, 0x7F)
        | WordBytes.equal(word, UInt8(ascii: "<")) | WordBytes.equal(word, UInt8(ascii: ">"))
        | WordBytes.equal(word, UInt8(ascii: "&")) | WordBytes.equal(word, UInt8(ascii: "\""))
      if special != 0 { return false }
      // Two spaces in a row: inside the word, or across from the word before.
      let spaces = WordBytes.exactlyEqual(word, 0x20)
      if spaces & (spaces >> 8) != 0 { return false }
      if start == offset, offset > 0, base[offset - 1] == 0x20, base[offset] == 0x20 {
        return false
      }
      if start == count - 8 { return true }
      offset += 8
    }
  }

  /// ``cleanScalars(_:maxLength:)`` on bytes, escaping as it appends.
  private static func appendCleanedScalars(
    _ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int, uppercaseASCII: Bool,
    to sink: inout ByteSink
  ) -> Bool {
    var count = 0
    var pendingSpace = false
    var index = 0
    scalars: while index < bytes.count {
      let lead = bytes[index]
      var length = 1
      if lead < 0x80 {
        switch lead {
        case 0x20, 0x09, 0x0A, 0x0D:
          pendingSpace = count > 0
          index += 1
          continue
        case 0x00..<0x20, 0x7F:
          index += 1
          continue
        default:
          break
        }
      } else {
        switch lead {
        case 0xC0...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF7: length = 4
        default: length = 1
        }
        length = min(length, bytes.count - index)
        // U+0080…U+009F (C1 controls), U+FFFE and U+FFFF are dropped.
        if lead == 0xC2, length == 2, bytes[index + 1] <= 0x9F {
          index += 2
          continue
        }
        if lead == 0xEF, length == 3, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
          index += 3
          continue
        }
      }
      if pendingSpace {
        guard count < maxLength else { break scalars }
        sink.append(0x20)
        count += 1
        pendingSpace = false
      }
      guard count < maxLength else { break scalars }
      if length == 1 {
        switch lead {
        case UInt8(ascii: "<"): sink.append("&lt;")
        case UInt8(ascii: ">"): sink.append("&gt;")
        case UInt8(ascii: "&"): sink.append("&amp;")
        case UInt8(ascii: "\""): sink.append("&quot;")
        case UInt8(ascii: "a")...UInt8(ascii: "z") where uppercaseASCII: sink.append(lead - 0x20)
        default: sink.append(lead)
        }
      } else {
        sink.append(UnsafeBufferPointer(rebasing: bytes[index..<index + length]))
      }
      count += 1
      index += length
    }
    return count > 0
  }

  /// Appends `text` as libxml2's writer writes element text: up to the first NUL (a C string), with
  /// `<`, `>`, `&`, `"` and CR escaped; not cleaned.
  static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink) {
    var runStart = 0
    for index in bytes.indices {
      let escaped: StaticString
      switch bytes[index] {
      case 0:
        sink.append(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
        return
      case UInt8(ascii: "<"): escaped = "&lt;"
      case UInt8(ascii: ">"): escaped = "&gt;"
      case UInt8(ascii: "&"): escaped = "&amp;"
      case UInt8(ascii: "\""): escaped = "&quot;"
      case 0x0D: escaped = "&#13;"
      default: continue
      }
      sink.append(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
      sink.append(escaped)
      runStart = index + 1
    }
    sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...]))
  }

  /// Appends ``clean(_:maxLength:)`` of `text`, escaped; `false` when that is empty.
  static func appendCleaned(_ text: String, maxLength: Int, to sink: inout ByteSink) -> Bool {
    var cleaned = clean(text, maxLength: maxLength)
    cleaned.withUTF8 { appendEscaped($0, to: &sink) }
    return !cleaned.isEmpty
  }
}
