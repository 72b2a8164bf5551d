/// Voucher granularity.
public enum Aggregation: String, Sendable, Hashable, CaseIterable, Codable {
  /// One voucher per Vipps entry.
  case entry
  /// One voucher per ledger and ledger date, lines summed per account, topic, entry type, VAT code
  /// and dimensions.
  case daily
}

/// What an export covered, written at the top of JSON outputs.
public struct ExportMetadata: Hashable, Sendable {
  /// Outcome of one ledger in an export.
  public struct LedgerSummary: Hashable, Sendable {
    public var ledgerID: LedgerID
    public var currency: String
    /// `exported`, `partial` (some dates open) or `failed`.
    public var status: String
    public var datesExported: [LedgerDate]
    public var datesOpen: [LedgerDate]
    public var entries: Int
    public var vouchers: Int

    public init(
      ledgerID: LedgerID, currency: String, status: String, datesExported: [LedgerDate],
      datesOpen: [LedgerDate], entries: Int, vouchers: Int
    ) {
      self.ledgerID = ledgerID
      self.currency = currency
      self.status = status
      self.datesExported = datesExported
      self.datesOpen = datesOpen
      self.entries = entries
      self.vouchers = vouchers
    }
  }

  public var toolName: String
  public var toolVersion: String
  public var from: LedgerDate
  public var to: LedgerDate
  public var profileName: String
  /// Lower-case hex SHA-256 of the mapping profile file's bytes.
  public var profileSHA256: String
  public var aggregation: Aggregation
  /// Only ledgers whose vouchers are in the file (failed ledgers are listed in the run report).
  public var ledgers: [LedgerSummary]
  /// Accounts, balances, tax codes and totals in the reporting currency (SAF-T exports only).
  public var reporting: ReportingSummary?

  public init(
    toolName: String = "vipps-ledger", toolVersion: String, from: LedgerDate, to: LedgerDate,
    profileName: String, profileSHA256: String, aggregation: Aggregation, ledgers: [LedgerSummary],
    reporting: ReportingSummary? = nil
  ) {
    self.reporting = reporting
    self.toolName = toolName
    self.toolVersion = toolVersion
    self.from = from
    self.to = to
    self.profileName = profileName
    self.profileSHA256 = profileSHA256
    self.aggregation = aggregation
    self.ledgers = ledgers
  }
}

/// Turns vouchers into the bytes of one output format.
///
/// A file is `prologue + encode(v1) + encode(v2) + … + epilogue`, where every `encode` output begins
/// with ``separator``; the assembler drops the separator in front of the file's first voucher. This
/// lets vouchers be encoded into per-ledger spill files before the file's metadata is known.
public protocol JournalEncoder: Sendable {
  /// File extension without the dot: `csv`, `json`, `jsonl`.
  var fileExtension: String { get }
  /// Bytes every ``encode(_:into:)`` output starts with (e.g. `,\n` in JSON; empty for CSV).
  var separator: [UInt8] { get }
  /// Bytes before the first voucher (CSV: BOM and header row; JSON: the metadata and `"vouchers": [`).
  func prologue(_ metadata: ExportMetadata) -> [UInt8]
  /// Appends `separator` and the voucher's bytes to `buffer`.
  func encode(_ voucher: Voucher, into buffer: inout [UInt8])
  /// Bytes after the last voucher.
  func epilogue(_ metadata: ExportMetadata) -> [UInt8]
}

extension ExportMetadata {
  /// Metadata for encoders whose prologue does not depend on it.
  static let placeholder = ExportMetadata(
    toolVersion: "", from: LedgerDate(daysSinceEpoch: 0), to: LedgerDate(daysSinceEpoch: 0),
    profileName: "", profileSHA256: "", aggregation: .entry, ledgers: [])
}
