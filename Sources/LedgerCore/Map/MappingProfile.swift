import Foundation

/// A mapping profile: how Vipps ledger entries become journal lines on one chart of accounts.
///
/// Loaded from YAML (`mappings/*.yaml`, format in `mappings/README.md`) with
/// ``load(contentsOf:)`` or ``load(yaml:path:)``, which reject unknown keys and check every
/// cross-reference; decoding alone checks only the shape of each value.
public struct MappingProfile: Sendable {
  /// The profile's name, e.g. `no-sales`.
  public let name: String
  public let description: String?
  /// Home accounts of the two Vipps ledgers.
  public let clearing: TopicAccounts
  /// Contra accounts per topic for entries no rule matches.
  public let suspense: TopicAccounts
  /// Master data of every account the profile can post to.
  public let accounts: [AccountID: Account]
  /// VAT codes, by code (`3`).
  public let vatCodes: [String: VATCode]
  /// Dimensions (e.g. `department`), by name.
  public let dimensions: [String: Dimension]
  /// Rules in order; the first that matches an entry wins.
  public let rules: [Rule]
  /// The file the profile was loaded from (as given to the loader).
  public internal(set) var path: String = ""
  /// Lowercase hex SHA-256 of the profile file's bytes.
  public internal(set) var sha256: String = ""

  /// Every declared account, sorted.
  public var allAccountIDs: [AccountID] { accounts.keys.sorted() }

  /// The master data of `id`, if declared.
  public func account(_ id: AccountID) -> Account? { accounts[id] }

  /// The home and the suspense account of one topic per Vipps ledger.
  public struct TopicAccounts: Sendable, Hashable, Codable {
    public let funds: AccountID
    public let fees: AccountID

    public init(funds: AccountID, fees: AccountID) {
      self.funds = funds
      self.fees = fees
    }

    /// The account of `topic`.
    public subscript(topic: Topic) -> AccountID { topic == .funds ? funds : fees }

    enum CodingKeys: String, CodingKey, CaseIterable { case funds, fees }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      funds = try c.decodeText(AccountID.self, forKey: .funds)
      fees = try c.decodeText(AccountID.self, forKey: .fees)
    }
  }

  /// Master data of one general-ledger account, as SAF-T 1.30 needs it.
  public struct Account: Sendable, Hashable, Codable {
    public let name: String
    /// SAF-T 1.30 `GroupingCategory`, e.g. `balanseverdiForOmloepsmiddel`.
    public let groupingCategory: String
    /// SAF-T 1.30 `GroupingCode`, e.g. `1570`.
    public let groupingCode: String

    public init(name: String, groupingCategory: String, groupingCode: String) {
      self.name = name
      self.groupingCategory = groupingCategory
      self.groupingCode = groupingCode
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, groupingCategory, groupingCode }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      name = try c.decodeText(String.self, forKey: .name)
      groupingCategory = try c.decodeText(String.self, forKey: .groupingCategory)
      groupingCode = try c.decodeText(String.self, forKey: .groupingCode)
    }
  }

  /// A VAT code of the profile.
  public struct VATCode: Sendable, Hashable, Codable {
    public let description: String?
    /// Hundredths of a percent: 2500 = 25 %.
    public let rateBasisPoints: Int64
    /// The SAF-T `StandardTaxCode`; defaults to the code itself.
    public let standardTaxCode: String?

    public init(description: String?, rateBasisPoints: Int64, standardTaxCode: String?) {
      self.description = description
      self.rateBasisPoints = rateBasisPoints
      self.standardTaxCode = standardTaxCode
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case description, rate, standardTaxCode }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      description = try c.decodeIfPresent(String.self, forKey: .description)
      rateBasisPoints = try c.decodeRate(forKey: .rate)
      standardTaxCode = try c.decodeIfPresent(String.self, forKey: .standardTaxCode)
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encodeIfPresent(description, forKey: .description)
      try c.encode(MoneyFormat.decimal(rateBasisPoints), forKey: .rate)
      try c.encodeIfPresent(standardTaxCode, forKey: .standardTaxCode)
    }
  }

  /// A dimension whose value is chosen by the entry's sales unit.
  public struct Dimension: Sendable, Hashable, Codable {
    /// `recipientHandle` → value.
    public let bySalesUnit: [String: String]
    /// The value for sales units not listed; without it they get no value.
    public let defaultValue: String?

    public init(bySalesUnit: [String: String], defaultValue: String?) {
      self.bySalesUnit = bySalesUnit
      self.defaultValue = defaultValue
    }

    /// The value for an entry with `recipientHandle` `salesUnit`, if any.
    public func value(for salesUnit: String?) -> String? {
      if let salesUnit, let value = bySalesUnit[salesUnit] { return value }
      return defaultValue
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case bySalesUnit
      case defaultValue = "default"
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      bySalesUnit = try c.decodeIfPresent([String: String].self, forKey: .bySalesUnit) ?? [:]
      defaultValue = try c.decodeIfPresent(String.self, forKey: .defaultValue)
    }
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case name, description, clearing, suspense, accounts, vatCodes, dimensions, rules
  }
}

