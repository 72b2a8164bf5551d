/// A voucher in the form the encoders write: every text is a range of one byte buffer, so the
/// mapper's hot path fills it (reusing its storage) without making strings, and a ``Voucher`` is
/// converted to it (``init(_:)``), which is how the public `encode(_:into:)` works.
struct VoucherFrame: ~Copyable {
  /// Where a line came from (``LineSource`` as ranges).
  struct Source: Equatable {
    var ledgerID: TextRange
    var topic: Topic
    var ledgerDate: LedgerDate
    var entryType: TextRange
    var pspReference: TextRange
    var reference: TextRange
    var salesUnit: TextRange
    /// -1 when absent.
    var position: Int
    var entryCount: Int
  }

  /// One line (``JournalLine`` as ranges).
  struct Line {
    var account: TextRange
    var accountName: TextRange
    var amount: Int64
    var currency: TextRange
    var role: LineRole
    /// Absent when the line has no VAT.
    var vatCode: TextRange
    var vatRate: Int64
    var vatBase: Int64
    var description: TextRange
    /// Indices into ``VoucherFrame/dimensions``, sorted by name in UTF-8 byte order.
    var dimensions: Range<Int>
    var source: Source
    /// The account's index in ``FrameMapper/accounts``; -1 when not mapped by it.
    var accountIndex = -1
    /// How the account is spelled, in ``FrameMapper/spellings``; -1 when not mapped by it.
    var accountSpelling = -1
  }

  var text = ByteSink(capacity: 1024)
  var id = TextRange.absent
  var date = LedgerDate(daysSinceEpoch: 0)
  var ledgerID = TextRange.absent
  var description = TextRange.absent
  var lines: [Line] = []
  var dimensions: [(name: TextRange, value: TextRange)] = []

  init() {
    lines.reserveCapacity(4)
  }

  /// Empties the frame, keeping its storage.
  mutating func reset() {
    text.removeAll()
    lines.removeAll(keepingCapacity: true)
    dimensions.removeAll(keepingCapacity: true)
  }

  /// Appends `bytes` to ``text``.
  @inline(__always)
  mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) -> TextRange {
    let start = text.count
    text.append(bytes)
    return TextRange(start: Int32(start), count: Int32(bytes.count))
  }

  /// Appends the name of `type`.
  mutating func addEntryType(_ type: EntryType) -> TextRange {
    if let name = type.knownName {
      return add(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
    return add(type.rawValue)
  }

  mutating func add(_ string: String?) -> TextRange {
    guard var string else { return .absent }
    return string.withUTF8 { add($0) }
  }

  /// The frame of `voucher`.
  init(_ voucher: Voucher) {
    self.init()
    id = add(voucher.id)
    date = voucher.date
    ledgerID = add(voucher.ledgerID.rawValue)
    description = add(voucher.description)
    for line in voucher.lines {
      let start = dimensions.count
      let sortedDimensions = line.dimensions.sorted {
        $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
      }
      for (name, value) in sortedDimensions {
        dimensions.append((add(name), add(value)))
      }
      let source = line.source
      lines.append(
        Line(
          account: add(line.account.rawValue), accountName: add(line.accountName),
          amount: line.amount, currency: add(line.currency), role: line.role,
          vatCode: add(line.vat?.code), vatRate: line.vat?.rateBasisPoints ?? 0,
          vatBase: line.vat?.baseMinorUnits ?? 0, description: add(line.description),
          dimensions: start..<dimensions.count,
          source: Source(
            ledgerID: add(source.ledgerID.rawValue), topic: source.topic,
            ledgerDate: source.ledgerDate, entryType: add(source.entryType.rawValue),
            pspReference: add(source.pspReference), reference: add(source.reference),
            salesUnit: add(source.salesUnit), position: source.position ?? -1,
            entryCount: source.entryCount)))
    }
  }
}

/// An encoder that writes ``VoucherFrame``s (every built-in format).
protocol FrameEncoder: JournalEncoder {
  /// See the default implementation.
  var fixedPrologue: [UInt8]? { get }

  /// Appends ``JournalEncoder/separator`` and the voucher's bytes to `sink`; `text` is the
  /// frame's ``VoucherFrame/text``.
  func encode(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, into sink: inout ByteSink)
}

extension FrameEncoder {
  /// The prologue when it does not depend on the export's metadata and vouchers have no
  /// separator (CSV, JSON Lines): the first ledger's spill file then starts with it and becomes
  /// the output file, so its bytes are written once. `nil` otherwise.
  var fixedPrologue: [UInt8]? { nil }

  /// Encodes a voucher through its frame.
  func encodeThroughFrame(_ voucher: Voucher, into buffer: inout [UInt8]) {
    let frame = VoucherFrame(voucher)
    var sink = ByteSink(capacity: 1024)
    encode(frame, text: frame.text.buffer, into: &sink)
    buffer.append(contentsOf: sink.bytes)
  }
}
