import Hummingbird
import Logging
import NIOCore

/// A faithful local Vipps MobilePay Report API server, for the demo, tests, benchmarks and users
/// (the real API has no test environment).
///
/// Endpoints: `POST /accesstoken/get` (merchant keys), `POST /miami/v1/token` (accounting
/// partner keys), `GET /settlement/v1/ledgers`, `GET /report/v2/ledgers/{id}/{topic}/dates/{date}`
/// and `GET /report/v2/ledgers/{id}/{topic}/feed`, with the documented paging, GDPR filtering,
/// error bodies and quirks. Data comes from a recording or a deterministic generator; faults and
/// latency can be injected (``MockServerConfiguration``).
///
/// ```swift
/// let configuration = MockServerConfiguration(data: .replay(directory: "samples/recorded"))
/// let server = MockReportAPIServer(configuration: configuration)
/// try await server.withRunning { port in
///   // talk to http://127.0.0.1:\(port)
/// }
/// ```
public struct MockReportAPIServer: Sendable {
  /// The configuration served.
  public let configuration: MockServerConfiguration
  /// Every request answered.
  public let log: RequestLog
  private let logger: Logger

  /// Creates a server; nothing is loaded or bound until it runs.
  /// - Parameters:
  ///   - configuration: Data, credentials, paging, latency and faults.
  ///   - log: Receives a record of every request.
  ///   - logger: Server diagnostics (Hummingbird's own); silent by default.
  public init(
    configuration: MockServerConfiguration, log: RequestLog = RequestLog(),
    logger: Logger = Logger(label: "mock-report-api", factory: { _ in SwiftLogNoOpLogHandler() })
  ) {
    self.configuration = configuration
    self.log = log
    self.logger = logger
  }

  /// Binds 127.0.0.1:`port` (0 = any free port), runs `body` with the bound port, then shuts the
  /// server down (also when `body` throws).
  /// - Returns: What `body` returns.
  /// - Throws: ``MockServerError`` when the data cannot be loaded, the bind error, or what
  ///   `body` throws.
  public func withRunning<T: Sendable>(
    port: Int = 0, _ body: @Sendable (Int) async throws -> T
  ) async throws -> T {
    let result = try await serve(host: "127.0.0.1", port: port, handleSignals: false) {
      ports -> T? in
      guard let bound = await ports.first(where: { _ in true }) else { return nil }
      return try await body(bound)
    }
    guard let result else { throw MockServerError("the mock server stopped before listening") }
    return result
  }

  /// Runs until cancelled or until SIGINT/SIGTERM (then stops gracefully), calling `onReady`
  /// with the bound port once listening. For `vipps-ledger mock-server`.
  /// - Throws: ``MockServerError`` when the data cannot be loaded, or the bind error.
  public func run(host: String = "127.0.0.1", port: Int, onReady: @Sendable (Int) async -> Void)
    async throws
  {
    let _: Bool? = try await serve(host: host, port: port, handleSignals: true) { ports in
      for await bound in ports { await onReady(bound) }
      return nil
    }
  }

  /// Runs the server in a child task while `body` consumes the bound port(s).
  ///
  /// When `body` returns a value the server is cancelled and that value returned; when it returns
  /// `nil` (the server stopped by itself) the server's own outcome is returned or thrown.
  private func serve<T: Sendable>(
    host: String, port: Int, handleSignals: Bool,
    _ body: (AsyncStream<Int>) async throws -> T?
  ) async throws -> T? {
    let service = try MockService(configuration: configuration, log: log)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let application = Application(
      responder: MockResponder(service: service),
      configuration: ApplicationConfiguration(
        address: .hostname(host, port: port), serverName: nil),
      onServerRunning: { channel in
        continuation.yield(channel.localAddress?.port ?? port)
      },
      logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        defer { continuation.finish() }
        if handleSignals {
          try await application.runService()
        } else {
          try await application.run()
        }
      }
      let result: T?
      do {
        result = try await body(ports)
      } catch {
        group.cancelAll()
        throw error
      }
      if result != nil { group.cancelAll() }
      // Surfaces a bind failure (or any other server error) when `body` got no port.
      do {
        try await group.waitForAll()
      } catch is CancellationError {}
      return result
    }
  }
}
