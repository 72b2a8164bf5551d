/// A Vipps MobilePay ledger ID, as returned by `GET /settlement/v1/ledgers`.
///
/// Ledger IDs are strings (usually six digits); they are never parsed as integers.
public struct LedgerID: RawRepresentable, Hashable, Comparable, Sendable, Codable,
  CustomStringConvertible, ExpressibleByStringLiteral
{
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { self.rawValue = value }
  public init(from decoder: any Decoder) throws {
    rawValue = try decoder.singleValueContainer().decode(String.self)
  }
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
  public var description: String { rawValue }
  public static func < (lhs: LedgerID, rhs: LedgerID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A general-ledger account number on the merchant's chart of accounts.
public struct AccountID: RawRepresentable, Hashable, Comparable, Sendable, Codable,
  CustomStringConvertible, ExpressibleByStringLiteral
{
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { self.rawValue = value }
  public init(from decoder: any Decoder) throws {
    rawValue = try decoder.singleValueContainer().decode(String.self)
  }
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
  public var description: String { rawValue }
  public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The two Vipps ledgers behind every ledger ID.
public enum Topic: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
  /// What Vipps owes the merchant.
  case funds
  /// What the merchant owes Vipps.
  case fees

  public static func < (lhs: Topic, rhs: Topic) -> Bool {
    lhs == .funds && rhs == .fees
  }
}
