import Testing

@testable import LedgerCore

/// The byte writer used for SAF-T transactions writes what libxml2's writer writes.
@Suite struct XMLByteWriterTests {
  static let alphabet: [String] = [
    "a", "Z", "0", " ", "<", ">", "&", "\"", "'", "\r", "\n", "\t", "æ", "ø", "–", "\u{301}",
    "😀", "&amp;", "]]>", "\u{7F}", "\u{85}", "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{A0}",
    "\u{9F}", ";", "=", "  ", "\u{0}",
  ]

  @Test(arguments: 0..<20)
  func writesWhatLibxml2Writes(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    func text() -> String {
      let length = Int(random.next() % 12)
      return (0..<length).map { _ in
        Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))]
      }.joined()
    }
    let reference = XMLFragmentWriter(baseDepth: 3)
    var bytes = XMLByteWriter(baseDepth: 3)
    reference.start("Transaction")
    bytes.start("Transaction")
    for _ in 0..<6 {
      switch random.next() % 3 {
      case 0:
        let value = text()
        reference.element("Description", value)
        bytes.element("Description", value)
      case 1:
        reference.start("Line")
        bytes.start("Line")
        let value = text()
        reference.element("AccountID", value)
        bytes.element("AccountID", value)
        reference.end()
        bytes.end()
      default:
        reference.start("Analysis")
        bytes.start("Analysis")
        reference.end()
        bytes.end()
      }
    }
    reference.end()
    bytes.end()
    #expect(Array(bytes.sink.bytes) == reference.take())
  }

  /// The byte-level shortcut of `XMLText.clean` never changes its result.
  @Test(arguments: 0..<20)
  func cleanShortcutAgreesWithTheScalarWalk(seed: UInt64) {
    var random = SplitMix64(seed: 500 + seed)
    for _ in 0..<500 {
      let length = Int(random.next() % 10)
      let text = (0..<length).map { _ in
        Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))]
      }.joined()
      for maxLength in [0, 1, 3, 9, 256] {
        #expect(
          XMLText.clean(text, maxLength: maxLength)
            == XMLText.cleanScalars(text, maxLength: maxLength), "\(Array(text.unicodeScalars))")
      }
    }
  }
}
