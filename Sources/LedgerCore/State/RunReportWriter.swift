import Foundation

/// Streams a run's report as ledgers finish: `runs/<id>.json` (the manifest) and `runs/<id>.txt`
/// (the human summary, grouped by client), both published atomically at the end. Only counters
/// stay in memory, so a run over thousands of ledgers does not grow with them.
final class RunReportWriter {
  private let json: AtomicFileWriter
  private let text: AtomicFileWriter
  private let encoder: JSONEncoder
  private var firstRow = true
  private var client: (id: String, ledgers: Int, failed: Int)?
  private(set) var clients = 0
  private(set) var failedClients = 0
  private(set) var failedLedgers = 0
  let manifestPath: String

  init(output: String, runID: String, header: [(String, String)], asOf: LedgerDate) throws {
    let runs = (output as NSString).appendingPathComponent("runs")
    try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
    manifestPath = "runs/\(runID).json"
    json = try AtomicFileWriter(destination: URL(fileURLWithPath: runs + "/\(runID).json"))
    text = try AtomicFileWriter(destination: URL(fileURLWithPath: runs + "/\(runID).txt"))
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var prologue = "{\n"
    for (key, value) in header { prologue += "  \(quoted(key)): \(value),\n" }
    prologue += "  \"ledgers\": ["
    try json.write(Array(prologue.utf8))
    try text.write(Array("vipps-ledger run \(runID) as of \(asOf)\n".utf8))
  }

  /// A JSON string literal.
  private func quoted(_ value: String) -> String {
    String(decoding: (try? encoder.encode(value)) ?? Data("\"\"".utf8), as: UTF8.self)
  }

  /// Adds one ledger's result; rows of one client must come together.
  func add(_ row: RunManifest.LedgerResult) throws {
    try json.write(
      Array(
        ((firstRow ? "\n    " : ",\n    ")
          + String(decoding: try encoder.encode(row), as: UTF8.self)).utf8))
    firstRow = false
    if client?.id != row.client {
      try closeClient()
      client = (row.client, 0, 0)
      clients += 1
      try text.write(Array("\n[\(row.client)]\n".utf8))
    }
    client?.ledgers += 1
    if row.status == "failed" {
      client?.failed += 1
      failedLedgers += 1
    }
    var line = "  ledger \(row.ledgerId): \(row.status)"
    if let first = row.datesExported.first, let last = row.datesExported.last {
      line += ", exported \(first)…\(last) (\(row.datesExported.count))"
    }
    line += ", \(row.vouchers) vouchers"
    if !row.datesOpen.isEmpty {
      line += ", open \(row.datesOpen.map(\.description).joined(separator: ", "))"
    }
    line += "\n"
    for total in row.controlTotals {
      line += "    \(total.account) \(total.name): debit \(total.debit), credit \(total.credit)\n"
    }
    for diagnostic in row.diagnostics { line += "    \(diagnostic)\n" }
    try text.write(Array(line.utf8))
  }

  private func closeClient() throws {
    guard let client else { return }
    if client.failed > 0 { failedClients += 1 }
    let ledgers = client.ledgers == 1 ? "1 ledger" : "\(client.ledgers) ledgers"
    let status =
      client.failed > 0 ? "FAILED (\(ledgers), \(client.failed) failed)" : "ok (\(ledgers))"
    try text.write(Array("\(client.id): \(status)\n".utf8))
  }

  /// Writes the closing parts and publishes both files.
  func finish(unassigned: [String], diagnostics: [String], errors: Int) throws {
    try closeClient()
    client = nil
    var epilogue = "\n  ],\n"
    epilogue +=
      "  \"unassignedLedgers\": \(String(decoding: try encoder.encode(unassigned), as: UTF8.self)),\n"
    epilogue +=
      "  \"diagnostics\": \(String(decoding: try encoder.encode(diagnostics), as: UTF8.self)),\n"
    epilogue += "  \"errors\": \(errors)\n}\n"
    try json.write(Array(epilogue.utf8))
    var summary = ""
    if !unassigned.isEmpty {
      summary += "\nledgers visible to the keys but assigned to no client (not exported): "
      summary += unassigned.joined(separator: ", ") + "\n"
    }
    for diagnostic in diagnostics { summary += diagnostic + "\n" }
    summary += "\n\(clients - failedClients) of \(clients) clients ok, \(errors) errors\n"
    try text.write(Array(summary.utf8))
    try json.commit()
    try text.commit()
  }
}
