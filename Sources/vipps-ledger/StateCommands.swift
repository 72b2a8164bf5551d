import ArgumentParser
import Foundation
import LedgerCore
import StateStore

/// Opens the state named by a configuration file.
func openState(config: String) throws -> (RunConfiguration, SQLiteStateStore) {
  do {
    let configuration = try RunConfiguration.load(contentsOf: config)
    guard FileManager.default.fileExists(atPath: configuration.state) else {
      throw UsageError(
        "no state at \(configuration.state) yet: nothing has run with this configuration")
    }
    return (configuration, try SQLiteStateStore(path: configuration.state))
  } catch let error as UsageError {
    throw error
  } catch {
    throw UsageError("\(error)")
  }
}

/// `vipps-ledger history`: past runs.
struct HistoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history", abstract: "List past runs of a configuration, newest first.")

  @Option(help: "Configuration file (YAML).")
  var config: String

  @Option(help: "How many runs to list.")
  var limit: Int = 20

  func run() throws {
    let (_, store) = try openState(config: config)
    let runs = try store.runs(limit: max(1, limit))
    if runs.isEmpty { print("no runs yet") }
    for run in runs {
      print(
        "\(run.runID)  started \(run.startedAt)  as of \(run.asOf)  \(run.status)"
          + (run.manifestPath.isEmpty ? "" : "  \(run.manifestPath)"))
    }
  }
}

/// `vipps-ledger status`: per ledger, the last exported date and open dates.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show per ledger the last exported date and the open dates.")

  @Option(help: "Configuration file (YAML).")
  var config: String

  func run() throws {
    let (configuration, store) = try openState(config: config)
    for client in configuration.clients {
      for ledger in client.ledgers {
        let exported = try store.exportedDates(ledger: ledger)
        let open = try store.openDates(ledger: ledger)
        var line = "\(client.id) ledger \(ledger): "
        if let last = exported.last {
          line += "last exported \(last.date) (\(exported.count) dates since \(exported[0].date))"
        } else {
          line += "nothing exported yet (starts \(client.start))"
        }
        if !open.isEmpty { line += ", open \(open.map(\.description).joined(separator: ", "))" }
        print(line)
      }
    }
  }
}
