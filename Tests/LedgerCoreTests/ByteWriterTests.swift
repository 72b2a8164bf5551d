import Foundation
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

/// The JSON string escaper (eight bytes at a time through plain text) against a byte-by-byte
/// reading of RFC 8259's rules.
@Suite struct JSONStringEscapingTests {
  static func reference(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x22]
    for byte in bytes {
      switch byte {
      case 0x22: out += Array(#"\""#.utf8)
      case 0x5C: out += Array(#"\\"#.utf8)
      case 0x0A: out += Array(#"\n"#.utf8)
      case 0x0D: out += Array(#"\r"#.utf8)
      case 0x09: out += Array(#"\t"#.utf8)
      case 0x08: out += Array(#"\b"#.utf8)
      case 0x0C: out += Array(#"\f"#.utf8)
      case ..<0x20: out += Array(String(format: "\\u%04x", Int(byte)).utf8)
      default: out.append(byte)
      }
    }
    return out + [0x22]
  }

  @Test(arguments: 0..<10)
  func escapesLikeTheRules(seed: UInt64) {
    var random = SplitMix64(seed: 900 + seed)
    let alphabet: [UInt8] = [
      0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x5C, 0x5B, 0x7E, 0x7F,
      0x80, 0xC3, 0xA6, 0xE2, 0x80, 0x93, 0x41, 0x61,
    ]
    for _ in 0..<300 {
      let length = Int(random.next() % 40)
      // Mostly plain text, so runs of eight clean bytes occur, with the odd special byte.
      let bytes: [UInt8] = (0..<length).map { _ in
        random.next() % 5 == 0
          ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(0x41 + random.next() % 26)
      }
      var sink = ByteSink(capacity: 16)
      bytes.withUnsafeBufferPointer { VoucherJSON.appendString($0, to: &sink) }
      #expect(Array(sink.bytes) == Self.reference(bytes), "\(bytes)")
    }
  }
}

/// CSV cells (quote doubling found with `memchr`, quoting checked eight bytes at a time) against
/// RFC 4180 read byte by byte, with the formula guard.
@Suite struct CSVCellTests {
  static func reference(_ text: [UInt8], delimiter: UInt8 = 0x2C) -> [UInt8] {
    let formula = [UInt8]("=+-@\t\r".utf8).contains(text.first ?? 0)
    let body = (formula ? [UInt8(ascii: "'")] : []) + text
    guard text.contains(where: { $0 == 0x22 || $0 == 0x0D || $0 == 0x0A || $0 == delimiter })
    else {
      return body
    }
    var out: [UInt8] = [0x22]
    for byte in body {
      out.append(byte)
      if byte == 0x22 { out.append(0x22) }
    }
    return out + [0x22]
  }

  static func row(description: String, delimiter: Character = ",") -> [UInt8] {
    let source = LineSource(
      ledgerID: "300119", topic: .funds, ledgerDate: LedgerDate(year: 2025, month: 1, day: 2)!,
      entryType: .capture, pspReference: "1", reference: "r", salesUnit: nil, position: 1)
    let line = JournalLine(
      account: "1579", accountName: "A", amount: 100, currency: "NOK", description: description,
      source: source)
    let voucher = Voucher(
      id: "V", date: source.ledgerDate, ledgerID: "300119", description: description,
      lines: [line])
    var bytes: [UInt8] = []
    CSVJournalEncoder(options: .init(delimiter: delimiter)).encode(voucher, into: &bytes)
    return bytes
  }

  /// Texts of 0–39 bytes, a third of them from an alphabet of bytes that matter (quotes, both
  /// delimiters, control bytes, formula characters, a two-byte letter), with `,` and with `;`.
  @Test(arguments: 0..<10, [",", ";"] as [Character])
  func cellsAreQuotedAsRFC4180Says(seed: UInt64, delimiter: Character) {
    var random = SplitMix64(seed: 1300 + seed)
    let alphabet: [UInt8] = Array("\"\",\r\n=+-@\t;'ab æ\u{1}\u{B}\u{C}\u{E}#!".utf8)
    let marker = Self.row(description: "MARKER", delimiter: delimiter)
    let markerBytes = Array("MARKER".utf8)
    let at = marker.indices.first { marker[$0...].starts(with: markerBytes) }!
    for _ in 0..<300 {
      let length = Int(random.next() % 40)
      let text: [UInt8] = (0..<length).map { _ in
        random.next() % 3 == 0
          ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(0x61 + random.next() % 26)
      }
      guard let string = String(validating: text, as: UTF8.self) else { continue }
      let expected =
        Array(marker[..<at]) + Self.reference(text, delimiter: delimiter.asciiValue!)
        + Array(marker[(at + markerBytes.count)...])
      #expect(
        Self.row(description: string, delimiter: delimiter) == expected,
        "\(string.debugDescription)")
    }
  }
}