extension MappingProfile: Codable {
  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(CodingKeys.self)
    name = try c.decodeText(String.self, forKey: .name)
    description = try c.decodeIfPresent(String.self, forKey: .description)
    clearing = try c.decode(TopicAccounts.self, forKey: .clearing)
    suspense = try c.decode(TopicAccounts.self, forKey: .suspense)
    let accounts = try c.decode([String: Account].self, forKey: .accounts)
    self.accounts = Dictionary(uniqueKeysWithValues: accounts.map { (AccountID($0.key), $0.value) })
    vatCodes = try c.decodeIfPresent([String: VATCode].self, forKey: .vatCodes) ?? [:]
    dimensions = try c.decodeIfPresent([String: Dimension].self, forKey: .dimensions) ?? [:]
    rules = try c.decodeIfPresent([Rule].self, forKey: .rules) ?? []
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encodeIfPresent(description, forKey: .description)
    try c.encode(clearing, forKey: .clearing)
    try c.encode(suspense, forKey: .suspense)
    try c.encode(
      Dictionary(uniqueKeysWithValues: accounts.map { ($0.key.rawValue, $0.value) }),
      forKey: .accounts)
    if !vatCodes.isEmpty { try c.encode(vatCodes, forKey: .vatCodes) }
    if !dimensions.isEmpty { try c.encode(dimensions, forKey: .dimensions) }
    try c.encode(rules, forKey: .rules)
  }
}

extension MappingProfile {
  /// One mapping rule: which entries it matches and where their contra line goes.
  public struct Rule: Sendable, Hashable, Codable {
    /// Unique within the profile; reported per voucher.
    public let name: String
    public let match: Match
    /// The contra account of matched entries.
    public let contra: AccountID
    /// VAT split of the contra line, if any.
    public let vat: VAT?
    /// Line description; ``DescriptionTemplate/ruleDefault`` when absent.
    public let description: DescriptionTemplate?
    /// Names of profile dimensions set on the contra (net) line.
    public let dimensions: [String]

    public init(
      name: String, match: Match, contra: AccountID, vat: VAT? = nil,
      description: DescriptionTemplate? = nil, dimensions: [String] = []
    ) {
      self.name = name
      self.match = match
      self.contra = contra
      self.vat = vat
      self.description = description
      self.dimensions = dimensions
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case name, match, contra, vat, description, dimensions
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      name = try c.decodeText(String.self, forKey: .name)
      match = try c.decodeIfPresent(Match.self, forKey: .match) ?? Match()
      contra = try c.decodeText(AccountID.self, forKey: .contra)
      vat = try c.decodeIfPresent(VAT.self, forKey: .vat)
      if let text = try c.decodeIfPresent(String.self, forKey: .description) {
        do {
          description = try DescriptionTemplate(text)
        } catch {
          throw c.issue(error.description, at: .description, kind: .unknownPlaceholder)
        }
      } else {
        description = nil
      }
      dimensions = try c.decodeIfPresent([String].self, forKey: .dimensions) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(match, forKey: .match)
      try c.encode(contra, forKey: .contra)
      try c.encodeIfPresent(vat, forKey: .vat)
      try c.encodeIfPresent(description?.text, forKey: .description)
      if !dimensions.isEmpty { try c.encode(dimensions, forKey: .dimensions) }
    }

    /// The VAT treatment of a rule: the contra amount is gross and is split into net and VAT.
    public struct VAT: Sendable, Hashable, Codable {
      /// A code declared under `vatCodes`.
      public let code: String
      /// The rate in hundredths of a percent; `nil` = the VAT code's rate.
      public let rateBasisPoints: Int64?
      /// Where the VAT amount goes; may be omitted only when the rate is 0.
      public let account: AccountID?

      public init(code: String, rateBasisPoints: Int64? = nil, account: AccountID?) {
        self.code = code
        self.rateBasisPoints = rateBasisPoints
        self.account = account
      }

      enum CodingKeys: String, CodingKey, CaseIterable { case code, rate, account }

      public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        code = try c.decodeText(String.self, forKey: .code)
        rateBasisPoints = c.contains(.rate) ? try c.decodeRate(forKey: .rate) : nil
        account = try c.decodeIfPresent(AccountID.self, forKey: .account)
      }

