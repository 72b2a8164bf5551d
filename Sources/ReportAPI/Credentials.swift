import Foundation

/// A secret value (client secret, subscription key, token) that never prints itself.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
  /// The value; use it only to build a request.
  public let value: String
  public init(_ value: String) { self.value = value }
  public var description: String { "<redacted>" }
  public var debugDescription: String { "<redacted>" }
}

/// Report API keys: merchant sales-unit keys or accounting-partner keys.
public struct ReportAPICredentials: Sendable, CustomStringConvertible {
  /// Which token flow the keys belong to.
  public enum Flow: String, Sendable, Hashable {
    /// `POST /accesstoken/get` with `client_id`, `client_secret`, subscription key and MSN.
    case merchant
    /// `POST /miami/v1/token` with Basic auth and `grant_type=client_credentials`.
    case partner
  }

  public var flow: Flow
  public var clientID: Secret
  public var clientSecret: Secret
  /// `Ocp-Apim-Subscription-Key` (merchant keys only).
  public var subscriptionKey: Secret?
  /// `Merchant-Serial-Number` (merchant keys only).
  public var merchantSerialNumber: String?

  public init(
    flow: Flow, clientID: String, clientSecret: String, subscriptionKey: String? = nil,
    merchantSerialNumber: String? = nil
  ) {
    self.flow = flow
    self.clientID = Secret(clientID)
    self.clientSecret = Secret(clientSecret)
    self.subscriptionKey = subscriptionKey.map(Secret.init)
    self.merchantSerialNumber = merchantSerialNumber
  }

  /// `merchant keys (MSN 123455)` / `accounting-partner keys` — no secret in it.
  public var description: String {
    switch flow {
    case .merchant: "merchant keys (MSN \(merchantSerialNumber ?? "?"))"
    case .partner: "accounting-partner keys"
    }
  }

  /// Reads credentials from the environment: `VIPPS_CLIENT_ID`, `VIPPS_CLIENT_SECRET`, and for
  /// merchant keys `VIPPS_SUBSCRIPTION_KEY` and `VIPPS_MSN`; `VIPPS_AUTH=merchant|partner` picks
  /// the flow (default: partner when no subscription key is set). `VIPPS_SECRETS_FILE` names a
  /// file of `NAME=value` lines with the same names; the environment wins over the file.
  ///
  /// - Throws: ``ReportAPIConfigurationError`` naming what is missing (never a value).
  public static func fromEnvironment(
    _ environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> ReportAPICredentials {
    var values: [String: String] = [:]
    if let file = environment["VIPPS_SECRETS_FILE"], !file.isEmpty {
      values = try readSecretsFile(file)
    }
    for (name, value) in environment where name.hasPrefix("VIPPS_") && !value.isEmpty {
      values[name] = value
    }
    func required(_ name: String) throws -> String {
      guard let value = values[name], !value.isEmpty else {
        throw ReportAPIConfigurationError(
          "\(name) is not set (set it in the environment or in the file named by VIPPS_SECRETS_FILE)"
        )
      }
      return value
    }
    let flow: Flow
    switch values["VIPPS_AUTH"] {
    case nil: flow = values["VIPPS_SUBSCRIPTION_KEY"] == nil ? .partner : .merchant
    case "merchant": flow = .merchant
    case "partner": flow = .partner
    case let other?:
      throw ReportAPIConfigurationError("VIPPS_AUTH must be merchant or partner, not '\(other)'")
    }
    let id = try required("VIPPS_CLIENT_ID")
    let secret = try required("VIPPS_CLIENT_SECRET")
    switch flow {
    case .merchant:
      return ReportAPICredentials(
        flow: .merchant, clientID: id, clientSecret: secret,
        subscriptionKey: try required("VIPPS_SUBSCRIPTION_KEY"),
        merchantSerialNumber: try required("VIPPS_MSN"))
    case .partner:
      return ReportAPICredentials(flow: .partner, clientID: id, clientSecret: secret)
    }
  }

  /// Parses `NAME=value` lines; `#` comments and blank lines are ignored.
  static func readSecretsFile(_ path: String) throws -> [String: String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ReportAPIConfigurationError("cannot read the secrets file \(path) (VIPPS_SECRETS_FILE)")
    }
    var values: [String: String] = [:]
    for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      guard let equals = trimmed.firstIndex(of: "=") else {
        throw ReportAPIConfigurationError("\(path):\(index + 1): expected NAME=value")
      }
      let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
      var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
      if value.count >= 2, value.first == "\"", value.last == "\"" {
        value = String(value.dropFirst().dropLast())
      }
      values[name] = value
    }
    return values
  }
}

/// A configuration problem of the Report API client (never contains a secret).
public struct ReportAPIConfigurationError: Error, LocalizedError, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
  public var errorDescription: String? { description }
}
