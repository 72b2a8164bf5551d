/// Everything one export needs. The command line builds it; the pipeline returns values.
public struct ExportRequest: Sendable {
  /// Where pages come from (replay directory or HTTP).
  public var source: any ReportSource
  /// Ledgers to export; `nil` exports every ledger the source lists.
  public var ledgers: [LedgerID]?
  public var from: LedgerDate
  public var to: LedgerDate
  public var profile: MappingProfile
  public var aggregation: Aggregation
  /// One encoder per output format.
  public var encoders: [any JournalEncoder]
  /// Directory the outputs and the run report are published in (created if missing).
  public var outputDirectory: String
  /// File name without extension, e.g. `journal-2025-10-20_2025-10-27`.
  public var fileStem: String
  /// Unmapped entries (suspense) are errors instead of warnings.
  public var strict: Bool
  public var toolVersion: String
  /// Ledgers processed at the same time (each fetches its dates in order).
  public var concurrency: Int
  /// Balance each ledger's topics ended with before `from` (from earlier runs), checked against
  /// the first entries.
  public var carriedBalances: [LedgerID: [Topic: Int64]] = [:]
  /// Write `<stem>.report.json` beside the outputs (nightly runs write a run manifest instead).
  public var writesReport = true
  /// Company, opening balances and creation date for SAF-T outputs; required when one of the
  /// encoders is a ``SAFTJournalEncoder``.
  public var saft: SAFTOptions?
  /// Use the frame lane (``FrameLane``) where it applies; `false` forces the reference path
  /// (``Mapper`` and ``Voucher``) for every entry, which the tests compare it with.
  var usesFrameLane = true
  /// The CPUs assumed when deciding whether a ledger reads its pages ahead (see
  /// ``LedgerActivity``); `nil`: those this process may run on. The tests force read-ahead on
  /// (a large number) and off (0) to compare the two.
  var readAheadCPUs: Int?

  public init(
    source: any ReportSource, ledgers: [LedgerID]?, from: LedgerDate, to: LedgerDate,
    profile: MappingProfile, aggregation: Aggregation, encoders: [any JournalEncoder],
    outputDirectory: String, fileStem: String? = nil, strict: Bool = false,
    toolVersion: String = VippsLedger.version, saft: SAFTOptions? = nil, concurrency: Int = 4
  ) {
    self.concurrency = concurrency
    self.saft = saft
    self.source = source
    self.ledgers = ledgers
    self.from = from
    self.to = to
    self.profile = profile
    self.aggregation = aggregation
    self.encoders = encoders
    self.outputDirectory = outputDirectory
    self.fileStem = fileStem ?? "journal-\(from)_\(to)"
    self.strict = strict
    self.toolVersion = toolVersion
  }
}

/// Progress of a running export, for the command line to show.
public enum ExportProgress: Sendable {
  case ledgerStarted(LedgerID, index: Int, count: Int)
  case dateFinished(LedgerID, LedgerDate, entries: Int)
  case ledgerFinished(RunReport.LedgerReport)
}

/// Product-wide constants.
public enum VippsLedger {
  /// The tool's version, written into outputs and reports.
  public static let version = "0.1.0"
}