      public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encodeIfPresent(rateBasisPoints.map { MoneyFormat.decimal($0) }, forKey: .rate)
        try c.encodeIfPresent(account, forKey: .account)
      }
    }
  }

  /// The sign condition of a rule.
  public enum Sign: String, Sendable, Hashable, Codable, CaseIterable {
    case positive, negative, zero, any

    /// Whether `amount` has this sign.
    public func matches(_ amount: Int64) -> Bool {
      switch self {
      case .positive: amount > 0
      case .negative: amount < 0
      case .zero: amount == 0
      case .any: true
      }
    }
  }

  /// A regular expression searched in an entry's `reference`, compiled once at load time.
  public struct ReferencePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written (ICU syntax).
    public let pattern: String
    private let regex: NSRegularExpression

    /// Why a pattern does not compile.
    public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
      public let pattern: String
      public let reason: String
      public var description: String { "invalid regular expression '\(pattern)': \(reason)" }
    }

    /// Compiles `pattern`.
    ///
    /// - Throws: ``SyntaxError`` when the pattern is not a valid ICU regular expression.
    public init(_ pattern: String) throws(SyntaxError) {
      self.pattern = pattern
      do {
        regex = try NSRegularExpression(pattern: pattern)
      } catch {
        // Swift Regex explains syntax errors better than ICU's "The value is invalid".
        var reason = error.localizedDescription
        do { _ = try Regex(pattern) } catch let swiftError { reason = "\(swiftError)" }
        throw SyntaxError(pattern: pattern, reason: reason)
      }
    }

    /// Whether the pattern occurs anywhere in `text`.
    public func matches(_ text: String) -> Bool {
      regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public var description: String { pattern }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
  }

  /// The conditions of a rule; an omitted condition matches anything.
  public struct Match: Sendable, Hashable, Codable {
    public let topic: Topic?
    /// Entry types, any of which matches; `nil` = any.
    public let entryTypes: Set<EntryType>?
    public let sign: Sign
    /// Currencies, any of which matches; `nil` = any.
    public let currencies: Set<String>?
    /// `recipientHandle`s, any of which matches; `none` matches a missing handle; `nil` = any.
    public let salesUnits: Set<String>?
    public let reference: ReferencePattern?

    /// The special `salesUnit` value that matches entries without a `recipientHandle`.
    public static let noSalesUnit = "none"

    public init(
      topic: Topic? = nil, entryTypes: Set<EntryType>? = nil, sign: Sign = .any,
      currencies: Set<String>? = nil, salesUnits: Set<String>? = nil,
      reference: ReferencePattern? = nil
    ) {
      self.topic = topic
      self.entryTypes = entryTypes
      self.sign = sign
      self.currencies = currencies
      self.salesUnits = salesUnits
      self.reference = reference
    }

    /// Whether `entry`, read from the `topic` ledger, meets every condition.
    public func matches(_ entry: LedgerEntry, topic: Topic) -> Bool {
      if let wanted = self.topic, wanted != topic { return false }
      if let entryTypes, !entryTypes.contains(entry.entryType) { return false }
      if !sign.matches(entry.amount) { return false }
      if let currencies, !currencies.contains(entry.currency) { return false }
      if let salesUnits, !salesUnits.contains(entry.recipientHandle ?? Self.noSalesUnit) {
        return false
      }
      if let reference, !reference.matches(entry.reference ?? "") { return false }
      return true
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case topic, entryType, sign, currency, salesUnit, reference
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      if let text = try c.decodeIfPresent(String.self, forKey: .topic) {
        guard let topic = Topic(rawValue: text) else {
          throw c.issue("invalid topic '\(text)' (expected funds or fees)", at: .topic)
        }
        self.topic = topic
      } else {
        topic = nil
      }
      entryTypes = try c.decodeOneOrMany(forKey: .entryType).map {
        Set($0.map(EntryType.init(rawValue:)))
      }
      if let text = try c.decodeIfPresent(String.self, forKey: .sign) {
        guard let sign = Sign(rawValue: text) else {
          throw c.issue(
            "invalid sign '\(text)' (expected positive, negative, zero or any)", at: .sign)
        }
        self.sign = sign
      } else {
        sign = .any
      }
      currencies = try c.decodeOneOrMany(forKey: .currency).map(Set.init)
      salesUnits = try c.decodeOneOrMany(forKey: .salesUnit).map(Set.init)
      if let pattern = try c.decodeIfPresent(String.self, forKey: .reference) {
        do {
          reference = try ReferencePattern(pattern)
        } catch {
          throw c.issue(error.description, at: .reference, kind: .invalidPattern)
        }
      } else {
        reference = nil
      }
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encodeIfPresent(topic, forKey: .topic)
      try c.encodeIfPresent(entryTypes.map { $0.map(\.rawValue).sorted() }, forKey: .entryType)
      if sign != .any { try c.encode(sign, forKey: .sign) }
      try c.encodeIfPresent(currencies.map { $0.sorted() }, forKey: .currency)
      try c.encodeIfPresent(salesUnits.map { $0.sorted() }, forKey: .salesUnit)
      try c.encodeIfPresent(reference?.pattern, forKey: .reference)
    }
  }
}
