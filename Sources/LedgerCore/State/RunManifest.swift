import Foundation

/// The machine-readable record of one `vipps-ledger run`, written to `<output>/runs/<runID>.json`.
public struct RunManifest: Sendable, Codable, Hashable {
  /// One ledger's outcome in the run.
  public struct LedgerResult: Sendable, Codable, Hashable {
    public var client: String
    public var ledgerId: String
    /// `ok`, `nothing-new`, `failed`.
    public var status: String
    public var datesExported: [LedgerDate]
    public var datesOpen: [LedgerDate]
    public var datesPending: [LedgerDate]
    /// Exported dates re-fetched by the lookback and found unchanged.
    public var datesVerified: [LedgerDate]
    public var files: [ExportedFile]
    public var controlTotals: [RunReport.AccountTotal]
    public var diagnostics: [String]
  }

  public var runId: String
  public var tool: String
  public var toolVersion: String
  public var startedAt: String
  public var asOf: LedgerDate
  public var configSHA256: String
  /// Mapping profile name → SHA-256 of its file.
  public var mappingSHA256: [String: String]
  public var ledgers: [LedgerResult]
  public var errors: Int

  /// Whether no ledger failed.
  public var isClean: Bool { errors == 0 }

  /// Pretty, key-sorted JSON.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(self)
    data.append(UInt8(ascii: "\n"))
    return data
  }
}
