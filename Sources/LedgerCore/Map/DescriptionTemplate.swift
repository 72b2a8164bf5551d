/// A line-description template such as `Vipps {entryType} {reference} – {salesUnit}`.
///
/// Placeholders are `{name}` with a name from ``Placeholder``; everything else is literal text.
/// A value the entry does not have renders as the empty string; nothing else is trimmed or collapsed.
public struct DescriptionTemplate: Sendable, Hashable, CustomStringConvertible {
  /// The fields a template can show.
  public enum Placeholder: String, CaseIterable, Sendable, Hashable {
    case pspReference, reference, entryType, topic, salesUnit, ledgerId, ledgerDate, payoutNumber
    /// GDPR-sensitive: present only when fetched with `includeGDPRSensitiveData=true`.
    case name
    /// GDPR-sensitive: present only when fetched with `includeGDPRSensitiveData=true`.
    case message
    case currency
  }

  /// Why a template text was rejected.
  public enum ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `{something}` where `something` is not a ``Placeholder``.
    case unknownPlaceholder(String)
    /// A `{` without a closing `}`.
    case unterminatedPlaceholder

    public var description: String {
      switch self {
      case .unknownPlaceholder(let name):
        "unknown placeholder '{\(name)}' (expected one of: "
          + Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ") + ")"
      case .unterminatedPlaceholder:
        "'{' without a closing '}'"
      }
    }
  }

  enum Segment: Hashable, Sendable {
    case literal(String)
    case placeholder(Placeholder)
  }

  /// The template text as written.
  public let text: String
  let segments: [Segment]

  /// The default for rules without a `description`.
  public static let ruleDefault = try! DescriptionTemplate("{topic} {entryType} {pspReference}")
  /// The description of suspense (unmatched) lines.
  public static let suspense = try! DescriptionTemplate(
    "Unmapped {topic} {entryType} {pspReference}")

  /// Parses a template.
  ///
  /// - Throws: ``ParseError`` for an unknown placeholder or an unclosed `{`.
  public init(_ text: String) throws(ParseError) {
    self.text = text
    var segments: [Segment] = []
    var literal = ""
    var rest = Substring(text)
    while let open = rest.firstIndex(of: "{") {
      literal += rest[..<open]
      let afterOpen = rest.index(after: open)
      guard let close = rest[afterOpen...].firstIndex(of: "}") else {
        throw .unterminatedPlaceholder
      }
      let name = String(rest[afterOpen..<close])
      guard let placeholder = Placeholder(rawValue: name) else { throw .unknownPlaceholder(name) }
      if !literal.isEmpty { segments.append(.literal(literal)) }
      literal = ""
      segments.append(.placeholder(placeholder))
      rest = rest[rest.index(after: close)...]
    }
    literal += rest
    if !literal.isEmpty { segments.append(.literal(literal)) }
    self.segments = segments
  }

  public var description: String { text }

  /// The template filled in with the fields of one entry.
  ///
  /// - Parameters:
  ///   - entry: The ledger entry.
  ///   - ledger: The ledger the entry belongs to (`{ledgerId}`).
  ///   - topic: Its topic (`{topic}`).
  ///   - date: Its ledger date (`{ledgerDate}`, `YYYY-MM-DD`).
  public func render(_ entry: LedgerEntry, ledger: LedgerID, topic: Topic, date: LedgerDate)
    -> String
  {
    var result = ""
    var endsWithEmptyValue = false
    for segment in segments {
      switch segment {
      case .literal(let text):
        result += text
        endsWithEmptyValue = endsWithEmptyValue && text.allSatisfy(\.isWhitespace)
      case .placeholder(let placeholder):
        let before = result.utf8.count
        defer { endsWithEmptyValue = result.utf8.count == before }
        switch placeholder {
        case .pspReference: result += entry.pspReference
        case .reference: result += entry.reference ?? ""
        case .entryType: result += entry.entryType.rawValue
        case .topic: result += topic.rawValue
        case .salesUnit: result += entry.recipientHandle ?? ""
        case .ledgerId: result += ledger.rawValue
        case .ledgerDate: result += date.description
        case .payoutNumber: result += entry.payoutNumber ?? ""
        case .name: result += entry.name ?? ""
        case .message: result += entry.message ?? ""
        case .currency: result += entry.currency
        }
      }
    }
    // A template ending in an empty value (`…: {message}` without a message) drops the
    // separator left dangling in front of it.
    if endsWithEmptyValue {
      while let last = result.last, last.isWhitespace || ":–-,;".contains(last) {
        result.removeLast()
      }
    }
    return result
  }
}
