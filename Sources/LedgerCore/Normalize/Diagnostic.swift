/// A problem found in the data, with where it was found. Collected and reported, never thrown.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
  public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
      lhs == .warning && rhs == .error
    }
  }

  public var severity: Severity
  /// A stable machine-readable code, e.g. `balance-chain`, `unmapped-entry`.
  public var code: String
  public var message: String
  public var ledgerID: LedgerID?
  public var topic: Topic?
  public var date: LedgerDate?
  /// 1-based position of the entry within its ledger date and topic.
  public var position: Int?

  public init(
    _ severity: Severity, code: String, _ message: String, ledgerID: LedgerID? = nil,
    topic: Topic? = nil, date: LedgerDate? = nil, position: Int? = nil
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.ledgerID = ledgerID
    self.topic = topic
    self.date = date
    self.position = position
  }

  /// `error: ledger 300119 funds 2025-10-21 entry 4: …`
  public var description: String {
    var location: [String] = []
    if let ledgerID { location.append("ledger \(ledgerID)") }
    if let topic { location.append(topic.rawValue) }
    if let date { location.append(date.description) }
    if let position { location.append("entry \(position)") }
    let prefix = location.isEmpty ? "" : location.joined(separator: " ") + ": "
    return "\(severity.rawValue): \(prefix)\(message)"
  }
}
