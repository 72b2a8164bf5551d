import Foundation

/// One mapped Vipps entry: its voucher and the rule that produced it.
public struct MappedEntry: Sendable, Hashable {
  public var voucher: Voucher
  /// The matching rule's name; `nil` when no rule matched and the contra went to suspense.
  public var ruleName: String?

  public init(voucher: Voucher, ruleName: String?) {
    self.voucher = voucher
    self.ruleName = ruleName
  }
}

/// An entry that cannot be turned into a balanced voucher.
public struct MappingError: Error, LocalizedError, CustomStringConvertible, Hashable, Sendable {
  /// What went wrong; compare with the static members.
  public struct Kind: Hashable, Sendable, CustomStringConvertible {
    private enum Code: String, Hashable, Sendable {
      case amountOverflow, unbalanced, voucherIDTooLong, invalidPosition
    }
    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The amount cannot be negated in `Int64` (it is `Int64.min`).
    public static let amountOverflow = Kind(.amountOverflow)
    /// The voucher's lines do not sum to zero (an internal error).
    public static let unbalanced = Kind(.unbalanced)
    /// The voucher ID would exceed 70 characters.
    public static let voucherIDTooLong = Kind(.voucherIDTooLong)
    /// The position is negative.
    public static let invalidPosition = Kind(.invalidPosition)

    public var description: String { code.rawValue }
  }

  public let kind: Kind
  public let message: String

  init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { message }
  public var errorDescription: String? { message }
}

/// Turns Vipps ledger entries into balanced vouchers with a ``MappingProfile`` (DESIGN §2.1).
///
/// Every entry becomes one voucher: `+amount` on the topic's clearing (home) account and
/// `−amount` on the contra account of the first matching rule — split into net and VAT when the
/// rule has VAT — or on the topic's suspense account when no rule matches.
public struct Mapper: Sendable {
  /// The profile the mapper applies.
  public let profile: MappingProfile
  private let rules: [CompiledRule]

  /// A rule with everything the mapper needs looked up once.
  private struct CompiledRule: Sendable {
    struct VAT: Sendable {
      var code: String
      var rateBasisPoints: Int64
      var account: AccountID?
      var accountName: String
    }
    var rule: MappingProfile.Rule
    var contraName: String
    var vat: VAT?
    var template: DescriptionTemplate
    var dimensions: [(name: String, dimension: MappingProfile.Dimension)]
  }

  /// A mapper for `profile` (which ``MappingProfile/load(yaml:path:)`` has validated).
  public init(profile: MappingProfile) {
    self.profile = profile
    rules = profile.rules.map { rule in
      CompiledRule(
        rule: rule,
        contraName: profile.accounts[rule.contra]?.name ?? "",
        vat: rule.vat.map { vat in
          CompiledRule.VAT(
            code: vat.code,
            rateBasisPoints: vat.rateBasisPoints ?? profile.vatCodes[vat.code]?.rateBasisPoints
              ?? 0,
            account: vat.account,
            accountName: vat.account.flatMap { profile.accounts[$0]?.name } ?? "")
        },
        template: rule.description ?? .ruleDefault,
        dimensions: rule.dimensions.compactMap { name in
          profile.dimensions[name].map { (name, $0) }
        })
    }
  }

  /// The first rule that matches `entry` on the `topic` ledger, or `nil` (suspense).
  public func rule(for entry: LedgerEntry, topic: Topic) -> MappingProfile.Rule? {
    rules.first { $0.rule.match.matches(entry, topic: topic) }?.rule
  }

  /// The voucher ID of an entry: `<ledger>-<YYYYMMDD>-<F|G><position, 5 digits>`.
  ///
  /// `F` marks funds and `G` fees (not `F` twice). Deterministic, because entry identity is
  /// (ledger, topic, ledger date, position) and closed dates are immutable.
  public static func voucherID(ledger: LedgerID, topic: Topic, date: LedgerDate, position: Int)
    -> String
  {
    let digits = String(position)
    let padded = String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    return "\(ledger)-\(date.compact)-\(topic == .funds ? "F" : "G")\(padded)"
  }

