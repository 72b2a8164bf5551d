import LedgerCore

/// Builds compact JSON text byte by byte, with keys in the order written (the order the Report
/// API documents), so generated bodies are deterministic.
struct JSONWriter {
  /// The text so far.
  private(set) var bytes: [UInt8] = []
  /// Whether the next member or element needs a comma first, per open container.
  private var needsComma: [Bool] = []

  init(capacity: Int = 256) {
    bytes.reserveCapacity(capacity)
  }

  /// Opens an object, as a value or as the member `key`.
  mutating func beginObject(_ key: String? = nil) {
    prefix(key)
    bytes.append(UInt8(ascii: "{"))
    needsComma.append(false)
  }

  mutating func endObject() {
    needsComma.removeLast()
    bytes.append(UInt8(ascii: "}"))
  }

  /// Opens an array, as a value or as the member `key`.
  mutating func beginArray(_ key: String? = nil) {
    prefix(key)
    bytes.append(UInt8(ascii: "["))
    needsComma.append(false)
  }

  mutating func endArray() {
    needsComma.removeLast()
    bytes.append(UInt8(ascii: "]"))
  }

  /// A string value (`nil` writes `null`).
  mutating func string(_ key: String? = nil, _ value: String?) {
    prefix(key)
    guard let value else { return bytes += Array("null".utf8) }
    appendQuoted(value)
  }

  mutating func integer(_ key: String? = nil, _ value: Int64) {
    prefix(key)
    bytes += Array(String(value).utf8)
  }

  mutating func bool(_ key: String? = nil, _ value: Bool) {
    prefix(key)
    bytes += Array((value ? "true" : "false").utf8)
  }

  /// Already encoded JSON text as a value.
  mutating func raw(_ key: String? = nil, _ text: some Sequence<UInt8>) {
    prefix(key)
    bytes += text
  }

  /// The comma and key before a value.
  private mutating func prefix(_ key: String?) {
    if let last = needsComma.indices.last {
      if needsComma[last] { bytes.append(UInt8(ascii: ",")) }
      needsComma[last] = true
    }
    if let key {
      appendQuoted(key)
      bytes.append(UInt8(ascii: ":"))
    }
  }

  /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped,
  /// everything else as UTF-8.
  private mutating func appendQuoted(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }
}

extension JSONWriter {
  /// One entry in the API's key order; the GDPR fields only when `gdpr`.
  mutating func entry(_ entry: LedgerEntry, gdpr: Bool) {
    beginObject()
    string("pspReference", entry.pspReference)
    string("time", entry.time.raw)
    if let date = entry.ledgerDate { string("ledgerDate", date.description) }
    string("entryType", entry.entryType.rawValue)
    if let reference = entry.reference { string("reference", reference) }
    string("currency", entry.currency)
    integer("amount", entry.amount)
    integer("balanceBefore", entry.balanceBefore)
    integer("balanceAfter", entry.balanceAfter)
    string("recipientHandle", entry.recipientHandle)
    if gdpr {
      if let name = entry.name { string("name", name) }
      if let message = entry.message { string("message", message) }
      if let phone = entry.maskedPhoneNo { string("maskedPhoneNo", phone) }
    }
    endObject()
  }

  /// A complete compact page `{"cursor"?, "hasMore"?, "tryLater", "items"}` of `items` (each
  /// already encoded).
  static func page(
    cursor: String?, hasMore: Bool?, tryLater: Bool, items: [ArraySlice<UInt8>]
  ) -> [UInt8] {
    var writer = JSONWriter(capacity: items.reduce(64) { $0 + $1.count + 1 })
    writer.beginObject()
    if let cursor { writer.string("cursor", cursor) }
    if let hasMore { writer.bool("hasMore", hasMore) }
    writer.bool("tryLater", tryLater)
    writer.beginArray("items")
    for item in items { writer.raw(nil, item) }
    writer.endArray()
    writer.endObject()
    return writer.bytes
  }
}

/// Bodies laid out like the recordings in `samples/recorded` (two-space indentation), for pages
/// the replay mode builds itself: recorded items keep their own text and indentation.
enum RecordedLayout {
  /// `{ "cursor"?, "hasMore"?, "tryLater", "items": [ … ] }`.
  static func page(
    cursor: String?, hasMore: Bool?, tryLater: Bool, items: [ArraySlice<UInt8>]
  ) -> [UInt8] {
    var lines: [String] = []
    if let cursor { lines.append("  \"cursor\": \(quoted(cursor))") }
    if let hasMore { lines.append("  \"hasMore\": \(hasMore)") }
    lines.append("  \"tryLater\": \(tryLater)")
    return object(lines: lines, arrayKey: "items", elements: items)
  }

  /// `{ "cursor": …, "items": [ … ] }` of the ledger list.
  static func ledgerList(cursor: String, items: [ArraySlice<UInt8>]) -> [UInt8] {
    object(lines: ["  \"cursor\": \(quoted(cursor))"], arrayKey: "items", elements: items)
  }

  private static func object(lines: [String], arrayKey: String, elements: [ArraySlice<UInt8>])
    -> [UInt8]
  {
    var bytes = Array("{\n".utf8)
    for line in lines { bytes += Array((line + ",\n").utf8) }
    bytes += Array("  \"\(arrayKey)\": [".utf8)
    for (index, element) in elements.enumerated() {
      bytes += Array((index == 0 ? "\n    " : ",\n    ").utf8)
      bytes += element
    }
    bytes += Array((elements.isEmpty ? "]\n}\n" : "\n  ]\n}\n").utf8)
    return bytes
  }

  private static func quoted(_ text: String) -> String {
    var writer = JSONWriter()
    writer.string(nil, text)
    return String(decoding: writer.bytes, as: UTF8.self)
  }
}
