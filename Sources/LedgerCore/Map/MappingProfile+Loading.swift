import Foundation
import Yams

/// A mapping profile that cannot be read, parsed or validated, located by file and line.
public struct MappingProfileError: Error, LocalizedError, CustomStringConvertible, Hashable,
  Sendable
{
  /// What kind of problem it is; compare with the static members, e.g. `error.kind == .unknownKey`.
  public struct Kind: Hashable, Sendable, CustomStringConvertible {
    private enum Code: String, Hashable, Sendable {
      case fileUnreadable, syntax, unknownKey, missingKey, typeMismatch, invalidValue,
        undeclaredAccount, undeclaredVATCode, vatRateMismatch, missingVATAccount, unknownDimension,
        duplicateRule, invalidPattern, unknownPlaceholder, clearingAccountAsContra
    }
    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The file cannot be read or is not UTF-8.
    public static let fileUnreadable = Kind(.fileUnreadable)
    /// The file is not well-formed YAML (or is empty).
    public static let syntax = Kind(.syntax)
    /// A key the format does not define.
    public static let unknownKey = Kind(.unknownKey)
    /// A required key is missing.
    public static let missingKey = Kind(.missingKey)
    /// A value has the wrong shape (e.g. a list where text was expected).
    public static let typeMismatch = Kind(.typeMismatch)
    /// A value is not one of the accepted ones (topic, sign, rate, empty text…).
    public static let invalidValue = Kind(.invalidValue)
    /// An account used by clearing, suspense or a rule is not declared under `accounts`.
    public static let undeclaredAccount = Kind(.undeclaredAccount)
    /// A rule's VAT code is not declared under `vatCodes`.
    public static let undeclaredVATCode = Kind(.undeclaredVATCode)
    /// A rule's VAT rate differs from its VAT code's rate.
    public static let vatRateMismatch = Kind(.vatRateMismatch)
    /// A rule with a non-zero VAT rate names no VAT account.
    public static let missingVATAccount = Kind(.missingVATAccount)
    /// A rule names a dimension not declared under `dimensions`.
    public static let unknownDimension = Kind(.unknownDimension)
    /// Two rules have the same name.
    public static let duplicateRule = Kind(.duplicateRule)
    /// A `reference` pattern is not a valid regular expression.
    public static let invalidPattern = Kind(.invalidPattern)
    /// A description template uses an unknown placeholder.
    public static let unknownPlaceholder = Kind(.unknownPlaceholder)
    /// A contra, VAT or suspense account is a clearing account (which only takes home lines).
    public static let clearingAccountAsContra = Kind(.clearingAccountAsContra)

    public var description: String { code.rawValue }
  }

  public let kind: Kind
  /// The profile file, as given to the loader.
  public let file: String
  /// 1-based line of the offending node; `nil` when the file itself cannot be read.
  public let line: Int?
  /// What is wrong, naming the key or path.
  public let message: String

  init(_ kind: Kind, file: String, line: Int?, _ message: String) {
    self.kind = kind
    self.file = file
    self.line = line
    self.message = message
  }

  /// `file:line: message`.
  public var description: String {
    if let line { return "\(file):\(line): \(message)" }
    return "\(file): \(message)"
  }

  public var errorDescription: String? { description }
}

