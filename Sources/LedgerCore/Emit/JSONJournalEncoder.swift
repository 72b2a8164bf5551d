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
public struct JSONJournalEncoder: JournalEncoder {
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
    buffer.appendLiteral(",\n")
    VoucherJSON.append(voucher, to: &buffer)
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
public struct JSONLinesJournalEncoder: JournalEncoder {
  /// Creates the encoder.
  public init() {}

  /// `jsonl`.
  public var fileExtension: String { "jsonl" }

  /// Empty: every voucher ends its own line.
  public var separator: [UInt8] { [] }

  /// Empty.
  public func prologue(_ metadata: ExportMetadata) -> [UInt8] { [] }

  /// Appends the voucher as one line of JSON ending with `\n`.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    VoucherJSON.append(voucher, to: &buffer)
    buffer.append(UInt8(ascii: "\n"))
  }

  /// Empty.
  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] { [] }
}

/// The JSON object of one voucher, shared by the document and JSON Lines encoders.
enum VoucherJSON {
  /// Appends the voucher object (no trailing newline), keys sorted.
  static func append(_ voucher: Voucher, to buffer: inout [UInt8]) {
    buffer.appendLiteral(#"{"date":"#)
    JSONText.appendDate(voucher.date, to: &buffer)
    buffer.appendLiteral(#","description":"#)
    JSONText.appendString(voucher.description, to: &buffer)
    buffer.appendLiteral(#","id":"#)
    JSONText.appendString(voucher.id, to: &buffer)
    buffer.appendLiteral(#","ledgerId":"#)
    JSONText.appendString(voucher.ledgerID.rawValue, to: &buffer)
    buffer.appendLiteral(#","lines":["#)
    for (index, line) in voucher.lines.enumerated() {
      if index > 0 { buffer.append(UInt8(ascii: ",")) }
      appendLine(line, to: &buffer)
    }
    buffer.appendLiteral("]}")
  }

  private static func appendLine(_ line: JournalLine, to buffer: inout [UInt8]) {
    buffer.appendLiteral(#"{"account":"#)
    JSONText.appendString(line.account.rawValue, to: &buffer)
    buffer.appendLiteral(#","accountName":"#)
    JSONText.appendString(line.accountName, to: &buffer)
    buffer.appendLiteral(#","credit":"#)
    JSONText.appendMagnitude(min(line.amount, 0), to: &buffer)
    buffer.appendLiteral(#","currency":"#)
    JSONText.appendString(line.currency, to: &buffer)
    buffer.appendLiteral(#","debit":"#)
    JSONText.appendMagnitude(max(line.amount, 0), to: &buffer)
    buffer.appendLiteral(#","description":"#)
    JSONText.appendString(line.description, to: &buffer)
    buffer.appendLiteral(#","dimensions":"#)
    JSONText.appendStringMap(line.dimensions, to: &buffer)
    buffer.appendLiteral(#","source":"#)
    appendSource(line.source, to: &buffer)
    buffer.appendLiteral(#","vat":"#)
    if let vat = line.vat {
      buffer.appendLiteral(#"{"base":"#)
      JSONText.appendAmount(vat.baseMinorUnits, to: &buffer)
      buffer.appendLiteral(#","code":"#)
      JSONText.appendString(vat.code, to: &buffer)
      buffer.appendLiteral(#","rate":"#)
      JSONText.appendAmount(vat.rateBasisPoints, to: &buffer)
      buffer.append(UInt8(ascii: "}"))
    } else {
      JSONText.appendNull(to: &buffer)
    }
    buffer.append(UInt8(ascii: "}"))
  }

  private static func appendSource(_ source: LineSource, to buffer: inout [UInt8]) {
    buffer.appendLiteral(#"{"entryCount":"#)
    JSONText.appendInt(source.entryCount, to: &buffer)
    buffer.appendLiteral(#","entryType":"#)
    JSONText.appendString(source.entryType.rawValue, to: &buffer)
    buffer.appendLiteral(#","ledgerDate":"#)
    JSONText.appendDate(source.ledgerDate, to: &buffer)
    buffer.appendLiteral(#","ledgerId":"#)
    JSONText.appendString(source.ledgerID.rawValue, to: &buffer)
    buffer.appendLiteral(#","position":"#)
    JSONText.appendOptionalInt(source.position, to: &buffer)
    buffer.appendLiteral(#","pspReference":"#)
    JSONText.appendOptionalString(source.pspReference, to: &buffer)
    buffer.appendLiteral(#","reference":"#)
    JSONText.appendOptionalString(source.reference, to: &buffer)
    buffer.appendLiteral(#","salesUnit":"#)
    JSONText.appendOptionalString(source.salesUnit, to: &buffer)
    buffer.appendLiteral(#","topic":"#)
    JSONText.appendString(source.topic.rawValue, to: &buffer)
    buffer.append(UInt8(ascii: "}"))
  }
}
