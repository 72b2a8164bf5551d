import ArgumentParser
import Foundation
import LedgerCore

/// Exit codes, documented in the README.
enum ExitStatus {
  /// Everything exported (open dates are normal and reported).
  static let ok: Int32 = 0
  /// Some ledger failed, or diagnostics at error level.
  static let ledgerFailed: Int32 = 1
  /// Usage or configuration error: nothing was exported.
  static let usage: Int32 = 2
}

/// A configuration or usage problem, printed as one line; exits with status 2.
struct UsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A run that completed but with failed ledgers; the report has been printed.
struct RunFailed: Error {}

@main
struct VippsLedgerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vipps-ledger",
    abstract: "Turn Vipps MobilePay Report API ledgers into balanced double-entry journals.",
    discussion: """
      Exit status: 0 all good (open dates are reported, not errors); 1 some ledger failed or \
      diagnostics at error level; 2 usage or configuration error.
      """,
    version: VippsLedger.version,
    subcommands: [
      ExportCommand.self, RunCommand.self, StatusCommand.self, HistoryCommand.self,
      DemoCommand.self, TailCommand.self, MappingCommand.self,
      ValidateCommand.self, MockServerCommand.self,
    ]
  )

  static func main() async {
    var command: any ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      if exitCode(for: error) == .success { exit(withError: error) }
      fail(fullMessage(for: error) + "\n" + usageHint, status: ExitStatus.usage)
    }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch is RunFailed {
      Foundation.exit(ExitStatus.ledgerFailed)
    } catch let error as UsageError {
      fail(error.description, status: ExitStatus.usage)
    } catch let error as ValidationError {
      fail(error.message + "\n" + usageHint, status: ExitStatus.usage)
    } catch let error as LocalizedError {
      fail(error.errorDescription ?? "\(error)", status: ExitStatus.usage)
    } catch {
      // --help and --version arrive here as errors of ArgumentParser's own help command.
      if exitCode(for: error) == .success { exit(withError: error) }
      fail(fullMessage(for: error), status: ExitStatus.usage)
    }
  }

  static let usageHint = "See 'vipps-ledger --help'."

  static func fail(_ message: String, status: Int32) -> Never {
    var text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandle.standardError.write(Data("vipps-ledger: error: \(text)".utf8))
    Foundation.exit(status)
  }
}
