/// A run of bytes in a ``RawEntries`` buffer; `count == -1` marks an absent (or `null`) field.
struct TextRange: Sendable, Hashable {
  var start: Int32
  var count: Int32

  static let absent = TextRange(start: 0, count: -1)

  var isAbsent: Bool { count < 0 }
}

/// One Report API entry whose text fields are ranges of its page's buffer: decoding a page makes
/// no `String` per field, and the hot path (check → map → encode) reads the bytes directly.
///
/// ``RawEntries/entry(_:)`` turns it into the ``LedgerEntry`` the `JSONDecoder` reference
/// decodes (tested on random and damaged pages).
struct RawEntry: Sendable {
  var pspReference: TextRange
  var time: TextRange
  var reference: TextRange
  var currency: TextRange
  var recipientHandle: TextRange
  var name: TextRange
  var message: TextRange
  var maskedPhoneNo: TextRange
  var entryType: EntryType
  var ledgerDate: LedgerDate?
  /// The instant of `time`, microseconds since 1970-01-01T00:00:00Z.
  var timeMicroseconds: Int64
  var amount: Int64
  var balanceBefore: Int64
  var balanceAfter: Int64
}

/// The entries of one page: the page's bytes (escaped strings unescaped after them) and the
/// entries as ranges of those bytes. Immutable once built.
final class RawEntries: Sendable {
  let bytes: [UInt8]
  let entries: [RawEntry]

  init(bytes: [UInt8], entries: [RawEntry]) {
    self.bytes = bytes
    self.entries = entries
  }

  /// Builds the storage from decoded entries (a page made in code, or read from a cache).
  convenience init(_ items: [LedgerEntry]) {
    var builder = Builder(capacity: items.count * 128)
    var entries: [RawEntry] = []
    entries.reserveCapacity(items.count)
    for item in items {
      entries.append(
        RawEntry(
          pspReference: builder.append(item.pspReference), time: builder.append(item.time.raw),
          reference: builder.append(item.reference), currency: builder.append(item.currency),
          recipientHandle: builder.append(item.recipientHandle), name: builder.append(item.name),
          message: builder.append(item.message), maskedPhoneNo: builder.append(item.maskedPhoneNo),
          entryType: item.entryType, ledgerDate: item.ledgerDate,
          timeMicroseconds: item.time.epochMicroseconds, amount: item.amount,
          balanceBefore: item.balanceBefore, balanceAfter: item.balanceAfter))
    }
    self.init(bytes: builder.bytes, entries: entries)
  }

  /// Appends text to a byte buffer, handing out ranges.
  struct Builder {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// A builder starting with a copy of `source` (ranges of unescaped tokens point into it).
    init(copying source: UnsafeBufferPointer<UInt8>) {
      bytes = Array(source)
    }

    mutating func append(_ text: String?) -> TextRange {
      guard var text else { return .absent }
      let start = bytes.count
      text.withUTF8 { bytes.append(contentsOf: $0) }
      return TextRange(start: Int32(start), count: Int32(bytes.count - start))
    }
  }

  /// The entry as the reference decoder gives it.
  func entry(_ index: Int) -> LedgerEntry {
    bytes.withUnsafeBufferPointer { LedgerEntry(entries[index], bytes: $0) }
  }

  /// Every entry as the reference decoder gives it.
  var items: [LedgerEntry] { entries.indices.map(entry) }
}

extension LedgerEntry {
  /// The entry `raw`, whose text is in `bytes`.
  init(_ raw: RawEntry, bytes: UnsafeBufferPointer<UInt8>) {
    func string(_ range: TextRange) -> String? {
      range.isAbsent ? nil : String(decoding: bytes.slice(range), as: UTF8.self)
    }
    let timeText = string(raw.time) ?? ""
    self.init(
      pspReference: string(raw.pspReference) ?? "",
      time: EntryTime(raw: timeText, epochMicroseconds: raw.timeMicroseconds),
      ledgerDate: raw.ledgerDate, entryType: raw.entryType, reference: string(raw.reference),
      currency: string(raw.currency) ?? "", amount: raw.amount, balanceBefore: raw.balanceBefore,
      balanceAfter: raw.balanceAfter, recipientHandle: string(raw.recipientHandle),
      name: string(raw.name), message: string(raw.message),
      maskedPhoneNo: string(raw.maskedPhoneNo))
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// The bytes of `range` (empty when absent).
  @inline(__always)
  func slice(_ range: TextRange) -> UnsafeBufferPointer<UInt8> {
    guard range.count > 0 else { return UnsafeBufferPointer(start: baseAddress, count: 0) }
    return UnsafeBufferPointer(start: baseAddress! + Int(range.start), count: Int(range.count))
  }
}
