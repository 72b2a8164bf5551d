import Foundation

/// The token endpoint's response, in both flows.
///
/// The standard flow (`/accesstoken/get`) sends `expires_in` as a string (`"86398"`), the
/// specialized flow (`/miami/v1/token`) as a number (`900`); both are accepted. `access_token` and
/// `expires_in` are required, `token_type` is optional, anything else (`expires_on`) is ignored.
/// The token never appears in `description`, `debugDescription` or a `dump`.
public struct TokenResponse: Decodable, Sendable, CustomStringConvertible,
  CustomDebugStringConvertible, CustomReflectable
{
  /// The bearer token. Never log it.
  public let accessToken: String
  /// How long the token is valid from when it was issued.
  public let expiresIn: Duration
  /// Usually `"Bearer"`, when present.
  public let tokenType: String?

  /// The longest accepted `expires_in`, in seconds (68 years), so a garbage value cannot overflow.
  private static let maximumExpiresIn = Double(Int32.max)

  /// Creates a response, for tests and fakes.
  ///
  /// - Parameters:
  ///   - accessToken: The bearer token.
  ///   - expiresIn: Its lifetime.
  ///   - tokenType: The token type, usually `"Bearer"`.
  public init(accessToken: String, expiresIn: Duration, tokenType: String? = "Bearer") {
    self.accessToken = accessToken
    self.expiresIn = expiresIn
    self.tokenType = tokenType
  }

  private enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case expiresIn = "expires_in"
    case tokenType = "token_type"
  }

  /// Decodes either flow's JSON.
  ///
  /// - Parameter decoder: The decoder.
  /// - Throws: `DecodingError` when `access_token` is missing or empty, or `expires_in` is missing,
  ///   negative, too large, or neither a number nor a string holding one. Messages never quote
  ///   the token.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let token = try container.decode(String.self, forKey: .accessToken)
    guard !token.isEmpty else {
      throw DecodingError.dataCorruptedError(
        forKey: .accessToken, in: container, debugDescription: "access_token is empty")
    }
    accessToken = token
    tokenType = try container.decodeIfPresent(String.self, forKey: .tokenType)

    let seconds: Double?
    if let number = try? container.decode(Double.self, forKey: .expiresIn) {
      seconds = number
    } else if let text = try? container.decode(String.self, forKey: .expiresIn) {
      seconds = Double(text.trimmingCharacters(in: .whitespaces))
    } else if !container.contains(.expiresIn) {
      throw DecodingError.keyNotFound(
        CodingKeys.expiresIn,
        .init(codingPath: container.codingPath, debugDescription: "expires_in is missing"))
    } else {
      seconds = nil
    }
    guard let seconds, seconds.isFinite, (0...Self.maximumExpiresIn).contains(seconds) else {
      throw DecodingError.dataCorruptedError(
        forKey: .expiresIn, in: container,
        debugDescription: "expires_in is not a number of seconds between 0 and \(Int32.max)")
    }
    expiresIn = .seconds(seconds)
  }

  /// A summary with the token redacted.
  public var description: String {
    let type = tokenType.map { "\"\($0)\"" } ?? "nil"
    return "TokenResponse(accessToken: <redacted>, tokenType: \(type), expiresIn: \(expiresIn))"
  }

  /// The same as `description`: the token redacted.
  public var debugDescription: String { description }

  /// A mirror with the token redacted, for `dump` and debuggers.
  public var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "accessToken": "<redacted>", "tokenType": tokenType as Any, "expiresIn": expiresIn,
      ], displayStyle: .struct)
  }
}
