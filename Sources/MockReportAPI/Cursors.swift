import Foundation
import LedgerCore

/// The opaque cursors the server hands out: base64 of a small JSON object (or of a page number
/// for the dates endpoint, as in the recordings). Clients must send them back URL-encoded.
enum Cursor {
  /// Position after a ledger in the ledger list, with the list's filter (as documented:
  /// `{"afterLedgerId":"xxxx","settlesForRecipientHandles":null}`).
  struct LedgerList: Codable, Equatable {
    var afterLedgerId: String
    var settlesForRecipientHandles: [String]?
  }

  /// Position in a feed: before entry `offset` of `ledgerDate`.
  struct Feed: Codable, Equatable {
    var ledgerDate: String
    var offset: Int
  }

  /// Encodes a ledger-list cursor. The JSON is padded with spaces so that the base64 text always
  /// ends in `==`: every client has to URL-encode it.
  static func encode(_ cursor: LedgerList) -> String {
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("afterLedgerId", cursor.afterLedgerId)
    if let handles = cursor.settlesForRecipientHandles {
      writer.beginArray("settlesForRecipientHandles")
      for handle in handles { writer.string(nil, handle) }
      writer.endArray()
    } else {
      writer.raw("settlesForRecipientHandles", Array("null".utf8))
    }
    writer.endObject()
    var bytes = writer.bytes
    while bytes.count % 3 != 1 { bytes.insert(UInt8(ascii: " "), at: bytes.count - 1) }
    return Data(bytes).base64EncodedString()
  }

  /// Encodes a feed position.
  static func encode(_ cursor: Feed) -> String {
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("ledgerDate", cursor.ledgerDate)
    writer.integer("offset", Int64(cursor.offset))
    writer.endObject()
    return Data(writer.bytes).base64EncodedString()
  }

  /// The dates-endpoint cursor of page `number` (1-based): base64 of the number.
  static func encode(page number: Int) -> String {
    Data(String(number).utf8).base64EncodedString()
  }

  /// Decodes a cursor of type `T`; `nil` when it is not one.
  static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
    guard let data = Data(base64Encoded: text) else { return nil }
    return try? JSONDecoder().decode(type, from: data)
  }

  /// Decodes a dates-endpoint page number; `nil` when the cursor is not one.
  static func decodePage(_ text: String) -> Int? {
    guard let data = Data(base64Encoded: text),
      let number = Int(String(decoding: data, as: UTF8.self))
    else { return nil }
    return number
  }
}

/// Query-string decoding as application/x-www-form-urlencoded: `+` is a space and `%XX` a byte,
/// so a cursor sent without URL-encoding loses its `+` (and fails), as on a real server.
enum QueryString {
  /// The parameters of `query` (the part after `?`); the last of repeated names wins, and
  /// `lists` collects every value per name.
  static func parse(_ query: String?) -> (values: [String: String], lists: [String: [String]]) {
    var values: [String: String] = [:]
    var lists: [String: [String]] = [:]
    guard let query, !query.isEmpty else { return (values, lists) }
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = decode(parts[0])
      let value = parts.count > 1 ? decode(parts[1]) : ""
      values[name] = value
      lists[name, default: []].append(value)
    }
    return (values, lists)
  }

  /// Percent-decodes `text`, `+` as space; invalid escapes are kept as they are.
  static func decode(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    let utf8 = Array(text.utf8)
    var index = 0
    while index < utf8.count {
      let byte = utf8[index]
      if byte == UInt8(ascii: "+") {
        bytes.append(UInt8(ascii: " "))
      } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
        let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
      {
        bytes.append(high << 4 | low)
        index += 2
      } else {
        bytes.append(byte)
      }
      index += 1
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
