import Foundation

/// Capped exponential backoff with jitter.
///
/// The delay after the n-th failed attempt is `initialDelay × multiplierⁿ⁻¹`, capped at
/// `maximumDelay`, then moved by a random fraction of at most `±jitter` and capped again, so it
/// never exceeds `maximumDelay`. With the defaults: 250 ms, 500 ms, 1 s, 2 s, 4 s (± 25 %), and at
/// most 6 attempts in all. Pure: the random source is passed in, so tests are deterministic.
public struct BackoffPolicy: Sendable, Hashable {
  /// The delay after the first failed attempt, before jitter.
  public var initialDelay: Duration
  /// The growth factor per failed attempt; values below 1 are treated as 1.
  public var multiplier: Double
  /// The largest delay ever returned, jitter included.
  public var maximumDelay: Duration
  /// The largest random change of a delay, as a fraction of it (0.25 is ± 25 %); clamped to 0...1.
  public var jitter: Double
  /// Attempts in all, the first one included; 1 disables retries.
  public var maxAttempts: Int
  /// The longest `Retry-After` that is waited for; a longer one gives up instead.
  public var maximumRetryAfter: Duration

  /// Creates a policy.
  ///
  /// - Parameters:
  ///   - initialDelay: The delay after the first failed attempt, before jitter.
  ///   - multiplier: The growth factor per failed attempt.
  ///   - maximumDelay: The cap on every delay, jitter included.
  ///   - jitter: The largest random change of a delay, as a fraction of it.
  ///   - maxAttempts: Attempts in all, the first one included.
  ///   - maximumRetryAfter: The longest `Retry-After` that is waited for.
  public init(
    initialDelay: Duration = .milliseconds(250),
    multiplier: Double = 2,
    maximumDelay: Duration = .seconds(30),
    jitter: Double = 0.25,
    maxAttempts: Int = 6,
    maximumRetryAfter: Duration = .seconds(120)
  ) {
    self.initialDelay = initialDelay
    self.multiplier = multiplier
    self.maximumDelay = maximumDelay
    self.jitter = jitter
    self.maxAttempts = maxAttempts
    self.maximumRetryAfter = maximumRetryAfter
  }

  /// The delay before attempt `attempt + 1`, after `attempt` failed attempts.
  ///
  /// - Parameters:
  ///   - attempt: Failed attempts so far, 1-based; values below 1 are treated as 1.
  ///   - random: The source of the jitter; not used when `jitter` is 0.
  /// - Returns: A delay between zero and `maximumDelay`.
  public func delay(
    afterAttempt attempt: Int, using random: inout some RandomNumberGenerator
  ) -> Duration {
    let initial = Self.nanoseconds(initialDelay)
    let cap = max(0, Self.nanoseconds(maximumDelay))
    guard initial > 0, cap > 0 else { return .zero }
    // Cap the exponent's result before multiplying, so large attempt counts cannot overflow.
    let growth = pow(max(multiplier, 1), Double(max(attempt, 1) - 1))
    let base = min(initial * min(growth, cap / initial), cap)
    let spread = min(max(jitter, 0), 1)
    var delay = base
    if spread > 0 {
      delay += base * spread * Double.random(in: -1...1, using: &random)
    }
    return .nanoseconds(Int64(min(max(delay, 0), cap).rounded()))
  }

  /// A duration in nanoseconds, as a `Double`.
  static func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
  }
}

/// Parses a `Retry-After` header value: delay-seconds (`"120"`) or an HTTP-date
/// (`"Sun, 06 Nov 1994 08:49:37 GMT"`, or the obsolete RFC 850 and asctime forms).
///
/// - Parameters:
///   - value: The header value; surrounding whitespace is ignored.
///   - now: The current time, for an HTTP-date.
/// - Returns: The delay from `now`; zero for a negative number or a date in the past; nil when the
///   value is neither a whole number of seconds nor an HTTP-date.
public func parseRetryAfter(_ value: String, now: Date) -> Duration? {
  let trimmed = value.trimmingCharacters(in: .whitespaces)
  if let seconds = retryAfterSeconds(trimmed) { return seconds }
  guard let date = httpDate(trimmed) else { return nil }
  let interval = date.timeIntervalSince(now)
  return interval > 0 ? .seconds(interval) : .zero
}

/// Delay-seconds: an optional sign and ASCII digits. Negative is zero; too large is clamped.
private func retryAfterSeconds(_ text: String) -> Duration? {
  var digits = Substring(text)
  var negative = false
  if let sign = digits.first, sign == "-" || sign == "+" {
    negative = sign == "-"
    digits = digits.dropFirst()
  }
  guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
  if negative { return .zero }
  return .seconds(Int64(digits) ?? Int64.max)
}

/// The three HTTP-date forms of RFC 9110 §5.6.7, always in GMT.
private func httpDate(_ text: String) -> Date? {
  // asctime pads the day with a space ("Nov  6"); collapse runs of spaces.
  let collapsed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
  let formatter = DateFormatter()
  formatter.locale = Locale(identifier: "en_US_POSIX")
  formatter.timeZone = TimeZone(identifier: "GMT")
  for format in [
    "EEE, dd MMM yyyy HH:mm:ss zzz",  // IMF-fixdate
    "EEEE, dd-MMM-yy HH:mm:ss zzz",  // RFC 850
    "EEE MMM d HH:mm:ss yyyy",  // asctime
  ] {
    formatter.dateFormat = format
    if let date = formatter.date(from: collapsed) { return date }
  }
  return nil
}
