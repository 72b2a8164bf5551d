import Foundation
import Yams

/// The configuration of `vipps-ledger run`: where state and outputs live and, per client, which
/// ledgers to export how. One format for a single merchant and for a partner's many clients.
public struct RunConfiguration: Sendable {
  /// How output files are grouped.
  public enum GroupBy: String, Sendable, Hashable, CaseIterable {
    /// One file per ledger and ledger date: `<ledger>/<YYYY-MM-DD>.<ext>`.
    case day
    /// One file per ledger and month, rewritten as dates of the month are exported:
    /// `<ledger>/<YYYY-MM>.<ext>`.
    case month
    /// One file per ledger and run with the dates it exported: `<ledger>/<first>_<last>.<ext>`.
    case run
  }

  /// Which ledgers belong to a client.
  public enum LedgerSelection: Sendable, Hashable {
    /// These ledger IDs.
    case explicit([LedgerID])
    /// Every listed ledger whose owner has this organisation number.
    case owner(String)
    /// Every listed ledger that settles for one of these sales units (`api:123456`, `NO:12345`).
    case salesUnits([String])

    /// Whether a listed ledger matches a discovery selector (never for explicit lists).
    public func matches(_ ledger: Ledger) -> Bool {
      switch self {
      case .explicit: return false
      case .owner(let number): return ledger.owner?.id == number
      case .salesUnits(let handles):
        let settled = Set(ledger.settlesForRecipientHandles ?? [])
          .union((ledger.salesUnits ?? []).map(\.recipientHandle))
        return !settled.isDisjoint(with: handles)
      }
    }
  }

  /// One client (a merchant): its ledgers and how they are exported.
  public struct Client: Sendable, Hashable {
    public var id: String
    public var name: String
    public var organizationNumber: String
    public var ledgerSelection: LedgerSelection
    /// The explicit ledger IDs (empty for discovered ledgers until the run resolves them).
    public var ledgers: [LedgerID] {
      if case .explicit(let ids) = ledgerSelection { return ids }
      return []
    }
    /// Inline SAF-T company data (instead of a company file).
    public var address: CompanyInfo.Address?
    public var contacts: [CompanyInfo.Contact]?
    public var vatRegistered: Bool?
    /// Profile overrides for this client, as YAML (merged into the mapping profile).
    public var overridesYAML: String?
    /// Absolute path of the mapping profile.
    public var mapping: String
    public var formats: [OutputFormat]
    public var aggregate: Aggregation
    /// First ledger date to export.
    public var start: LedgerDate
    /// Absolute path of a company file (needed for SAF-T).
    public var company: String?
    /// Absolute path of an opening-balances CSV for SAF-T.
    public var openingBalances: String?
  }

  /// Absolute path of the SQLite state database.
  public var state: String
  /// Absolute path of the output root; one sub-folder per client.
  public var output: String
  /// Exported dates re-fetched and compared each run (0 = none).
  public var lookback: Int
  /// Ledgers processed at the same time across all clients.
  public var concurrency: Int
  public var groupBy: GroupBy
  public var clients: [Client]
  /// SHA-256 of the configuration file.
  public var sha256: String

  /// Loads and checks a configuration file; relative paths are relative to its directory.
  ///
  /// - Throws: an error naming the file, line and key.
  public static func load(contentsOf path: String) throws -> RunConfiguration {
    let (file, sha) = try YAMLFile.load(
      RunConfigurationFile.self, contentsOf: path, what: "configuration")
    let base = (URL(fileURLWithPath: path).deletingLastPathComponent().path as NSString)
    func resolve(_ value: String) -> String {
      value.hasPrefix("/") ? value : base.appendingPathComponent(value)
    }
    var ids: Set<String> = []
    var clients: [Client] = []
    for (index, client) in file.clients.enumerated() {
      guard ids.insert(client.id).inserted else {
        throw MappingProfileError(
          .invalidValue, file: path, line: nil,
          "clients[\(index)]: duplicate client id '\(client.id)'")
      }
      if client.formats.contains(.saft) && client.company == nil
        && (client.address == nil || client.contacts == nil)
      {
        throw MappingProfileError(
          .missingKey, file: path, line: nil,
          "clients[\(index)] (\(client.id)): format saft needs 'company' (a company file) or 'address' and 'contacts'"
        )
      }
      clients.append(
        Client(
          id: client.id, name: client.name, organizationNumber: client.organizationNumber,
          ledgerSelection: client.ledgers, address: client.address, contacts: client.contacts,
          vatRegistered: client.vatRegistered,
          overridesYAML: client.hasOverrides ? try overrides(ofClient: index, in: path) : nil,
          mapping: resolve(client.mapping), formats: client.formats,
          aggregate: client.aggregate, start: client.start, company: client.company.map(resolve),
          openingBalances: client.openingBalances.map(resolve)))
    }
    return RunConfiguration(
      state: resolve(file.state ?? "vipps-ledger.sqlite"),
      output: resolve(file.output ?? "exports"),
      lookback: file.lookback ?? 0, concurrency: file.concurrency ?? 8,
      groupBy: file.groupBy ?? .day, clients: clients, sha256: sha)
  }

