import Foundation

/// How to reach the Report API and how hard to push it.
public struct ReportAPIConfiguration: Sendable {
  /// The production base URL.
  public static let productionBaseURL = "https://api.vipps.no"

  /// Base URL without a trailing slash: `https://…`, or `http://` only to a loopback host.
  public var baseURL: String
  /// Token endpoint: a path on `baseURL` or a full URL; default by flow (`/accesstoken/get`,
  /// `/miami/v1/token` — Vipps plans to rename the latter to `/authentication/v1/token`).
  public var tokenURL: String?
  /// `Vipps-System-Name` / `-Version` / `-Plugin-Name` / `-Plugin-Version` (≤ 30 characters each).
  public var systemName = "vipps-ledger"
  public var systemVersion: String
  public var pluginName = "vipps-ledger-cli"
  public var pluginVersion: String
  /// Adds `includeGDPRSensitiveData=true` to every dates and feed request.
  public var includeGDPRSensitiveData = false
  /// Requests in flight at the same time, across ledgers, dates and topics.
  public var maximumConcurrentRequests = 8
  /// Global request rate limit (requests started per second); `nil` = unlimited.
  public var maximumRequestsPerSecond: Double?
  /// Timeout of one request.
  public var requestTimeout: Duration = .seconds(30)
  /// Largest accepted response body.
  public var maximumResponseBytes = 64 << 20
  /// Retries of 429, 5xx, connection errors, timeouts and truncated bodies.
  public var backoff = BackoffPolicy()

  /// Creates a configuration after checking `baseURL`.
  ///
  /// - Throws: ``ReportAPIConfigurationError`` for a malformed URL or plain HTTP to a
  ///   non-loopback host.
  public init(baseURL: String = productionBaseURL, version: String) throws {
    self.baseURL = try Self.checkedBaseURL(baseURL)
    systemVersion = version
    pluginVersion = version
  }

  /// `baseURL` without a trailing slash, if it is HTTPS or loopback HTTP.
  public static func checkedBaseURL(_ text: String) throws -> String {
    guard let components = URLComponents(string: text),
      let scheme = components.scheme?.lowercased(),
      let host = components.host, !host.isEmpty
    else {
      throw ReportAPIConfigurationError("base URL '\(text)' is not a URL like https://api.vipps.no")
    }
    switch scheme {
    case "https": break
    case "http":
      guard isLoopback(host) else {
        throw ReportAPIConfigurationError(
          "refusing plain http:// to \(host): credentials would cross the network unencrypted (http is allowed only to loopback)"
        )
      }
    default:
      throw ReportAPIConfigurationError("base URL '\(text)' must use https")
    }
    var result = text
    while result.hasSuffix("/") { result.removeLast() }
    return result
  }

  /// Whether `host` is a loopback name or address.
  public static func isLoopback(_ host: String) -> Bool {
    let lowered = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if lowered == "localhost" || lowered == "::1" { return true }
    let parts = lowered.split(separator: ".")
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
  }

  /// The full token endpoint URL for `flow`.
  public func tokenEndpoint(for flow: ReportAPICredentials.Flow) throws -> String {
    let path = tokenURL ?? (flow == .merchant ? "/accesstoken/get" : "/miami/v1/token")
    if path.hasPrefix("/") { return baseURL + path }
    _ = try Self.checkedBaseURL(path)
    return path
  }

  /// The `Vipps-System-*` headers, each cut to 30 characters.
  var systemHeaders: [(String, String)] {
    [
      ("Vipps-System-Name", systemName), ("Vipps-System-Version", systemVersion),
      ("Vipps-System-Plugin-Name", pluginName), ("Vipps-System-Plugin-Version", pluginVersion),
    ].map { ($0.0, String($0.1.prefix(30))) }
  }
}