  /// Maps one entry to one balanced voucher.
  ///
  /// - Parameters:
  ///   - entry: The Report API entry.
  ///   - ledger: Its ledger ID.
  ///   - topic: The ledger it was read from (funds or fees).
  ///   - date: Its ledger date (the voucher's date).
  ///   - position: Its 1-based position within the date and topic.
  /// - Returns: The voucher and the matching rule's name (`nil` = suspense).
  /// - Throws: ``MappingError`` when the amount cannot be negated, the voucher ID would exceed
  ///   70 characters, or (an internal error) the voucher does not balance.
  public func map(
    _ entry: LedgerEntry, ledger: LedgerID, topic: Topic, date: LedgerDate, position: Int
  ) throws -> MappedEntry {
    guard position >= 0 else {
      throw MappingError(
        .invalidPosition, "invalid position \(position) of \(ledger) \(topic) \(date)")
    }
    let (contraAmount, overflow) = Int64(0).subtractingReportingOverflow(entry.amount)
    if overflow {
      throw MappingError(
        .amountOverflow,
        "amount \(entry.amount) of \(ledger) \(topic) \(date) #\(position) cannot be negated")
    }
    let id = Self.voucherID(ledger: ledger, topic: topic, date: date, position: position)
    if id.count > 70 {
      throw MappingError(.voucherIDTooLong, "voucher ID '\(id)' is longer than 70 characters")
    }
    let source = LineSource(
      ledgerID: ledger, topic: topic, ledgerDate: date, entryType: entry.entryType,
      pspReference: entry.pspReference, reference: entry.reference,
      salesUnit: entry.recipientHandle, position: position, entryCount: 1)
    let home = profile.clearing[topic]
    let compiled = rules.first { $0.rule.match.matches(entry, topic: topic) }

    let text = (compiled?.template ?? .suspense).render(
      entry, ledger: ledger, topic: topic, date: date)
    func line(
      _ account: AccountID, _ name: String, _ amount: Int64, role: LineRole = .contra,
      vat: VATInfo? = nil, dimensions: [String: String] = [:]
    ) -> JournalLine {
      JournalLine(
        account: account, accountName: name, amount: amount, currency: entry.currency, role: role,
        vat: vat, description: text, dimensions: dimensions, source: source)
    }

    var lines = [line(home, profile.accounts[home]?.name ?? "", entry.amount, role: .home)]
    if let compiled {
      var dimensions: [String: String] = [:]
      for (name, dimension) in compiled.dimensions {
        if let value = dimension.value(for: entry.recipientHandle) { dimensions[name] = value }
      }
      if let vat = compiled.vat {
        let (net, vatAmount) = Self.splitVAT(
          gross: contraAmount, rateBasisPoints: vat.rateBasisPoints)
        let info = VATInfo(
          code: vat.code, rateBasisPoints: vat.rateBasisPoints, baseMinorUnits: net)
        lines.append(
          line(compiled.rule.contra, compiled.contraName, net, vat: info, dimensions: dimensions))
        if vatAmount != 0 {
          lines.append(
            line(
              vat.account ?? compiled.rule.contra, vat.accountName, vatAmount, role: .vat,
              vat: info))
        }
      } else {
        lines.append(
          line(compiled.rule.contra, compiled.contraName, contraAmount, dimensions: dimensions))
      }
    } else {
      let suspense = profile.suspense[topic]
      lines.append(line(suspense, profile.accounts[suspense]?.name ?? "", contraAmount))
    }

    let voucher = Voucher(id: id, date: date, ledgerID: ledger, description: text, lines: lines)
    guard voucher.isBalanced else {
      throw MappingError(.unbalanced, "internal error: voucher \(id) does not balance")
    }
    return MappedEntry(voucher: voucher, ruleName: compiled?.rule.name)
  }
}
