import ArgumentParser
import Foundation
import LedgerCore
import Logging
import MockReportAPI

/// `vipps-ledger mock-server`: runs the local mock Report API until interrupted.
struct MockServerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mock-server",
    abstract: "Run a local mock of the Vipps MobilePay Report API (there is no test environment).",
    discussion: """
      Serves the token endpoints (POST /accesstoken/get, POST /miami/v1/token), \
      GET /settlement/v1/ledgers and the dates and feed endpoints of /report/v2, with the \
      documented paging, GDPR filtering and errors. Data comes from recorded responses (--samples, \
      default samples/recorded) or a deterministic generator (--synthetic). Accepts the accounting \
      keys demo-client / demo-secret and the merchant keys demo-merchant / demo-merchant-secret \
      (subscription key demo-subscription-key, MSN 123455). Stops on SIGINT or SIGTERM.
      """
  )

  @Option(help: "Directory of recorded Report API responses.")
  var samples: String?

  @Flag(help: "Serve generated ledgers instead of recorded responses.")
  var synthetic = false

  @Option(help: "Seed of the generated data (--synthetic).")
  var seed: UInt64 = 1

  @Option(help: "Number of generated ledgers (--synthetic).")
  var ledgers: Int = 3

  @Option(help: "Number of ledger dates (--synthetic).")
  var days: Int = 30

  @Option(help: "Approximate entries per day over both topics (--synthetic).")
  var entriesPerDay: Int = 100

  @Option(help: "The last N dates are still open: tryLater (--synthetic).")
  var openDays: Int = 1

  @Option(help: "First ledger date, YYYY-MM-DD (--synthetic). Default: --days before today.")
  var start: String?

  @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
  var port: Int = 8080

  @Option(help: "Entries per dates or feed page (sent as Vipps-Feed-Page-Size).")
  var pageSize: Int = 1000

  @Option(help: "Ledgers per /settlement/v1/ledgers page.")
  var ledgerPageSize: Int = 100

  @Option(help: "Share of requests that fail (429, 5xx, dropped, truncated, spurious 401), 0...1.")
  var faultRate: Double = 0

  @Option(help: "Seed of the fault decisions.")
  var faultSeed: UInt64 = 1

  @Option(help: "Latency added to every response, in milliseconds.")
  var latencyMs: Int = 0

  @Option(help: "Log level of the server's own diagnostics (trace … critical).")
  var logLevel: String = "warning"

  func validate() throws {
    guard (0...1).contains(faultRate) else {
      throw ValidationError("--fault-rate must be in 0...1")
    }
    guard latencyMs >= 0 else { throw ValidationError("--latency-ms must not be negative") }
    guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
    guard pageSize > 0, ledgerPageSize > 0 else {
      throw ValidationError("--page-size and --ledger-page-size must be positive")
    }
    guard Logger.Level(rawValue: logLevel) != nil else {
      throw ValidationError(
        "--log-level must be one of trace, debug, info, notice, warning, error, critical")
    }
    if synthetic {
      guard samples == nil else {
        throw ValidationError("--samples and --synthetic exclude each other")
      }
      guard ledgers > 0, days > 0, entriesPerDay > 0, openDays >= 0 else {
        throw ValidationError("--ledgers, --days and --entries-per-day must be positive")
      }
      if let start, LedgerDate(start) == nil {
        throw ValidationError("--start '\(start)' is not a date (YYYY-MM-DD)")
      }
    }
  }

  func run() async throws {
    let data: MockServerConfiguration.DataSource
    if synthetic {
      let first = start.flatMap(LedgerDate.init) ?? Self.today().adding(days: -days)
      data = .synthetic(
        .init(
          seed: seed, ledgers: ledgers, start: first, days: days, entriesPerDay: entriesPerDay,
          openDays: openDays))
    } else {
      let directory = samples ?? "samples/recorded"
      guard FileManager.default.fileExists(atPath: directory) else {
        throw UsageError(
          "sample directory '\(directory)' not found; run from the repository root or pass "
            + "--samples")
      }
      data = .replay(directory: directory)
    }
    var configuration = MockServerConfiguration(
      data: data, credentials: [.demo, .demoMerchant], ledgerPageSize: ledgerPageSize,
      pageSize: pageSize, latency: .milliseconds(latencyMs),
      faults: .uniform(rate: faultRate, seed: faultSeed))
    configuration.faults.slowDelay = .milliseconds(300)
    var logger = Logger(label: "vipps-ledger.mock-server") {
      StreamLogHandler.standardError(label: $0)
    }
    logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
    let server = MockReportAPIServer(configuration: configuration, logger: logger)
    do {
      try await server.run(port: port) { bound in
        let demo = MockServerConfiguration.Credential.demo
        let line =
          "mock Report API listening on http://127.0.0.1:\(bound) "
          + "(client id \(demo.clientID), secret \(demo.clientSecret))\n"
        FileHandle.standardOutput.write(Data(line.utf8))
      }
    } catch let error as MockServerError {
      throw UsageError(error.description)
    }
  }

  /// Today's date in UTC.
  static func today() -> LedgerDate {
    LedgerDate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))
  }
}
