#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Encodes a journal as CSV (RFC 4180): a header row, then one row per journal line.
///
/// Columns: `voucher_id,date,account,account_name,debit,credit,currency,vat_code,description,`
/// `ledger_id,topic,entry_type,psp_reference,reference,sales_unit`.
///
/// - Amounts have exactly two decimals. The side that is zero is an empty cell; a zero-amount line
///   writes `0.00` as debit.
/// - Fields containing the delimiter, `"`, CR or LF are quoted, with `"` doubled. Rows end with
///   CRLF. Text is UTF-8, optionally preceded by a byte order mark.
/// - Formula injection: a text cell (every column but `date`, `debit` and `credit`) that starts
///   with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`, so spreadsheets show it as text.
public struct CSVJournalEncoder: FrameEncoder {
  /// Dialect options.
  public struct Options: Sendable, Hashable {
    /// The field delimiter; `,` or `;` (Norwegian Excel). Must not be `"`, CR or LF.
    public var delimiter: Character
    /// Write amounts with a decimal comma (`125,00`). Meant to go with `;` as delimiter: with `,`
    /// every amount gets quoted because it contains the delimiter.
    public var decimalComma: Bool
    /// Start the file with a UTF-8 byte order mark (EF BB BF), which Excel needs to detect UTF-8.
    public var byteOrderMark: Bool

    /// Creates options; the defaults are plain RFC 4180 CSV with a decimal point and no BOM.
    public init(delimiter: Character = ",", decimalComma: Bool = false, byteOrderMark: Bool = false)
    {
      self.delimiter = delimiter
      self.decimalComma = decimalComma
      self.byteOrderMark = byteOrderMark
    }
  }

  /// The header row's column names, in order.
  public static let columns = [
    "voucher_id", "date", "account", "account_name", "debit", "credit", "currency", "vat_code",
    "description", "ledger_id", "topic", "entry_type", "psp_reference", "reference", "sales_unit",
  ]

  /// The dialect.
  public let options: Options
  private let delimiterBytes: [UInt8]
  private let decimalComma: Bool

  /// Creates an encoder for the given dialect.
  public init(options: Options = Options()) {
    self.options = options
    self.delimiterBytes = Array(String(options.delimiter).utf8)
    self.decimalComma = options.decimalComma
  }

  /// `csv`.
  public var fileExtension: String { "csv" }

  /// The prologue does not depend on the metadata.
  var fixedPrologue: [UInt8]? { prologue(ExportMetadata.placeholder) }

  /// Empty: every row ends with its own CRLF.
  public var separator: [UInt8] { [] }

  /// The optional byte order mark and the header row.
  public func prologue(_ metadata: ExportMetadata) -> [UInt8] {
    var sink = ByteSink(capacity: 512)
    if options.byteOrderMark { sink.append([0xEF, 0xBB, 0xBF]) }
    for (index, column) in Self.columns.enumerated() {
      if index > 0 { sink.append(delimiterBytes) }
      var column = column
      column.withUTF8 { appendText($0, to: &sink) }
    }
    sink.append(0x0D, 0x0A)
    return Array(sink.bytes)
  }