  /// The `overrides` mapping of client `index`, re-serialised as YAML.
  static func overrides(ofClient index: Int, in path: String) throws -> String? {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard let root = try Yams.compose(yaml: text), let clients = root["clients"]?.sequence,
      index < clients.count, let overrides = clients[index]["overrides"]
    else { return nil }
    return try Yams.serialize(node: overrides)
  }
}

extension RunConfiguration {
  /// Whether `name` is safe as one path component: ASCII letters, digits, `-`, `_`, `.`, not
  /// starting with a dot, at most 64 characters (so `..`, `/`, `\\` and hidden names are out).
  public static func isSafePathComponent(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }
}

/// The configuration file as written (strict decoding).
struct RunConfigurationFile: Decodable {
  struct ClientEntry: Decodable {
    var id: String
    var name: String
    var organizationNumber: String
    var ledgers: RunConfiguration.LedgerSelection
    var address: CompanyInfo.Address?
    var contacts: [CompanyInfo.Contact]?
    var vatRegistered: Bool?
    var hasOverrides: Bool
    var mapping: String
    var formats: [OutputFormat]
    var aggregate: Aggregation
    var start: LedgerDate
    var company: String?
    var openingBalances: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case id, name, organizationNumber, ledgers, mapping, formats, aggregate, start, company,
        openingBalances, address, contacts, vatRegistered, overrides
    }

    enum SelectorKeys: String, CodingKey, CaseIterable { case owner, salesUnits }

    init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      id = try c.decodeText(String.self, forKey: .id)
      guard RunConfiguration.isSafePathComponent(id) else {
        throw c.issue(
          "must use only letters, digits, '-', '_' and '.' (it names a folder)", at: .id)
      }
      name = try c.decodeText(String.self, forKey: .name)
      organizationNumber = try c.decodeText(String.self, forKey: .organizationNumber)
      if let ids = try? c.decode([LedgerID].self, forKey: .ledgers) {
        if ids.isEmpty { throw c.issue("needs at least one ledger ID", at: .ledgers) }
        guard ids.allSatisfy({ RunConfiguration.isSafePathComponent($0.rawValue) }) else {
          throw c.issue("ledger IDs must be letters and digits", at: .ledgers)
        }
        ledgers = .explicit(ids)
      } else {
        let selector = try c.superDecoder(forKey: .ledgers).strictContainer(SelectorKeys.self)
        if let owner = try selector.decodeIfPresent(String.self, forKey: .owner) {
          ledgers = .owner(owner)
        } else if let handles = try selector.decodeIfPresent([String].self, forKey: .salesUnits),
          !handles.isEmpty
        {
          ledgers = .salesUnits(handles)
        } else {
          throw c.issue(
            "must be a list of ledger IDs, {owner: \"<organisation number>\"} or {salesUnits: [...]}",
            at: .ledgers)
        }
      }
      address = try c.decodeIfPresent(CompanyInfo.Address.self, forKey: .address)
      contacts = try c.decodeIfPresent([CompanyInfo.Contact].self, forKey: .contacts)
      vatRegistered = try c.decodeIfPresent(Bool.self, forKey: .vatRegistered)
      hasOverrides = c.contains(.overrides)
      mapping = try c.decodeText(String.self, forKey: .mapping)
      let formatNames = try c.decodeIfPresent([String].self, forKey: .formats) ?? ["csv"]
      formats = try formatNames.map { name in
        guard let format = OutputFormat(rawValue: name) else {
          throw c.issue("unknown format '\(name)' (csv, json, jsonl, saft)", at: .formats)
        }
        return format
      }
      let aggregateName = try c.decodeIfPresent(String.self, forKey: .aggregate) ?? "entry"
      guard let aggregate = Aggregation(rawValue: aggregateName) else {
        throw c.issue("must be entry or daily", at: .aggregate)
      }
      self.aggregate = aggregate
      start = try c.decode(LedgerDate.self, forKey: .start)
      company = try c.decodeIfPresent(String.self, forKey: .company)
      openingBalances = try c.decodeIfPresent(String.self, forKey: .openingBalances)
    }
  }

  var state: String?
  var output: String?
  var lookback: Int?
  var concurrency: Int?
  var groupBy: RunConfiguration.GroupBy?
  var clients: [ClientEntry]

  enum CodingKeys: String, CodingKey, CaseIterable {
    case state, output, lookback, concurrency, groupBy, clients
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(CodingKeys.self)
    state = try c.decodeIfPresent(String.self, forKey: .state)
    output = try c.decodeIfPresent(String.self, forKey: .output)
    lookback = try c.decodeIfPresent(Int.self, forKey: .lookback)
    if let lookback, lookback < 0 { throw c.issue("must be 0 or more", at: .lookback) }
    concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency)
    if let concurrency, concurrency < 1 { throw c.issue("must be 1 or more", at: .concurrency) }
    if let name = try c.decodeIfPresent(String.self, forKey: .groupBy) {
      guard let value = RunConfiguration.GroupBy(rawValue: name) else {
        throw c.issue("must be day, month or run", at: .groupBy)
      }
      groupBy = value
    }
    clients = try c.decode([ClientEntry].self, forKey: .clients)
    if clients.isEmpty { throw c.issue("needs at least one client", at: .clients) }
  }
}
