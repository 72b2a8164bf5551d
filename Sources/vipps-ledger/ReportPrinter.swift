import Foundation
import LedgerCore

/// Prints a run report for people.
enum ReportPrinter {
  static func print(_ report: RunReport, verbose: Bool) {
    var text = ""
    for ledger in report.ledgers {
      text += "ledger \(ledger.ledgerId) (\(ledger.currency ?? "?")): \(ledger.status)\n"
      text += "  dates exported: \(dateList(ledger.datesExported))\n"
      if !ledger.datesOpen.isEmpty { text += "  dates still open: \(dateList(ledger.datesOpen))\n" }
      if !ledger.datesPending.isEmpty {
        text += "  dates pending (after an open date): \(dateList(ledger.datesPending))\n"
      }
      if !ledger.datesNotAvailable.isEmpty {
        text += "  dates not available: \(dateList(ledger.datesNotAvailable))\n"
      }
      text += "  entries \(ledger.entries), vouchers \(ledger.vouchers)"
      text += ledger.suspenseEntries > 0 ? ", on suspense \(ledger.suspenseEntries)\n" : "\n"
      if verbose && !ledger.controlTotals.isEmpty {
        text += "  control totals:\n"
        for total in ledger.controlTotals {
          let name = total.name.isEmpty ? "" : " \(total.name)"
          text +=
            "    \(total.account)\(name): debit \(total.debit), credit \(total.credit), net \(total.net)\n"
        }
      }
      for check in ledger.clearing {
        text +=
          "  reconcile \(check.account) (\(check.topics.map(\.rawValue).joined(separator: "+"))): "
        text += check.ok ? "ok, movement \(check.movement)\n" : "MISMATCH\n"
      }
      for diagnostic in ledger.diagnostics { text += "  \(diagnostic)\n" }
    }
    for diagnostic in report.diagnostics { text += "\(diagnostic)\n" }
    for output in report.outputs { text += "wrote \(output.path) (\(output.bytes) bytes)\n" }
    text += "\(report.errors) errors, \(report.warnings) warnings\n"
    Swift.print(text, terminator: "")
  }

  /// Only error-level lines, on standard error.
  static func printErrors(_ report: RunReport) {
    let lines =
      report.ledgers.flatMap(\.diagnostics).filter { $0.hasPrefix("error") }
      + report.diagnostics.filter { $0.hasPrefix("error") }
    guard !lines.isEmpty else { return }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
  }

  private static func dateList(_ dates: [LedgerDate]) -> String {
    guard let first = dates.first, let last = dates.last else { return "none" }
    if dates.count == 1 { return first.description }
    if last.daysSinceEpoch - first.daysSinceEpoch == dates.count - 1 {
      return "\(first) … \(last) (\(dates.count))"
    }
    return dates.map(\.description).joined(separator: ", ")
  }
}
