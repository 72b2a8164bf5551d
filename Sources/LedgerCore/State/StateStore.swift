import Foundation

/// One file written for an exported ledger date.
public struct ExportedFile: Sendable, Hashable, Codable {
  /// Path relative to the output root.
  public var path: String
  public var sha256: String
  public var bytes: Int64

  public init(path: String, sha256: String, bytes: Int64) {
    self.path = path
    self.sha256 = sha256
    self.bytes = bytes
  }
}

/// What the state remembers about a ledger date that has been exported.
public struct ExportedDate: Sendable, Hashable, Codable {
  public var ledgerID: LedgerID
  public var date: LedgerDate
  /// The run that exported it.
  public var runID: String
  public var files: [ExportedFile]
  public var entries: Int
  public var vouchers: Int
  public var controlTotals: [RunReport.AccountTotal]
  /// SHA-256 over the date's pages (both topics, canonical JSON): re-checked by the lookback.
  public var contentSHA256: String
  /// `balanceAfter` of the date's last entry per topic (or the carried balance when empty), so the
  /// next date's chain can be checked.
  public var closingBalances: [Topic: Int64]

  public init(
    ledgerID: LedgerID, date: LedgerDate, runID: String, files: [ExportedFile], entries: Int,
    vouchers: Int, controlTotals: [RunReport.AccountTotal], contentSHA256: String,
    closingBalances: [Topic: Int64]
  ) {
    self.ledgerID = ledgerID
    self.date = date
    self.runID = runID
    self.files = files
    self.entries = entries
    self.vouchers = vouchers
    self.controlTotals = controlTotals
    self.contentSHA256 = contentSHA256
    self.closingBalances = closingBalances
  }
}

/// One run of `vipps-ledger run`.
public struct RunRecord: Sendable, Hashable, Codable {
  public var runID: String
  /// ISO 8601 UTC time the run started.
  public var startedAt: String
  public var asOf: LedgerDate
  public var toolVersion: String
  public var configSHA256: String
  /// `running`, `ok`, `failed` (some ledger failed), `interrupted` (never finished).
  public var status: String
  /// Path of the run manifest, relative to the output root; empty until finished.
  public var manifestPath: String

  public init(
    runID: String, startedAt: String, asOf: LedgerDate, toolVersion: String,
    configSHA256: String, status: String = "running", manifestPath: String = ""
  ) {
    self.runID = runID
    self.startedAt = startedAt
    self.asOf = asOf
    self.toolVersion = toolVersion
    self.configSHA256 = configSHA256
    self.status = status
    self.manifestPath = manifestPath
  }
}

/// Remembered state of nightly runs: exported and open dates per ledger, cached closed pages,
/// run records. SQLite by default (`StateStore` target); designed so a PostgreSQL store shared by
/// many workers can implement the same protocol.
///
/// Every method is one transaction; a method that throws changed nothing.
public protocol StateStore: Sendable {
  /// Exported dates of `ledger`, oldest first.
  func exportedDates(ledger: LedgerID) throws -> [ExportedDate]
  /// Records (or replaces) an exported date and clears it from the open dates.
  func recordExported(_ record: ExportedDate) throws
  /// Remembers that `date` was seen open in `runID`.
  func recordOpen(ledger: LedgerID, date: LedgerDate, runID: String) throws
  /// Dates seen open and not exported since, oldest first.
  func openDates(ledger: LedgerID) throws -> [LedgerDate]
  /// The cached pages of a closed date (canonical JSON bodies, in order), or `nil`.
  func cachedPages(ledger: LedgerID, topic: Topic, date: LedgerDate) throws -> [Data]?
  /// Caches the pages of a closed date.
  func cachePages(ledger: LedgerID, topic: Topic, date: LedgerDate, pages: [Data]) throws
  /// Records a run as started.
  func beginRun(_ run: RunRecord) throws
  /// Marks a run finished with `status` and its manifest path.
  func finishRun(runID: String, status: String, manifestPath: String) throws
  /// The most recent runs, newest first.
  func runs(limit: Int) throws -> [RunRecord]
  /// Every ledger with exported or open dates, sorted.
  func ledgers() throws -> [LedgerID]
}

/// A state store that cannot be used (corrupt, newer schema, unreadable).
public struct StateStoreError: Error, LocalizedError, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
  public var errorDescription: String? { description }
}
