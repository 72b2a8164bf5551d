import Foundation
import Synchronization

/// Issued access tokens: opaque random strings, remembered with their credential and expiry.
final class TokenStore: Sendable {
  private struct Issued {
    var credential: Int
    var expires: ContinuousClock.Instant
  }

  private let tokens = Mutex<[String: Issued]>([:])

  /// Issues a token for credential number `credential` that expires after `lifetime`.
  func issue(credential: Int, lifetime: Duration) -> String {
    var random = SystemRandomNumberGenerator()
    func segment(_ count: Int) -> String {
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
      return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    // Shaped like the JWTs Vipps hands out; clients must treat it as opaque.
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.\(segment(48)).\(segment(64))"
    let now = ContinuousClock.now
    tokens.withLock { tokens in
      if tokens.count >= 1024 { tokens = tokens.filter { $0.value.expires > now } }
      tokens[token] = Issued(credential: credential, expires: now.advanced(by: lifetime))
    }
    return token
  }

  /// The credential number of `token`, or `nil` when it is unknown or expired.
  func credential(for token: String) -> Int? {
    let now = ContinuousClock.now
    return tokens.withLock { tokens in
      guard let issued = tokens[token], issued.expires > now else { return nil }
      return issued.credential
    }
  }
}
