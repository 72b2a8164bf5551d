import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// Authenticated, retried, concurrency-limited GET requests to the Report API.
///
/// Every request carries the bearer token (refreshed before expiry and once after a 401), the
/// `Vipps-System-*` headers and, for merchant keys, `Ocp-Apim-Subscription-Key` and
/// `Merchant-Serial-Number`. Retries follow ``RetryStateMachine``; at most
/// `maximumConcurrentRequests` requests are in flight.
public struct ReportAPIClient: Sendable {
  public let configuration: ReportAPIConfiguration
  let credentials: ReportAPICredentials
  let http: HTTPClient
  let logger: Logger
  private let tokens: TokenProvider
  private let limiter: ConcurrencyLimiter

  /// Creates a client on an `HTTPClient` the caller owns (and shuts down).
  public init(
    configuration: ReportAPIConfiguration, credentials: ReportAPICredentials, http: HTTPClient,
    logger: Logger
  ) {
    self.configuration = configuration
    self.credentials = credentials
    self.http = http
    self.logger = logger
    tokens = TokenProvider(
      credentials: credentials, configuration: configuration, http: http, logger: logger)
    limiter = ConcurrencyLimiter(
      limit: configuration.maximumConcurrentRequests,
      interval: configuration.maximumRequestsPerSecond.flatMap { $0 > 0 ? .seconds(1 / $0) : nil })
  }

  /// Requests sent and retried so far (for progress displays).
  public let statistics = RequestStatistics()

  /// A failed GET: the HTTP status (0 for transport failures) and a message without secrets.
  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let description: String
  }

  /// GETs `path` with `query` and decodes the 2xx body with `decode`; a body `decode` rejects
  /// is treated like a truncated body (retried), and its error is thrown when retries run out.
  ///
  /// - Throws: ``Failure`` for statuses and transport errors, or `decode`'s error.
  public func get<T: Sendable>(
    _ path: String, query: [(String, String)] = [], decode: @Sendable (Data) throws -> T
  ) async throws -> T {
    var url = configuration.baseURL + path
    if !query.isEmpty {
      url += "?" + query.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
    }
    var retry = RetryStateMachine(policy: configuration.backoff)
    var lastDecodeError: (any Error)?
    while true {
      let token = try await tokens.token()
      var request = HTTPClientRequest(url: url)
      request.method = .GET
      request.headers.add(name: "Authorization", value: "Bearer \(token)")
      request.headers.add(name: "Accept", value: "application/json")
      for (name, value) in configuration.systemHeaders {
        request.headers.add(name: name, value: value)
      }
      if credentials.flow == .merchant {
        if let key = credentials.subscriptionKey {
          request.headers.add(name: "Ocp-Apim-Subscription-Key", value: key.value)
        }
        if let msn = credentials.merchantSerialNumber {
          request.headers.add(name: "Merchant-Serial-Number", value: msn)
        }
      }
      let (outcome, body) = try await limiter.withPermit { [request, configuration, http, logger] in
        await HTTPExchange.perform(
          request, http: http, timeout: configuration.requestTimeout,
          maximumBytes: configuration.maximumResponseBytes, logger: logger)
      }
      statistics.record(retry: retry.attempts > 0)
      var decoded: T?
      var effective = outcome
      if case .response(let status, _) = outcome, (200..<300).contains(status), let body {
        do {
          decoded = try decode(body)
        } catch {
          lastDecodeError = error
          effective = .truncatedBody
        }
      }
      logger.trace(
        "report api request", metadata: ["http.path": "\(path)", "outcome": "\(effective)"])
      switch retry.next(after: effective) {
      case .succeed:
        if let decoded { return decoded }
        throw Failure(status: 0, description: "empty response")
      case .retry(let delay):
        logger.debug(
          "request retried",
          metadata: ["http.path": "\(path)", "retry.delay": "\(delay)", "outcome": "\(effective)"])
        try await Task.sleep(for: delay)
      case .refreshTokenAndRetry:
        logger.debug("token rejected; refreshing", metadata: ["http.path": "\(path)"])
        await tokens.invalidate(token)
      case .fail(let failure):
        if case .truncatedBody = effective, let lastDecodeError { throw lastDecodeError }
        if case .response(0, _) = outcome {
          throw Failure(
            status: 0,
            description: "response larger than \(configuration.maximumResponseBytes) bytes")
        }
        var status = 0
        if case .response(let code, _) = outcome { status = code }
        throw Failure(status: status, description: "\(failure)")
      }
    }
  }

  /// RFC 3986 unreserved characters only; cursors contain `=`, `+` and `/`.
  static func percentEncoded(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:")
    allowed = allowed.intersection(
      CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
  }
}

/// Counts of requests and retries, safe to read from any thread.
public final class RequestStatistics: Sendable {
  private let counts = Mutex((requests: 0, retries: 0))

  /// Requests sent (including retries) and how many of them were retries.
  public var snapshot: (requests: Int, retries: Int) { counts.withLock { $0 } }

  func record(retry: Bool) {
    counts.withLock {
      $0.requests += 1
      if retry { $0.retries += 1 }
    }
  }
}