extension MappingProfile {
  /// Reads, decodes and validates the profile at `path`.
  ///
  /// - Parameter path: A YAML file in the format of `mappings/README.md`.
  /// - Returns: The profile, with ``sha256`` of the file's bytes.
  /// - Throws: ``MappingProfileError`` naming the file (and the line, for content errors).
  public static func load(contentsOf path: String) throws -> MappingProfile {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw MappingProfileError(
        .fileUnreadable, file: path, line: nil,
        "cannot read mapping profile: \(error.localizedDescription)")
    }
    guard let yaml = String(validating: data, as: UTF8.self) else {
      throw MappingProfileError(.fileUnreadable, file: path, line: nil, "not valid UTF-8")
    }
    return try load(yaml: yaml, path: path)
  }

  /// Decodes and validates a profile from YAML text.
  ///
  /// - Parameters:
  ///   - yaml: The profile text.
  ///   - path: The file name used in errors and kept in ``path``.
  /// - Returns: The profile, with ``sha256`` of the UTF-8 bytes of `yaml`.
  /// - Throws: ``MappingProfileError`` with file, line and the offending key or path.
  public static func load(yaml: String, path: String) throws -> MappingProfile {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: yaml) else {
        throw MappingProfileError(.syntax, file: path, line: 1, "empty mapping profile")
      }
      root = node
    } catch let error as YamlError {
      throw syntaxError(error, file: path)
    }
    let locator = NodeLocator(root: root)
    let keyed = try normalizingKeys(root, file: path)
    var profile: MappingProfile
    do {
      profile = try YAMLDecoder().decode(MappingProfile.self, from: keyed)
    } catch let issue as ProfileIssue {
      throw locator.error(for: issue, file: path)
    } catch let error as DecodingError {
      throw locator.error(for: error, file: path)
    }
    try ProfileValidator(profile: profile, locator: locator, file: path).validate()
    profile.path = path
    profile.sha256 = SHA256.hex(yaml.utf8)
    return profile
  }

  /// `node` with every mapping key re-tagged as implicit, and duplicate keys rejected.
  ///
  /// Yams looks keys up by their text with an implicit tag, so a quoted key that looks like a
  /// number (`"1579":`) would never be found; re-tagging makes lookup match what was written.
  static func normalizingKeys(_ node: Node, file: String) throws -> Node {
    switch node {
    case .mapping(var mapping):
      var seen: [String: Int] = [:]
      for index in mapping.indices {
        var (key, value) = mapping[index]
        if case .scalar(var scalar) = key {
          if let first = seen[scalar.string] {
            throw MappingProfileError(
              .syntax, file: file, line: scalar.mark?.line,
              "duplicate key '\(scalar.string)' in one mapping (first at line \(first))")
          }
          seen[scalar.string] = scalar.mark?.line ?? 0
          scalar.tag = mapping.tag.copy(with: .implicit)
          key = .scalar(scalar)
        }
        value = try normalizingKeys(value, file: file)
        mapping[index] = (key, value)
      }
      return .mapping(mapping)
    case .sequence(var sequence):
      for index in sequence.indices {
        sequence[index] = try normalizingKeys(sequence[index], file: file)
      }
      return .sequence(sequence)
    default:
      return node
    }
  }

  static func syntaxError(_ error: YamlError, file: String) -> MappingProfileError {
    func message(_ problem: String, _ context: YamlError.Context?) -> String {
      var text = "YAML syntax error: \(problem)"
      if let context { text += " (\(context.text) at line \(context.mark.line))" }
      return text
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      return MappingProfileError(.syntax, file: file, line: mark.line, message(problem, context))
    case .reader(let problem, let offset, _, let yaml):
      var line = 1
      if let offset {
        line += yaml.prefix(offset).reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
      }
      return MappingProfileError(.syntax, file: file, line: line, "YAML syntax error: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
      return MappingProfileError(
        .syntax, file: file, line: context.mark.line, "duplicate key \(keys) in one mapping")
    default:
      return MappingProfileError(.syntax, file: file, line: 1, "YAML error: \(error)")
    }
  }
}

/// Finds the line of a coding path in the composed YAML tree and renders the path.
struct NodeLocator {
  let root: Node

  /// The 1-based line of the node at `path` (of its key when `atKey`), and the path as
  /// `rules[2].match`; stops at the deepest node that exists.
  func locate(_ path: [any CodingKey], atKey: Bool = false) -> (line: Int, path: String) {
    var node = root
    var line = root.mark?.line ?? 1
    var rendered = ""
    for (index, key) in path.enumerated() {
      let isLast = index == path.count - 1
      switch node {
      case .mapping(let mapping):
        guard let pair = mapping.first(where: { $0.key.string == key.stringValue }) else {
          return (line, rendered)
        }
        rendered += rendered.isEmpty ? key.stringValue : ".\(key.stringValue)"
        if isLast && atKey {
          line = pair.key.mark?.line ?? line
        } else {
          node = pair.value
          line = node.mark?.line ?? line
        }
      case .sequence(let sequence):
        guard let position = key.intValue, sequence.indices.contains(position) else {
          return (line, rendered)
        }
        rendered += "[\(position)]"
        node = sequence[position]
        line = node.mark?.line ?? line
      default:
        return (line, rendered)
      }
    }
    return (line, rendered)
  }

  func error(for issue: ProfileIssue, file: String) -> MappingProfileError {
    switch issue.problem {
    case .unknownKey(let key, let allowed):
      let line = locate(issue.path, atKey: true).line
      let parent = locate(Array(issue.path.dropLast())).path
      let place = parent.isEmpty ? "at top level" : "in \(parent)"
      return MappingProfileError(
        issue.kind, file: file, line: line,
        "unknown key '\(key)' \(place) (expected one of: \(allowed.joined(separator: ", ")))")
    case .invalidValue(let message):
      let (line, path) = locate(issue.path)
      return MappingProfileError(issue.kind, file: file, line: line, "\(path): \(message)")
    }
  }

