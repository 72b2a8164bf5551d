import Foundation

/// What one attempt of a request came to.
public enum RequestOutcome: Sendable, Hashable {
  /// A complete response with any HTTP status, and its `Retry-After` header if any.
  case response(status: Int, retryAfter: String?)
  /// The connection was refused, reset or dropped.
  case connectionError
  /// The request timed out.
  case timeout
  /// A 2xx body shorter than its `Content-Length`, ended early, or not parseable JSON.
  case truncatedBody
}

/// What to do after an attempt.
public enum RetryAction: Sendable, Hashable {
  /// The attempt succeeded (2xx).
  case succeed
  /// Send the request again after the delay.
  case retry(after: Duration)
  /// The first 401 of this request: drop the token, get a new one and retry at once.
  case refreshTokenAndRetry
  /// Give up.
  case fail(RetryFailure)
}

/// Why a request was given up, and after how many attempts.
public struct RetryFailure: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
  private enum Code: Sendable, Hashable {
    case status(Int)
    case unauthorizedAfterRefresh
    case retryAfterTooLong(status: Int, retryAfter: Duration, maximum: Duration)
    case connectionError
    case timeout
    case truncatedBody
  }

  private let code: Code
  /// Attempts made, the failed last one included.
  public let attempts: Int

  private init(_ code: Code, attempts: Int) {
    self.code = code
    self.attempts = attempts
  }

  /// The HTTP status of the last attempt, or nil for a transport failure.
  public var status: Int? {
    switch code {
    case .status(let status), .retryAfterTooLong(let status, _, _): status
    case .unauthorizedAfterRefresh: 401
    case .connectionError, .timeout, .truncatedBody: nil
    }
  }

  /// A response with a status that is not retried, or retried too often.
  public static func status(_ status: Int, attempts: Int) -> Self {
    Self(.status(status), attempts: attempts)
  }

  /// A 401 again after the token was refreshed.
  public static func unauthorizedAfterRefresh(attempts: Int) -> Self {
    Self(.unauthorizedAfterRefresh, attempts: attempts)
  }

  /// A 429 or 503 asking to wait longer than `maximum`.
  public static func retryAfterTooLong(
    status: Int, retryAfter: Duration, maximum: Duration, attempts: Int
  ) -> Self {
    Self(
      .retryAfterTooLong(status: status, retryAfter: retryAfter, maximum: maximum),
      attempts: attempts)
  }

  /// The connection was refused, reset or dropped on the last attempt.
  public static func connectionError(attempts: Int) -> Self {
    Self(.connectionError, attempts: attempts)
  }

  /// The last attempt timed out.
  public static func timeout(attempts: Int) -> Self { Self(.timeout, attempts: attempts) }

  /// The last attempt's body was truncated or unparseable.
  public static func truncatedBody(attempts: Int) -> Self {
    Self(.truncatedBody, attempts: attempts)
  }

  /// For example "HTTP 503 after 6 attempts", "HTTP 404", "HTTP 401 after a token refresh".
  public var description: String {
    let suffix = attempts > 1 ? " after \(attempts) attempts" : ""
    switch code {
    case .status(let status): return "HTTP \(status)\(suffix)"
    case .unauthorizedAfterRefresh: return "HTTP 401 after a token refresh"
    case .retryAfterTooLong(let status, let retryAfter, let maximum):
      return "HTTP \(status) with Retry-After \(Self.seconds(retryAfter)) s, more than the "
        + "\(Self.seconds(maximum)) s allowed\(suffix)"
    case .connectionError: return "connection error\(suffix)"
    case .timeout: return "timeout\(suffix)"
    case .truncatedBody: return "truncated body\(suffix)"
    }
  }

  /// The same as `description`.
  public var errorDescription: String? { description }

  /// Whole seconds, rounded up.
  private static func seconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return attoseconds > 0 ? seconds + 1 : seconds
  }
}

