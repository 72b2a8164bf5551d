import LedgerCore

/// Everything that shapes a ``MockReportAPIServer``: where its data comes from, which keys it
/// accepts, token lifetimes, page sizes, added latency and injected faults.
public struct MockServerConfiguration: Sendable {
  /// Where the served ledgers and entries come from.
  public enum DataSource: Sendable {
    /// Recorded response bodies in the replay layout of `samples/recorded` (see `ReplaySource`).
    case replay(directory: String)
    /// Deterministic generated ledgers (``SyntheticData``).
    case synthetic(SyntheticData)
  }

  /// Deterministic generated ledgers, produced lazily day by day.
  ///
  /// Ledger `i` (0-based) has ID `100001 + i`, currency DKK when `i % 3 == 2` and NOK otherwise,
  /// and its entries come from `SyntheticLedger(seed: seed &+ i, …)`. Dates before `start`
  /// answer a closed empty page, dates after the range an open empty one.
  public struct SyntheticData: Sendable {
    /// Seed of the generators; the same seed gives the same bytes.
    public var seed: UInt64
    /// Number of ledgers.
    public var ledgers: Int
    /// The first ledger date.
    public var start: LedgerDate
    /// Number of ledger dates, `start` included.
    public var days: Int
    /// Approximate entries per day over both topics.
    public var entriesPerDay: Int
    /// The last `openDays` dates are still open: they answer `tryLater: true` and do not yet
    /// have their day-closing entries (`fees-retained`, `payout-scheduled`).
    public var openDays: Int

    /// Creates a synthetic data set.
    public init(
      seed: UInt64 = 1, ledgers: Int = 3, start: LedgerDate, days: Int = 30,
      entriesPerDay: Int = 100, openDays: Int = 1
    ) {
      self.seed = seed
      self.ledgers = ledgers
      self.start = start
      self.days = days
      self.entriesPerDay = entriesPerDay
      self.openDays = openDays
    }
  }

  /// API keys the server accepts.
  public struct Credential: Sendable {
    /// Which token flow the keys belong to.
    public enum Kind: Sendable {
      /// Sales-unit keys for `POST /accesstoken/get`; API calls must also send the
      /// subscription key.
      case merchant(subscriptionKey: String, msn: String)
      /// Accounting-partner keys for `POST /miami/v1/token`.
      case partner
    }

    /// The `client_id`.
    public var clientID: String
    /// The `client_secret`.
    public var clientSecret: String
    /// The token flow.
    public var kind: Kind
    /// The ledgers these keys may read; `nil` means every ledger.
    public var ledgers: Set<LedgerID>?

    /// Creates a credential.
    public init(clientID: String, clientSecret: String, kind: Kind, ledgers: Set<LedgerID>? = nil) {
      self.clientID = clientID
      self.clientSecret = clientSecret
      self.kind = kind
      self.ledgers = ledgers
    }
  }

  /// Injected failures, decided per request.
  ///
  /// Each rate is a probability in `0...1`. The decision for a request is a hash of `seed`, the
  /// request's method, path and query, and how many identical requests came before it, so the
  /// same sequence of requests fails the same way whatever the concurrency. The failing kinds
  /// share one draw in the order 429, 5xx, dropped connection, spurious 401, truncated body (their
  /// rates add up; when the sum exceeds 1 the later kinds get what is left); `slow` has its own
  /// draw and only delays the answer. Token endpoints get 429, 5xx, drops and delays, never a
  /// truncated body or a spurious 401.
  public struct Faults: Sendable {
    /// Seed of the decisions.
    public var seed: UInt64
    /// Rate of `429 Too Many Requests` with `Retry-After`.
    public var tooManyRequests: Double
    /// Rate of server errors, cycling 500, 502, 503, 504.
    public var serverError: Double
    /// Rate of connections closed without any response.
    public var dropConnection: Double
    /// Rate of answers delayed by `slowDelay`.
    public var slow: Double
    /// Rate of `200` responses whose body is cut off halfway (the connection closes early).
    public var truncatedBody: Double
    /// Rate of `401` answers to requests with a valid token.
    public var spuriousUnauthorized: Double
    /// The `Retry-After` value of a 429, in seconds.
    public var retryAfterSeconds: Int = 1
    /// The delay of a slow answer.
    public var slowDelay: Duration = .milliseconds(300)