  func error(for error: DecodingError, file: String) -> MappingProfileError {
    func place(_ path: String) -> String { path.isEmpty ? "at top level" : "in \(path)" }
    switch error {
    case .keyNotFound(let key, let context):
      let (line, path) = locate(context.codingPath)
      return MappingProfileError(
        .missingKey, file: file, line: line, "missing key '\(key.stringValue)' \(place(path))")
    case .typeMismatch(let type, let context):
      let (line, path) = locate(context.codingPath)
      let expected =
        switch type {
        case is Node.Mapping.Type: "a mapping"
        case is Node.Sequence.Type: "a list"
        default: "a single value"
        }
      return MappingProfileError(
        .typeMismatch, file: file, line: line, "expected \(expected) \(place(path))")
    case .valueNotFound(_, let context):
      let (line, path) = locate(context.codingPath)
      return MappingProfileError(
        .missingKey, file: file, line: line, "missing value \(place(path))")
    case .dataCorrupted(let context):
      let (line, path) = locate(context.codingPath)
      return MappingProfileError(
        .invalidValue, file: file, line: line, "\(context.debugDescription) \(place(path))")
    @unknown default:
      return MappingProfileError(.invalidValue, file: file, line: 1, "\(error)")
    }
  }
}

/// A coding key for any mapping key, used to see keys a type does not declare.
struct ProfileKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(_ string: String) {
    stringValue = string
    intValue = nil
  }
  init?(stringValue: String) { self.init(stringValue) }
  init?(intValue: Int) {
    stringValue = String(intValue)
    self.intValue = intValue
  }
}

/// A problem found while decoding, located by its coding path; the loader adds file and line.
struct ProfileIssue: Error {
  enum Problem {
    /// `key` is not one of `allowed`; the path ends with the key.
    case unknownKey(String, allowed: [String])
    /// The value at the path is not acceptable.
    case invalidValue(String)
  }
  var kind: MappingProfileError.Kind
  var path: [any CodingKey]
  var problem: Problem
}

extension Decoder {
  /// A keyed container that first rejects any key `Keys` does not declare.
  func strictContainer<Keys: CodingKey & CaseIterable & RawRepresentable>(
    _ keys: Keys.Type
  ) throws -> KeyedDecodingContainer<Keys> where Keys.RawValue == String {
    let any = try container(keyedBy: ProfileKey.self)
    for key in any.allKeys where Keys(rawValue: key.stringValue) == nil {
      throw ProfileIssue(
        kind: .unknownKey, path: codingPath + [key],
        problem: .unknownKey(key.stringValue, allowed: Keys.allCases.map(\.rawValue)))
    }
    return try container(keyedBy: Keys.self)
  }
}

extension KeyedDecodingContainer {
  /// An invalid-value issue at `key`.
  func issue(_ message: String, at key: Key, kind: MappingProfileError.Kind = .invalidValue)
    -> ProfileIssue
  {
    ProfileIssue(kind: kind, path: codingPath + [key], problem: .invalidValue(message))
  }

  /// A required, non-empty text value.
  func decodeText<T: Decodable & RawRepresentable>(_ type: T.Type, forKey key: Key) throws -> T
  where T.RawValue == String {
    let value = try decode(T.self, forKey: key)
    if value.rawValue.isEmpty { throw issue("must not be empty", at: key) }
    return value
  }

  /// A required, non-empty string.
  func decodeText(_ type: String.Type, forKey key: Key) throws -> String {
    let value = try decode(String.self, forKey: key)
    if value.isEmpty { throw issue("must not be empty", at: key) }
    return value
  }

  /// A string or a list of strings (at least one).
  func decodeOneOrMany(forKey key: Key) throws -> [String]? {
    guard contains(key), !(try decodeNil(forKey: key)) else { return nil }
    let values: [String]
    if let one = try? decode(String.self, forKey: key) {
      values = [one]
    } else {
      values = try decode([String].self, forKey: key)
    }
    if values.isEmpty { throw issue("an empty list matches nothing", at: key) }
    return values
  }

  /// A VAT rate in percent (`25`, `12.5`): a decimal in 0…100 with at most two decimals.
  func decodeRate(forKey key: Key) throws -> Int64 {
    let text = try decode(String.self, forKey: key)
    guard let basisPoints = MoneyFormat.parse(text), basisPoints >= 0, basisPoints <= 10_000,
      !text.hasPrefix("-")
    else {
      throw issue(
        "invalid rate '\(text)' (expected a percentage from 0 to 100, at most 2 decimals)", at: key)
    }
    return basisPoints
  }
}

