import ArgumentParser
import Foundation
import LedgerCore
import Logging
import ReportAPI

/// Options for reading the live Report API (credentials come only from the environment).
struct LiveSourceOptions: ParsableArguments {
  @Option(
    help:
      "Report API base URL (default: $VIPPS_BASE_URL or https://api.vipps.no; http only to loopback)."
  )
  var baseURL: String?

  @Option(help: "Token endpoint path or URL (default: $VIPPS_TOKEN_URL, else by key type).")
  var tokenURL: String?

  @Option(help: "Requests in flight at the same time.")
  var maxRequests: Int = 8

  @Option(
    help:
      "Only ledgers that settle for this sales unit (settlesForRecipientHandles, e.g. NO:123455).")
  var salesUnit: String?

  @Option(help: "Global limit of requests started per second (default: none).")
  var maxRequestsPerSecond: Double?

  @Flag(help: "Ask for payer names, messages and masked phone numbers (includeGDPRSensitiveData).")
  var gdpr = false

  @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error.")
  var logLevel: String = "warning"

  /// The API configuration from options and environment (options win).
  func configuration(_ environment: [String: String] = ProcessInfo.processInfo.environment)
    throws -> ReportAPIConfiguration
  {
    do {
      var configuration = try ReportAPIConfiguration(
        baseURL: baseURL ?? environment["VIPPS_BASE_URL"]
          ?? ReportAPIConfiguration.productionBaseURL,
        version: VippsLedger.version)
      configuration.tokenURL = tokenURL ?? environment["VIPPS_TOKEN_URL"]
      configuration.maximumConcurrentRequests = max(1, maxRequests)
      configuration.maximumRequestsPerSecond = maxRequestsPerSecond
      configuration.includeGDPRSensitiveData = gdpr
      return configuration
    } catch {
      throw UsageError("\(error)")
    }
  }

  /// A logger writing to standard error at `--log-level`.
  func logger() throws -> Logger {
    guard let level = Logger.Level(rawValue: logLevel) else {
      throw UsageError("--log-level must be trace, debug, info, notice, warning or error")
    }
    var logger = Logger(label: "vipps-ledger") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
  }

  /// Runs `body` with a live source built from the environment's credentials.
  func withSource<T>(_ body: (HTTPReportSource) async throws -> T) async throws -> T {
    let credentials: ReportAPICredentials
    do {
      credentials = try ReportAPICredentials.fromEnvironment()
    } catch {
      throw UsageError("\(error)")
    }
    return try await HTTPReportSource.withSource(
      configuration: try configuration(), credentials: credentials, logger: try logger()
    ) { source in
      var source = source
      source.recipientHandle = salesUnit
      return try await body(source)
    }
  }
}
