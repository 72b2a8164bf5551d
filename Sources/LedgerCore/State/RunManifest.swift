import Foundation

/// The record of one `vipps-ledger run`. Its files, `<output>/runs/<runID>.json` and the summary
/// `<runID>.txt`, are written by ``RunReportWriter`` as ledgers finish.
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
    /// Vouchers written for the dates exported in this run.
    public var vouchers: Int
    public var diagnostics: [String]

    /// A ledger that failed before any work, with the reason.
    static func failed(client: String, ledger: String, _ reason: String) -> LedgerResult {
      LedgerResult(
        client: client, ledgerId: ledger, status: "failed", datesExported: [], datesOpen: [],
        datesPending: [], datesVerified: [], files: [], controlTotals: [], vouchers: 0,
        diagnostics: ["error: \(reason)"])
    }
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
  /// Ledgers the keys can see that no client claims (new grants show up here; never exported).
  public var unassignedLedgers: [String]
  /// Problems of the run as a whole.
  public var diagnostics: [String]
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

extension JSONEncoder {
  /// Compact JSON with sorted keys.
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }
}