// MARK: - Cross-reference validation

/// Checks what decoding cannot: that every account, VAT code and dimension a profile uses is declared.
struct ProfileValidator {
  let profile: MappingProfile
  let locator: NodeLocator
  let file: String

  private func fail(
    _ kind: MappingProfileError.Kind, _ path: [ProfileKey], _ message: String
  ) -> MappingProfileError {
    MappingProfileError(kind, file: file, line: locator.locate(path).line, message)
  }

  private func key(_ text: String) -> ProfileKey { ProfileKey(text) }
  private func index(_ value: Int) -> ProfileKey { ProfileKey(intValue: value)! }

  func validate() throws {
    let clearingAccounts = Set([profile.clearing.funds, profile.clearing.fees])
    for (section, accounts) in [("clearing", profile.clearing), ("suspense", profile.suspense)] {
      for topic in Topic.allCases {
        let account = accounts[topic]
        let path = [key(section), key(topic.rawValue)]
        if profile.accounts[account] == nil {
          throw fail(
            .undeclaredAccount, path, "\(section).\(topic) posts to undeclared account '\(account)'"
          )
        }
        if section == "suspense", clearingAccounts.contains(account) {
          throw fail(
            .clearingAccountAsContra, path,
            "suspense.\(topic) is clearing account '\(account)'; clearing accounts take only home lines"
          )
        }
      }
    }
    if profile.clearing.funds == profile.clearing.fees {
      throw fail(
        .invalidValue, [key("clearing"), key("fees")],
        "clearing.funds and clearing.fees must be different accounts")
    }
    var firstRuleIndex: [String: Int] = [:]
    for (position, rule) in profile.rules.enumerated() {
      let rulePath = [key("rules"), index(position)]
      if let first = firstRuleIndex[rule.name] {
        let firstLine = locator.locate([key("rules"), index(first), key("name")]).line
        throw fail(
          .duplicateRule, rulePath + [key("name")],
          "duplicate rule name '\(rule.name)' (first used at line \(firstLine))")
      }
      firstRuleIndex[rule.name] = position
      try validate(
        account: rule.contra, of: rule, at: rulePath + [key("contra")], clearing: clearingAccounts)
      if let vat = rule.vat {
        try validate(vat, of: rule, at: rulePath + [key("vat")], clearing: clearingAccounts)
      }
      for (dimensionIndex, dimension) in rule.dimensions.enumerated()
      where profile.dimensions[dimension] == nil {
        throw fail(
          .unknownDimension, rulePath + [key("dimensions"), index(dimensionIndex)],
          "rule '\(rule.name)' uses undeclared dimension '\(dimension)' (declared: "
            + profile.dimensions.keys.sorted().joined(separator: ", ") + ")")
      }
    }
  }

  private func validate(
    account: AccountID, of rule: MappingProfile.Rule, at path: [ProfileKey],
    clearing: Set<AccountID>
  ) throws {
    if profile.accounts[account] == nil {
      throw fail(
        .undeclaredAccount, path, "rule '\(rule.name)' posts to undeclared account '\(account)'")
    }
    if clearing.contains(account) {
      throw fail(
        .clearingAccountAsContra, path,
        "rule '\(rule.name)' posts to clearing account '\(account)'; clearing accounts take only home lines"
      )
    }
  }

  private func validate(
    _ vat: MappingProfile.Rule.VAT, of rule: MappingProfile.Rule, at path: [ProfileKey],
    clearing: Set<AccountID>
  ) throws {
    guard let code = profile.vatCodes[vat.code] else {
      throw fail(
        .undeclaredVATCode, path + [key("code")],
        "rule '\(rule.name)' uses undeclared VAT code '\(vat.code)'")
    }
    if let rate = vat.rateBasisPoints, rate != code.rateBasisPoints {
      throw fail(
        .vatRateMismatch, path + [key("rate")],
        "rule '\(rule.name)' has VAT rate \(MoneyFormat.decimal(rate)) % but VAT code '\(vat.code)' "
          + "has \(MoneyFormat.decimal(code.rateBasisPoints)) %")
    }
    if let account = vat.account {
      try validate(account: account, of: rule, at: path + [key("account")], clearing: clearing)
    } else if code.rateBasisPoints != 0 {
      throw fail(
        .missingVATAccount, path,
        "rule '\(rule.name)' has VAT rate \(MoneyFormat.decimal(code.rateBasisPoints)) % but no VAT account"
      )
    }
  }
}
