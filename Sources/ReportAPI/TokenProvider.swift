import AsyncHTTPClient
import Foundation
import LedgerCore
import Logging
import NIOCore
import NIOHTTP1

/// One access token per credential: fetched when needed, refreshed before it expires, dropped
/// after a 401. Concurrent callers share one fetch.
actor TokenProvider {
  private let credentials: ReportAPICredentials
  private let configuration: ReportAPIConfiguration
  private let http: HTTPClient
  private let logger: Logger
  private var state = TokenState()
  private var fetching = false
  private var waiters: [CheckedContinuation<Result<String, any Error>, Never>] = []

  init(
    credentials: ReportAPICredentials, configuration: ReportAPIConfiguration, http: HTTPClient,
    logger: Logger
  ) {
    self.credentials = credentials
    self.configuration = configuration
    self.http = http
    self.logger = logger
  }

  /// A valid token, fetching one if there is none or it is about to expire.
  func token() async throws -> String {
    if case .use(let token) = state.action(now: .now) { return token }
    if fetching {
      return try await withCheckedContinuation { waiters.append($0) }.get()
    }
    fetching = true
    let result: Result<String, any Error>
    do {
      let response = try await fetch()
      state.received(token: response.accessToken, lifetime: response.expiresIn, now: .now)
      logger.debug(
        "access token fetched",
        metadata: [
          "auth.flow": "\(credentials.flow.rawValue)", "token.lifetime": "\(response.expiresIn)",
        ])
      result = .success(response.accessToken)
    } catch {
      result = .failure(error)
    }
    fetching = false
    for waiter in waiters { waiter.resume(returning: result) }
    waiters.removeAll()
    return try result.get()
  }

  /// Forgets `token` after a 401 (unless it has been replaced already).
  func invalidate(_ token: String) {
    state.invalidate(token)
  }

  private func fetch() async throws -> TokenResponse {
    let url = try configuration.tokenEndpoint(for: credentials.flow)
    var retry = RetryStateMachine(policy: configuration.backoff)
    while true {
      var request = HTTPClientRequest(url: url)
      request.method = .POST
      for (name, value) in configuration.systemHeaders {
        request.headers.add(name: name, value: value)
      }
      switch credentials.flow {
      case .merchant:
        request.headers.add(name: "client_id", value: credentials.clientID.value)
        request.headers.add(name: "client_secret", value: credentials.clientSecret.value)
        if let key = credentials.subscriptionKey {
          request.headers.add(name: "Ocp-Apim-Subscription-Key", value: key.value)
        }
        if let msn = credentials.merchantSerialNumber {
          request.headers.add(name: "Merchant-Serial-Number", value: msn)
        }
        request.body = .bytes(ByteBuffer())
      case .partner:
        let basic = Data("\(credentials.clientID.value):\(credentials.clientSecret.value)".utf8)
          .base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(basic)")
        request.headers.add(
          name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
      }
      let (outcome, body) = await HTTPExchange.perform(
        request, http: http, timeout: configuration.requestTimeout,
        maximumBytes: 1 << 20, logger: logger)
      var decoded: TokenResponse?
      var finalOutcome = outcome
      if case .response(let status, _) = outcome, (200..<300).contains(status), let body {
        decoded = try? JSONDecoder().decode(TokenResponse.self, from: body)
        if decoded == nil { finalOutcome = .truncatedBody }
      }
      switch retry.next(after: finalOutcome) {
      case .succeed:
        if let decoded { return decoded }
        throw ReportSourceError.fetchFailed("token endpoint: unreadable token response")
      case .retry(let delay):
        logger.debug("token request retried", metadata: ["retry.delay": "\(delay)"])
        try await Task.sleep(for: delay)
      case .refreshTokenAndRetry, .fail:
        throw ReportSourceError.fetchFailed(
          "authentication with \(credentials) failed at the token endpoint: \(Self.explain(finalOutcome)) — check VIPPS_CLIENT_ID/VIPPS_CLIENT_SECRET\(credentials.flow == .merchant ? "/VIPPS_SUBSCRIPTION_KEY/VIPPS_MSN" : "") and VIPPS_AUTH"
        )
      }
    }
  }

  static func explain(_ outcome: RequestOutcome) -> String {
    switch outcome {
    case .response(let status, _): "HTTP \(status)"
    case .connectionError: "connection error"
    case .timeout: "timeout"
    case .truncatedBody: "truncated or unreadable response"
    }
  }
}
