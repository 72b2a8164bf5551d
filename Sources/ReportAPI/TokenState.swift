/// A bearer token's lifecycle for one credential, with the clock passed in.
///
/// A token is used until its refresh window: the last `max(refreshFraction × lifetime,
/// minimumRemaining)` of its life, but never more than its last 90 %, so a short-lived token is
/// still used for a while. In the window, or once expired, the answer is `fetch`. Not
/// synchronised: keep it behind a `Mutex` or in an actor, and let one caller fetch at a time.
public struct TokenState: Sendable {
  /// What to do before a request.
  public enum Action: Sendable, Hashable {
    /// Send the request with this token.
    case use(String)
    /// Get a new token first, then report it with `received(token:lifetime:now:)`.
    case fetch
  }

  /// The fraction of a token's lifetime before its expiry in which it is refreshed.
  public let refreshFraction: Double
  /// The least time before expiry at which a token is refreshed.
  public let minimumRemaining: Duration

  private var token: String?
  private var refreshAt: ContinuousClock.Instant?
  private var expiresAt: ContinuousClock.Instant?

  /// The share of a token's life that is always used before refreshing it.
  private static let minimumUsedFraction = 0.1

  /// Creates the state with no token.
  ///
  /// - Parameters:
  ///   - refreshFraction: The fraction of the lifetime before expiry to refresh in (0.1: the last
  ///     10 %).
  ///   - minimumRemaining: The least time before expiry to refresh at.
  public init(refreshFraction: Double = 0.1, minimumRemaining: Duration = .seconds(60)) {
    self.refreshFraction = refreshFraction
    self.minimumRemaining = minimumRemaining
  }

  /// Whether a request may use the current token or a new one must be fetched first.
  ///
  /// - Parameter now: The current instant.
  /// - Returns: `use` with a token outside its refresh window; `fetch` when there is none, it has
  ///   expired (it is then forgotten), or it is inside its refresh window.
  public mutating func action(now: ContinuousClock.Instant) -> Action {
    guard let token, let refreshAt, let expiresAt else { return .fetch }
    if now >= expiresAt {
      forget()
      return .fetch
    }
    return now < refreshAt ? .use(token) : .fetch
  }

  /// The current token while it has not expired, refresh window or not: a fallback when a
  /// refresh fails.
  ///
  /// - Parameter now: The current instant.
  /// - Returns: The token, or nil when there is none or it has expired.
  public func unexpiredToken(now: ContinuousClock.Instant) -> String? {
    guard let token, let expiresAt, now < expiresAt else { return nil }
    return token
  }

  /// Stores a newly fetched token.
  ///
  /// - Parameters:
  ///   - token: The access token.
  ///   - lifetime: Its `expires_in`; zero or less means already expired.
  ///   - now: The instant the token request was sent (or its response received).
  public mutating func received(token: String, lifetime: Duration, now: ContinuousClock.Instant) {
    let lifetime = max(lifetime, .zero)
    let window = min(
      max(lifetime * max(refreshFraction, 0), minimumRemaining),
      lifetime * (1 - Self.minimumUsedFraction))
    self.token = token
    expiresAt = now + lifetime
    refreshAt = now + (lifetime - window)
  }

  /// Forgets the token after a 401, unless it has already been replaced.
  ///
  /// - Parameter token: The token the failed request was sent with.
  public mutating func invalidate(_ token: String) {
    if self.token == token { forget() }
  }

  private mutating func forget() {
    token = nil
    refreshAt = nil
    expiresAt = nil
  }
}