    /// Creates a fault plan; every rate defaults to 0.
    public init(
      seed: UInt64 = 1, tooManyRequests: Double = 0, serverError: Double = 0,
      dropConnection: Double = 0, slow: Double = 0, truncatedBody: Double = 0,
      spuriousUnauthorized: Double = 0, retryAfterSeconds: Int = 1,
      slowDelay: Duration = .milliseconds(300)
    ) {
      self.seed = seed
      self.tooManyRequests = tooManyRequests
      self.serverError = serverError
      self.dropConnection = dropConnection
      self.slow = slow
      self.truncatedBody = truncatedBody
      self.spuriousUnauthorized = spuriousUnauthorized
      self.retryAfterSeconds = retryAfterSeconds
      self.slowDelay = slowDelay
    }

    /// No faults at all.
    public static let none = Faults()

    /// Every kind at the same `rate` (split so that the failing kinds add up to `rate`), and
    /// slow answers at `rate` too: what `vipps-ledger mock-server --fault-rate` uses.
    public static func uniform(rate: Double, seed: UInt64 = 1) -> Faults {
      let share = rate / 5
      return Faults(
        seed: seed, tooManyRequests: share, serverError: share, dropConnection: share,
        slow: rate, truncatedBody: share, spuriousUnauthorized: share)
    }

    /// Whether any fault can happen.
    var isActive: Bool {
      tooManyRequests > 0 || serverError > 0 || dropConnection > 0 || slow > 0
        || truncatedBody > 0 || spuriousUnauthorized > 0
    }
  }

  /// Where the data comes from.
  public var data: DataSource
  /// The accepted keys.
  public var credentials: [Credential]
  /// Lifetime of tokens from `POST /accesstoken/get` (24 hours in production).
  public var merchantTokenLifetime: Duration = .seconds(86_400)
  /// Lifetime of tokens from `POST /miami/v1/token` (15 minutes).
  public var partnerTokenLifetime: Duration = .seconds(900)
  /// Ledgers per `GET /settlement/v1/ledgers` page.
  public var ledgerPageSize: Int = 100
  /// Entries per dates or feed page (replay dates pages keep their recorded size); sent as
  /// `Vipps-Feed-Page-Size` on every report response.
  public var pageSize: Int = 1000
  /// Delay added to every response.
  public var latency: Duration = .zero
  /// Injected failures.
  public var faults: Faults = .none

  /// Creates a configuration.
  public init(
    data: DataSource, credentials: [Credential] = [.demo],
    merchantTokenLifetime: Duration = .seconds(86_400),
    partnerTokenLifetime: Duration = .seconds(900),
    ledgerPageSize: Int = 100, pageSize: Int = 1000, latency: Duration = .zero,
    faults: Faults = .none
  ) {
    self.data = data
    self.credentials = credentials
    self.merchantTokenLifetime = merchantTokenLifetime
    self.partnerTokenLifetime = partnerTokenLifetime
    self.ledgerPageSize = ledgerPageSize
    self.pageSize = pageSize
    self.latency = latency
    self.faults = faults
  }
}

extension MockServerConfiguration.Credential {
  /// Accounting-partner keys `demo-client` / `demo-secret` that may read every ledger.
  public static let demo = Self(
    clientID: "demo-client", clientSecret: "demo-secret", kind: .partner)

  /// Merchant (sales-unit) keys `demo-merchant` / `demo-merchant-secret`, subscription key
  /// `demo-subscription-key`, MSN `123455`, that may read every ledger.
  public static let demoMerchant = Self(
    clientID: "demo-merchant", clientSecret: "demo-merchant-secret",
    kind: .merchant(subscriptionKey: "demo-subscription-key", msn: "123455"))
}
