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

  /// A human-readable summary: per client its ledgers, dates, vouchers, totals and problems.
  public func summary() -> String {
    var text = "vipps-ledger run \(runId) as of \(asOf): "
    let failedClients = Set(ledgers.filter { $0.status == "failed" }.map(\.client))
    let clients = Array(Set(ledgers.map(\.client))).sorted()
    text +=
      "\(clients.count - failedClients.count) of \(clients.count) clients ok, \(errors) errors\n"
    for client in clients {
      let rows = ledgers.filter { $0.client == client }
      text += "\n\(client): \(failedClients.contains(client) ? "FAILED" : "ok")\n"
      for row in rows {
        text += "  ledger \(row.ledgerId): \(row.status)"
        if !row.datesExported.isEmpty {
          text +=
            ", exported \(row.datesExported.first!)…\(row.datesExported.last!) (\(row.datesExported.count))"
        }
        text += ", \(row.vouchers) vouchers"
        if !row.datesOpen.isEmpty {
          text += ", open \(row.datesOpen.map(\.description).joined(separator: ", "))"
        }
        text += "\n"
        for total in row.controlTotals {
          text +=
            "    \(total.account) \(total.name): debit \(total.debit), credit \(total.credit)\n"
        }
        for diagnostic in row.diagnostics { text += "    \(diagnostic)\n" }
      }
    }
    if !unassignedLedgers.isEmpty {
      text += "\nledgers visible to the keys but assigned to no client (not exported): "
      text += unassignedLedgers.joined(separator: ", ") + "\n"
    }
    for diagnostic in diagnostics { text += diagnostic + "\n" }
    return text
  }

  /// Pretty, key-sorted JSON.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(self)
    data.append(UInt8(ascii: "\n"))
    return data
  }
}
