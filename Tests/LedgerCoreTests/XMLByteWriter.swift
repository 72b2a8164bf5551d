import Foundation

@testable import LedgerCore

/// Writes indented XML elements straight into bytes, exactly as ``XMLFragmentWriter`` (libxml2's
/// `xmlTextWriter`) writes them: text escaped as `xmlEncodeSpecialChars` does (`<`, `>`, `&`,
/// `"` and CR), an element without content closed as `<name/>`. It wrote the journal's
/// transactions before ``SAFTJournalEncoder`` wrote them from frames; it stays here, in the tests,
/// as the reference the frame encoder is compared with: the link to libxml2.
struct XMLByteWriter: ~Copyable {
  private(set) var sink = ByteSink(capacity: 4096)
  private var depth: Int
  /// Per open element: its name, and whether it has content yet (its start tag is then closed).
  private var open: [(name: StaticString, hasContent: Bool)] = []
  private let indentUnit = 2

  init(baseDepth: Int) {
    depth = baseDepth
    open.reserveCapacity(8)
  }

  /// Closes the start tag of the innermost element if content follows.
  private mutating func content() {
    guard let last = open.last, !last.hasContent else { return }
    sink.append(UInt8(ascii: ">"))
    open[open.count - 1].hasContent = true
  }

  private mutating func newline() {
    content()
    sink.append(UInt8(ascii: "\n"))
    let spaces = depth * indentUnit
    sink.reserve(spaces)
    for _ in 0..<spaces { sink.append(UInt8(ascii: " ")) }
  }

  mutating func start(_ name: StaticString) {
    newline()
    sink.append(UInt8(ascii: "<"))
    sink.append(name)
    open.append((name, false))
    depth += 1
  }

  mutating func end() {
    depth -= 1
    guard let (name, hasContent) = open.popLast() else { return }
    guard hasContent else {
      sink.append(UInt8(ascii: "/"), UInt8(ascii: ">"))
      return
    }
    // Content is always child elements here, each on its own line: so is the end tag.
    newline()
    sink.append(UInt8(ascii: "<"), UInt8(ascii: "/"))
    sink.append(name)
    sink.append(UInt8(ascii: ">"))
  }

  /// `<name>text</name>` on its own line; like libxml2, which takes C strings, the text ends at
  /// a NUL character.
  mutating func element(_ name: StaticString, _ text: String) {
    element(name) { sink in
      var text = text
      text.withUTF8 { bytes in
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        XMLByteWriter.appendEscaped(UnsafeBufferPointer(rebasing: bytes[..<end]), to: &sink)
      }
    }
  }

  /// `<name>` and a decimal integer.
  mutating func element(_ name: StaticString, decimal value: Int) {
    element(name) { $0.appendDecimal(value) }
  }

  /// `<name>` and `YYYY-MM-DD`.
  mutating func element(_ name: StaticString, date: LedgerDate) {
    element(name) { $0.appendDate(date) }
  }

  /// `<name>` and the magnitude of `minorUnits` with two decimals.
  mutating func element(_ name: StaticString, magnitude minorUnits: Int64) {
    element(name) { $0.appendMagnitude(minorUnits) }
  }

  private mutating func element(_ name: StaticString, _ body: (inout ByteSink) -> Void) {
    newline()
    sink.append(UInt8(ascii: "<"))
    sink.append(name)
    sink.append(UInt8(ascii: ">"))
    body(&sink)
    sink.append(UInt8(ascii: "<"), UInt8(ascii: "/"))
    sink.append(name)
    sink.append(UInt8(ascii: ">"))
  }

  private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink) {
    var runStart = 0
    for index in bytes.indices {
      let escaped: StaticString
      switch bytes[index] {
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
}
