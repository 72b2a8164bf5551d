import AsyncHTTPClient
import LedgerCore
import Logging
import NIOCore

extension HTTPReportSource {
  /// Runs `body` with a source on a fresh HTTP client sized for `configuration`, shut down
  /// afterwards (structured: nothing outlives the call).
  public static func withSource<T>(
    configuration: ReportAPIConfiguration, credentials: ReportAPICredentials, logger: Logger,
    _ body: (HTTPReportSource) async throws -> T
  ) async throws -> T {
    var http = HTTPClient.Configuration()
    http.redirectConfiguration = .disallow
    http.connectionPool = .init(
      idleTimeout: .seconds(60),
      concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maximumConcurrentRequests))
    http.timeout = .init(
      connect: .seconds(10), read: .seconds(Int64(configuration.requestTimeout.components.seconds)))
    return try await HTTPClient.withHTTPClient(configuration: http) { client in
      try await body(
        HTTPReportSource(
          client: ReportAPIClient(
            configuration: configuration, credentials: credentials, http: client, logger: logger)))
    }
  }
}