/// One request's retry state: feed it each attempt's outcome; it answers what to do next.
///
/// - 2xx succeeds.
/// - 429, 500, 502, 503, 504, connection errors, timeouts and truncated bodies are retried with
///   backoff until `maxAttempts` attempts were made, then fail. For 429 and 503 a parseable
///   `Retry-After` is honoured: the delay is the larger of it and the backoff delay, and a
///   `Retry-After` above `maximumRetryAfter` fails at once.
/// - The first 401 asks for a new token and an immediate retry; it counts as an attempt (and
///   toward `maxAttempts`) but not toward the backoff growth. A second 401 fails.
/// - Every other status (400, 403, 404, 409, 3xx, 501, …) fails at once.
///
/// Pure: the clock (for HTTP-date `Retry-After` values) and the jitter source are injected.
public struct RetryStateMachine: Sendable {
  /// The backoff and attempt limits.
  public let policy: BackoffPolicy
  /// Attempts reported so far.
  public private(set) var attempts = 0
  private var backoffFailures = 0
  private var refreshedToken = false
  private let now: @Sendable () -> Date
  private var random: RetryRandomSource

  /// Creates the state of one request before its first attempt.
  ///
  /// - Parameters:
  ///   - policy: The backoff and attempt limits.
  ///   - now: The clock for HTTP-date `Retry-After` values.
  ///   - random: The jitter source; pass a seeded generator (`SplitMix64`) in tests.
  public init(
    policy: BackoffPolicy = BackoffPolicy(),
    now: @escaping @Sendable () -> Date = Date.init,
    random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
  ) {
    self.policy = policy
    self.now = now
    self.random = RetryRandomSource(random)
  }

  /// Records an attempt's outcome.
  ///
  /// - Parameter outcome: How the attempt ended.
  /// - Returns: What to do next. After `succeed` or `fail` the request is over.
  public mutating func next(after outcome: RequestOutcome) -> RetryAction {
    attempts += 1
    switch outcome {
    case .response(let status, _) where (200...299).contains(status):
      return .succeed
    case .response(401, _):
      if refreshedToken { return .fail(.unauthorizedAfterRefresh(attempts: attempts)) }
      guard attempts < policy.maxAttempts else { return .fail(.status(401, attempts: attempts)) }
      refreshedToken = true
      return .refreshTokenAndRetry
    case .response(let status, let retryAfter) where Self.retryableStatuses.contains(status):
      guard attempts < policy.maxAttempts else { return .fail(.status(status, attempts: attempts)) }
      let backoff = nextBackoff()
      guard status == 429 || status == 503, let header = retryAfter,
        let wait = parseRetryAfter(header, now: now())
      else { return .retry(after: backoff) }
      guard wait <= policy.maximumRetryAfter else {
        return .fail(
          .retryAfterTooLong(
            status: status, retryAfter: wait, maximum: policy.maximumRetryAfter, attempts: attempts)
        )
      }
      return .retry(after: max(wait, backoff))
    case .response(let status, _):
      return .fail(.status(status, attempts: attempts))
    case .connectionError:
      return retryTransport(.connectionError(attempts: attempts))
    case .timeout:
      return retryTransport(.timeout(attempts: attempts))
    case .truncatedBody:
      return retryTransport(.truncatedBody(attempts: attempts))
    }
  }

  /// Statuses retried with backoff.
  static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

  private mutating func retryTransport(_ failure: RetryFailure) -> RetryAction {
    guard attempts < policy.maxAttempts else { return .fail(failure) }
    return .retry(after: nextBackoff())
  }

  private mutating func nextBackoff() -> Duration {
    backoffFailures += 1
    return policy.delay(afterAttempt: backoffFailures, using: &random)
  }
}

/// A type-erased, sendable random number generator, so the state machine is not generic.
private struct RetryRandomSource: RandomNumberGenerator, Sendable {
  private var base: any RandomNumberGenerator & Sendable

  init(_ base: some RandomNumberGenerator & Sendable) { self.base = base }

  mutating func next() -> UInt64 { base.next() }
}
