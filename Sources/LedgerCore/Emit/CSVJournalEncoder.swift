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
public struct CSVJournalEncoder: JournalEncoder {
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
  private let decimalSeparator: Character

  /// Creates an encoder for the given dialect.
  public init(options: Options = Options()) {
    self.options = options
    self.delimiterBytes = Array(String(options.delimiter).utf8)
    self.decimalSeparator = options.decimalComma ? "," : "."
  }

  /// `csv`.
  public var fileExtension: String { "csv" }

  /// Empty: every row ends with its own CRLF.
  public var separator: [UInt8] { [] }

  /// The optional byte order mark and the header row.
  public func prologue(_ metadata: ExportMetadata) -> [UInt8] {
    var buffer: [UInt8] = options.byteOrderMark ? [0xEF, 0xBB, 0xBF] : []
    for (index, column) in Self.columns.enumerated() {
      if index > 0 { buffer.append(contentsOf: delimiterBytes) }
      appendText(column, to: &buffer)
    }
    buffer.append(contentsOf: [0x0D, 0x0A])
    return buffer
  }

  /// Appends one CRLF-terminated row per line of the voucher.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    var date: [UInt8] = []
    date.appendDate(voucher.date)
    let ledgerID = voucher.ledgerID.rawValue
    for line in voucher.lines {
      appendText(voucher.id, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      buffer.append(contentsOf: date)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.account.rawValue, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.accountName, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      if line.amount >= 0 { appendAmount(line.amount, to: &buffer) }
      buffer.append(contentsOf: delimiterBytes)
      if line.amount < 0 { appendAmount(line.amount, to: &buffer) }
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.currency, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.vat?.code ?? "", to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.description, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(ledgerID, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.source.topic.rawValue, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.source.entryType.rawValue, to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.source.pspReference ?? "", to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.source.reference ?? "", to: &buffer)
      buffer.append(contentsOf: delimiterBytes)
      appendText(line.source.salesUnit ?? "", to: &buffer)
      buffer.append(contentsOf: [0x0D, 0x0A])
    }
  }

  /// Empty.
  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] { [] }

  /// Appends the magnitude of `minorUnits` with two decimals; safe for `Int64.min`.
  private func appendAmount(_ minorUnits: Int64, to buffer: inout [UInt8]) {
    var text = MoneyFormat.decimal(minorUnits, separator: decimalSeparator)
    text.withUTF8 { bytes in
      let magnitude = UnsafeBufferPointer(rebasing: bytes[(minorUnits < 0 ? 1 : 0)...])
      appendField(magnitude, neutralised: false, to: &buffer)
    }
  }

  /// Appends a text cell, neutralising a leading formula character with `'`.
  private func appendText(_ value: String, to buffer: inout [UInt8]) {
    var value = value
    value.withUTF8 { bytes in
      let formula: Bool
      switch bytes.first {
      case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
        formula = true
      default:
        formula = false
      }
      appendField(bytes, neutralised: formula, to: &buffer)
    }
  }

  /// Appends a cell, `'`-prefixed when `neutralised`, quoted when it contains the delimiter, `"`,
  /// CR or LF.
  private func appendField(
    _ bytes: UnsafeBufferPointer<UInt8>, neutralised: Bool, to buffer: inout [UInt8]
  ) {
    let quote = UInt8(ascii: "\"")
    guard needsQuoting(bytes) else {
      if neutralised { buffer.append(UInt8(ascii: "'")) }
      buffer.append(contentsOf: bytes)
      return
    }
    buffer.append(quote)
    if neutralised { buffer.append(UInt8(ascii: "'")) }
    var runStart = 0
    for index in bytes.indices where bytes[index] == quote {
      buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...index]))
      buffer.append(quote)
      runStart = index + 1
    }
    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    buffer.append(quote)
  }

  private func needsQuoting(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let delimiter = delimiterBytes.first ?? 0
    for index in bytes.indices {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") || byte == 0x0D || byte == 0x0A { return true }
      if byte == delimiter && bytes[index...].starts(with: delimiterBytes) { return true }
    }
    return false
  }
}
