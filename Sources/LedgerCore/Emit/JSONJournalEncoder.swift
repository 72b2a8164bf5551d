/// Encodes a journal as one JSON document (`vipps-ledger.journal`, format version 1).
///
/// The document is described by `schemas/journal.schema.json`. Keys are sorted in every object,
/// amounts are two-decimal strings (`"125.00"`), counts and positions are numbers. The metadata
/// and `"vouchers":[` sit on the first line, then one voucher per line:
///
/// ```
/// {"aggregation":"entry","format":"vipps-ledger.journal","formatVersion":1,…,"vouchers":[
/// {"date":"2025-10-21",…},
/// {"date":"2025-10-22",…}
/// ]}
/// ```
public struct JSONJournalEncoder: FrameEncoder {
  /// The `format` value of the document.
  public static let formatName = "vipps-ledger.journal"
  /// The `formatVersion` value of the document.
  public static let formatVersion = 1

  /// Creates the encoder.
  public init() {}

  /// `json`.
  public var fileExtension: String { "json" }

  /// `,` and a newline: vouchers are array elements, one per line.
  public var separator: [UInt8] { Array(",\n".utf8) }

  /// The document's metadata keys and `"vouchers":[` followed by a newline.
  public func prologue(_ metadata: ExportMetadata) -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(512 + 160 * metadata.ledgers.count)
    buffer.appendLiteral(#"{"aggregation":"#)
    JSONText.appendString(metadata.aggregation.rawValue, to: &buffer)
    buffer.appendLiteral(#","format":"#)
    JSONText.appendString(Self.formatName, to: &buffer)
    buffer.appendLiteral(#","formatVersion":"#)
    JSONText.appendInt(Self.formatVersion, to: &buffer)
    buffer.appendLiteral(#","ledgers":["#)
    for (index, ledger) in metadata.ledgers.enumerated() {
      if index > 0 { buffer.append(UInt8(ascii: ",")) }
      Self.appendLedger(ledger, to: &buffer)
    }
    buffer.appendLiteral(#"],"period":{"from":"#)
    JSONText.appendDate(metadata.from, to: &buffer)
    buffer.appendLiteral(#","to":"#)
    JSONText.appendDate(metadata.to, to: &buffer)
    buffer.appendLiteral(#"},"profile":{"name":"#)
    JSONText.appendString(metadata.profileName, to: &buffer)
    buffer.appendLiteral(#","sha256":"#)
    JSONText.appendString(metadata.profileSHA256, to: &buffer)
    buffer.appendLiteral(#"},"tool":{"name":"#)
    JSONText.appendString(metadata.toolName, to: &buffer)
    buffer.appendLiteral(#","version":"#)
    JSONText.appendString(metadata.toolVersion, to: &buffer)
    buffer.appendLiteral("},\"vouchers\":[\n")
    return buffer
  }

  /// Appends `,\n` and the voucher as one line of JSON.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    encodeThroughFrame(voucher, into: &buffer)
  }

  func encode(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, into sink: inout ByteSink
  ) {
    sink.append(UInt8(ascii: ","), UInt8(ascii: "\n"))
    VoucherJSON.append(frame, text: text, to: &sink)
  }

  /// Closes the voucher array and the document, ending with a newline.
  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] {
    Array("\n]}\n".utf8)
  }

  private static func appendLedger(_ ledger: ExportMetadata.LedgerSummary, to buffer: inout [UInt8])
  {
    buffer.appendLiteral(#"{"currency":"#)
    JSONText.appendString(ledger.currency, to: &buffer)
    buffer.appendLiteral(#","datesExported":"#)
    JSONText.appendDates(ledger.datesExported, to: &buffer)
    buffer.appendLiteral(#","datesOpen":"#)
    JSONText.appendDates(ledger.datesOpen, to: &buffer)
    buffer.appendLiteral(#","entries":"#)
    JSONText.appendInt(ledger.entries, to: &buffer)
    buffer.appendLiteral(#","ledgerId":"#)
    JSONText.appendString(ledger.ledgerID.rawValue, to: &buffer)
    buffer.appendLiteral(#","status":"#)
    JSONText.appendString(ledger.status, to: &buffer)
    buffer.appendLiteral(#","vouchers":"#)
    JSONText.appendInt(ledger.vouchers, to: &buffer)
    buffer.append(UInt8(ascii: "}"))
  }
}

/// Encodes a journal as JSON Lines: one voucher object per line, no metadata.
///
/// Each line validates against `#/$defs/voucher` of `schemas/journal.schema.json`; the voucher
/// objects are byte-identical to those of ``JSONJournalEncoder``.
public struct JSONLinesJournalEncoder: FrameEncoder {
  /// Creates the encoder.
  public init() {}

  /// `jsonl`.
  public var fileExtension: String { "jsonl" }

  /// No prologue at all.
  var fixedPrologue: [UInt8]? { [] }

  /// Empty: every voucher ends its own line.
  public var separator: [UInt8] { [] }

  /// Empty.
  public func prologue(_ metadata: ExportMetadata) -> [UInt8] { [] }

  /// Appends the voucher as one line of JSON ending with `\n`.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    encodeThroughFrame(voucher, into: &buffer)
  }

  func encode(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, into sink: inout ByteSink
  ) {
    VoucherJSON.append(frame, text: text, to: &sink)
    sink.append(UInt8(ascii: "\n"))
  }

  /// Empty.
  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] { [] }
}

/// The JSON object of one voucher, shared by the document and JSON Lines encoders.
enum VoucherJSON {
  /// Appends the voucher object (no trailing newline), keys sorted.
  static func append(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink
  ) {
    sink.append(#"{"date":""#)
    sink.appendDate(frame.date)
    sink.append(#"","description":"#)
    appendString(text.slice(frame.description), to: &sink)
    sink.append(#","id":"#)
    appendString(text.slice(frame.id), to: &sink)
    sink.append(#","ledgerId":"#)
    appendString(text.slice(frame.ledgerID), to: &sink)
    sink.append(#","lines":["#)
    // Lines mostly share their source: its object is written once and copied.
    var source = SourceCopy()
    for index in frame.lines.indices {
      if index > 0 { sink.append(UInt8(ascii: ",")) }
      appendLine(frame, index, text: text, source: &source, to: &sink)
    }
    sink.append(UInt8(ascii: "]"), UInt8(ascii: "}"))
  }

  /// The source object last written, and where it is in the sink.
  private struct SourceCopy {
    var source: VoucherFrame.Source?
    var bytes = 0..<0
  }

  @inline(__always)
  private static func appendLine(
    _ frame: borrowing VoucherFrame, _ index: Int, text: UnsafeBufferPointer<UInt8>,
    source previous: inout SourceCopy, to sink: inout ByteSink
  ) {
    let line = frame.lines[index]
    sink.append(#"{"account":"#)
    appendString(text.slice(line.account), to: &sink)
    sink.append(#","accountName":"#)
    appendString(text.slice(line.accountName), to: &sink)
    sink.append(#","credit":""#)
    sink.appendMagnitude(min(line.amount, 0))
    sink.append(#"","currency":"#)
    appendString(text.slice(line.currency), to: &sink)
    sink.append(#","debit":""#)
    sink.appendMagnitude(max(line.amount, 0))
    sink.append(#"","description":"#)
    appendString(text.slice(line.description), to: &sink)
    sink.append(#","dimensions":"#)
    if line.dimensions.isEmpty {
      sink.append("{}")
    } else {
      sink.append(UInt8(ascii: "{"))
      for dimension in line.dimensions {
        if dimension > line.dimensions.lowerBound { sink.append(UInt8(ascii: ",")) }
        let (name, value) = frame.dimensions[dimension]
        appendString(text.slice(name), to: &sink)
        sink.append(UInt8(ascii: ":"))
        appendString(text.slice(value), to: &sink)
      }
      sink.append(UInt8(ascii: "}"))
    }
    sink.append(#","source":"#)
    if previous.source == line.source {
      sink.appendCopy(of: previous.bytes)
    } else {
      let start = sink.count
      appendSource(line.source, text: text, to: &sink)
      previous = SourceCopy(source: line.source, bytes: start..<sink.count)
    }
    sink.append(#","vat":"#)
    if !line.vatCode.isAbsent {
      sink.append(#"{"base":"#)
      appendAmount(line.vatBase, to: &sink)
      sink.append(#","code":"#)
      appendString(text.slice(line.vatCode), to: &sink)
      sink.append(#","rate":"#)
      appendAmount(line.vatRate, to: &sink)
      sink.append(UInt8(ascii: "}"))
    } else {
      sink.append("null")
    }
    sink.append(UInt8(ascii: "}"))
  }

  @inline(__always)
  private static func appendSource(
    _ source: VoucherFrame.Source, text: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink
  ) {
    sink.append(#"{"entryCount":"#)
    sink.appendDecimal(source.entryCount)
    sink.append(#","entryType":"#)
    appendString(text.slice(source.entryType), to: &sink)
    sink.append(#","ledgerDate":""#)
    sink.appendDate(source.ledgerDate)
    sink.append(#"","ledgerId":"#)
    appendString(text.slice(source.ledgerID), to: &sink)
    sink.append(#","position":"#)
    if source.position >= 0 {
      sink.appendDecimal(source.position)
    } else {
      sink.append("null")
    }
    sink.append(#","pspReference":"#)
    appendOptionalString(source.pspReference, text: text, to: &sink)
    sink.append(#","reference":"#)
    appendOptionalString(source.reference, text: text, to: &sink)
    sink.append(#","salesUnit":"#)
    appendOptionalString(source.salesUnit, text: text, to: &sink)
    sink.append(source.topic == .funds ? #","topic":"funds"}"# : #","topic":"fees"}"#)
  }

  @inline(__always)
  private static func appendOptionalString(
    _ range: TextRange, text: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink
  ) {
    if range.isAbsent {
      sink.append("null")
    } else {
      appendString(text.slice(range), to: &sink)
    }
  }

  /// Appends a quoted two-decimal amount with its sign, e.g. `"-125.00"`.
  @inline(__always)
  private static func appendAmount(_ minorUnits: Int64, to sink: inout ByteSink) {
    sink.append(UInt8(ascii: "\""))
    if minorUnits < 0 { sink.append(UInt8(ascii: "-")) }
    sink.appendMagnitude(minorUnits)
    sink.append(UInt8(ascii: "\""))
  }

  /// `\n`, `\r`, `\t`, `\b`, `\f`, `\"`, `\\`, or `\u00XX` for another control character.
  private static func appendEscaped(_ byte: UInt8, to sink: inout ByteSink) {
    let hex: StaticString = "0123456789abcdef"
    sink.append(UInt8(ascii: "\\"))
    switch byte {
    case 0x0A: sink.append(UInt8(ascii: "n"))
    case 0x0D: sink.append(UInt8(ascii: "r"))
    case 0x09: sink.append(UInt8(ascii: "t"))
    case 0x08: sink.append(UInt8(ascii: "b"))
    case 0x0C: sink.append(UInt8(ascii: "f"))
    case ..<0x20:
      sink.append("u00")
      sink.append(hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)])
    default: sink.append(byte)  // `"` and `\`
    }
  }

  /// Appends a JSON string literal, quotes included: escapes `"`, `\` and control characters
  /// below U+0020; all other UTF-8, such as `æøå`, is copied unchanged.
  @inline(__always)
  static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink) {
    sink.append(UInt8(ascii: "\""))
    // Most strings need no escaping: checked and copied eight bytes at a time.
    if sink.appendUnlessSpecial(
      bytes,
      word: {
        WordBytes.equal($0, UInt8(ascii: "\"")) | WordBytes.equal($0, UInt8(ascii: "\\"))
          | WordBytes.below($0, 0x20) != 0
      },
      byte: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 })
    {
      sink.append(UInt8(ascii: "\""))
      return
    }
    var runStart = 0
    var start = 0
    if let base = bytes.baseAddress {
      // Eight bytes at a time while none needs escaping: no `"`, `\\` or byte below 0x20.
      while bytes.count - start >= 8 {
        let word = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
        let special =
          WordBytes.equal(word, UInt8(ascii: "\"")) | WordBytes.equal(word, UInt8(ascii: "\\"))
          | WordBytes.below(word, 0x20)
        guard special == 0 else { break }
        start += 8
      }
    }
    for index in start..<bytes.count {
      let byte = bytes[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
        continue
      }
      sink.append(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
      appendEscaped(byte, to: &sink)
      runStart = index + 1
    }
    sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...]))
    sink.append(UInt8(ascii: "\""))
  }
}