  /// Appends one CRLF-terminated row per line of the voucher.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    encodeThroughFrame(voucher, into: &buffer)
  }

  func encode(
    _ frame: borrowing VoucherFrame, text: UnsafeBufferPointer<UInt8>, into sink: inout ByteSink
  ) {
    let delimiter = delimiterBytes[0]
    let wide = delimiterBytes.count > 1
    @inline(__always) func separate(_ sink: inout ByteSink) {
      if wide {
        delimiterBytes.withUnsafeBufferPointer { sink.append($0) }
      } else {
        sink.append(delimiter)
      }
    }
    let separator = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    // The cells before the account and those after the VAT code are the voucher's or the
    // source's: written for the first line, copied for lines that share them.
    var prefix = 0..<0
    var suffix = 0..<0
    var previous: VoucherFrame.Line?
    for line in frame.lines {
      if prefix.isEmpty {
        let start = sink.count
        appendText(text.slice(frame.id), to: &sink)
        separate(&sink)
        sink.appendDate(frame.date)
        separate(&sink)
        prefix = start..<sink.count
      } else {
        sink.appendCopy(of: prefix)
      }
      appendText(text.slice(line.account), to: &sink)
      separate(&sink)
      appendText(text.slice(line.accountName), to: &sink)
      separate(&sink)
      if line.amount >= 0 { appendAmount(line.amount, separator: separator, to: &sink) }
      separate(&sink)
      if line.amount < 0 { appendAmount(line.amount, separator: separator, to: &sink) }
      separate(&sink)
      appendText(text.slice(line.currency), to: &sink)
      separate(&sink)
      appendText(text.slice(line.vatCode), to: &sink)
      if let previous, previous.description == line.description,
        previous.source == line.source
      {
        sink.appendCopy(of: suffix)
        continue
      }
      let start = sink.count
      separate(&sink)
      appendText(text.slice(line.description), to: &sink)
      separate(&sink)
      appendText(text.slice(frame.ledgerID), to: &sink)
      separate(&sink)
      sink.append(line.source.topic == .funds ? "funds" : "fees")
      separate(&sink)
      appendText(text.slice(line.source.entryType), to: &sink)
      separate(&sink)
      appendText(text.slice(line.source.pspReference), to: &sink)
      separate(&sink)
      appendText(text.slice(line.source.reference), to: &sink)
      separate(&sink)
      appendText(text.slice(line.source.salesUnit), to: &sink)
      sink.append(0x0D, 0x0A)
      suffix = start..<sink.count
      previous = line
    }
  }

  /// Empty.
  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] { [] }

  /// Appends the magnitude of `minorUnits` with two decimals; safe for `Int64.min`. With a
  /// decimal comma and `,` as delimiter the amount is quoted.
  @inline(__always)
  private func appendAmount(_ minorUnits: Int64, separator: UInt8, to sink: inout ByteSink) {
    let quoted = separator == delimiterBytes[0] && delimiterBytes.count == 1
    if quoted { sink.append(UInt8(ascii: "\"")) }
    sink.appendMagnitude(minorUnits, separator: separator)
    if quoted { sink.append(UInt8(ascii: "\"")) }
  }

  /// Appends a text cell, neutralising a leading formula character with `'`.
  @inline(__always)
  private func appendText(_ bytes: UnsafeBufferPointer<UInt8>, to sink: inout ByteSink) {
    let formula: Bool
    switch bytes.first {
    case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
      formula = true
    case nil:
      return
    default:
      formula = false
    }
    // Most cells need no quoting: checked and copied eight bytes at a time (any byte below 0x0E
    // sends the cell to the byte-by-byte path, which tells CR and LF from the others).
    let delimiter = delimiterBytes[0]
    if !formula, delimiterBytes.count == 1,
      sink.appendUnlessSpecial(
        bytes,
        word: {
          WordBytes.equal($0, UInt8(ascii: "\"")) | WordBytes.equal($0, delimiter)
            | WordBytes.below($0, 0x0E) != 0
        },
        byte: { $0 == UInt8(ascii: "\"") || $0 == delimiter || $0 < 0x0E })
    {
      return
    }
    appendField(bytes, neutralised: formula, to: &sink)
  }

  /// Appends a cell, `'`-prefixed when `neutralised`, quoted when it contains the delimiter, `"`,
  /// CR or LF.
  @inline(__always)
  private func appendField(
    _ bytes: UnsafeBufferPointer<UInt8>, neutralised: Bool, to sink: inout ByteSink
  ) {
    let quote = UInt8(ascii: "\"")
    guard needsQuoting(bytes) else {
      if neutralised { sink.append(UInt8(ascii: "'")) }
      sink.append(bytes)
      return
    }
    sink.append(quote)
    if neutralised { sink.append(UInt8(ascii: "'")) }
    // Quotes are doubled; the runs between them are copied whole (`memchr` finds the next).
    var runStart = 0
    while runStart < bytes.count,
      let found = memchr(bytes.baseAddress! + runStart, Int32(quote), bytes.count - runStart)
    {
      let index =
        runStart + (UnsafeRawPointer(found) - UnsafeRawPointer(bytes.baseAddress! + runStart))
      sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...index]))
      sink.append(quote)
      runStart = index + 1
    }
    sink.append(UnsafeBufferPointer(rebasing: bytes[runStart...]))
    sink.append(quote)
  }

  @inline(__always)
  private func needsQuoting(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let delimiter = delimiterBytes[0]
    var start = 0
    if let base = bytes.baseAddress {
      // Eight bytes at a time while none is `"`, CR, LF or the delimiter's first byte.
      while bytes.count - start >= 8 {
        let word = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
        let special =
          WordBytes.equal(word, 0x22) | WordBytes.equal(word, 0x0D) | WordBytes.equal(word, 0x0A)
          | WordBytes.equal(word, delimiter)
        guard special == 0 else { break }
        start += 8
      }
    }
    for index in start..<bytes.count {
      let byte = bytes[index]
      // One comparison for the common case: no byte below `=` can need quoting but these.
      if byte > UInt8(ascii: "\"") && byte != delimiter { continue }
      if byte == UInt8(ascii: "\"") || byte == 0x0D || byte == 0x0A { return true }
      if byte == delimiter
        && (delimiterBytes.count == 1 || bytes[index...].starts(with: delimiterBytes))
      {
        return true
      }
    }
    return false
  }
}
