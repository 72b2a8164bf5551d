import Foundation

/// The machine-readable account of an export: per ledger what was exported, what is still open,
/// counts, control totals and diagnostics. Written as JSON next to the outputs.
public struct RunReport: Sendable, Codable, Hashable {
  /// Debit and credit totals of one account in one ledger's exported vouchers.
  public struct AccountTotal: Sendable, Codable, Hashable {
    public var account: String
    public var name: String
    public var debit: String
    public var credit: String
    /// Debit minus credit.
    public var net: String
  }

  /// The reconciliation of one clearing account against the Vipps amounts and balance chain.
  public struct ClearingCheck: Sendable, Codable, Hashable {
    public var account: String
    public var topics: [Topic]
    /// Movement of the account in the exported vouchers (debit − credit).
    public var movement: String
    /// Sum of the exported entries' amounts.
    public var amountSum: String
    /// Sum over exported dates of (last balanceAfter − first balanceBefore).
    public var balanceChainMovement: String
    public var ok: Bool
  }

  /// One ledger's outcome.
  public struct LedgerReport: Sendable, Codable, Hashable {
    public var ledgerId: String
    public var currency: String?
    /// `exported` (every date in the period), `partial` (some dates open or pending), `failed`.
    public var status: String
    public var datesExported: [LedgerDate]
    /// Dates Vipps reports as not closed yet (`tryLater: true`).
    public var datesOpen: [LedgerDate]
    /// Dates after an open or unavailable date: not fetched, exported in a later run.
    public var datesPending: [LedgerDate]
    /// Dates the source has no data for.
    public var datesNotAvailable: [LedgerDate]
    public var entries: Int
    public var vouchers: Int
    /// Journal lines in the exported vouchers.
    public var lines: Int
    /// Entries booked on a suspense account because no rule matched.
    public var suspenseEntries: Int
    public var controlTotals: [AccountTotal]
    public var clearing: [ClearingCheck]
    public var diagnostics: [String]
  }

  /// One published file.
  public struct OutputFile: Sendable, Codable, Hashable {
    public var path: String
    public var format: String
    public var bytes: Int64
    public var sha256: String
  }

  public var tool: String
  public var toolVersion: String
  public var from: LedgerDate
  public var to: LedgerDate
  public var profile: String
  public var profileSHA256: String
  public var aggregation: Aggregation
  public var ledgers: [LedgerReport]
  public var outputs: [OutputFile]
  /// Problems not tied to one ledger.
  public var diagnostics: [String]
  public var errors: Int
  public var warnings: Int

  /// Whether every ledger exported without error-level diagnostics.
  public var isClean: Bool { errors == 0 && ledgers.allSatisfy { $0.status != "failed" } }

  /// The report as pretty, key-sorted JSON.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(self)
    data.append(UInt8(ascii: "\n"))
    return data
  }
}
