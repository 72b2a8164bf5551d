import Foundation

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

  /// One client (a merchant): its ledgers and how they are exported.
  public struct Client: Sendable, Hashable {
    public var id: String
    public var name: String
    public var organizationNumber: String
    public var ledgers: [LedgerID]
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
      if client.formats.contains(.saft) && client.company == nil {
        throw MappingProfileError(
          .missingKey, file: path, line: nil,
          "clients[\(index)] (\(client.id)): format saft needs 'company' (a company file with address and contacts)"
        )
      }
      clients.append(
        Client(
          id: client.id, name: client.name, organizationNumber: client.organizationNumber,
          ledgers: client.ledgers, mapping: resolve(client.mapping), formats: client.formats,
          aggregate: client.aggregate, start: client.start, company: client.company.map(resolve),
          openingBalances: client.openingBalances.map(resolve)))
    }
    return RunConfiguration(
      state: resolve(file.state ?? "vipps-ledger.sqlite"),
      output: resolve(file.output ?? "exports"),
      lookback: file.lookback ?? 0, groupBy: file.groupBy ?? .day, clients: clients, sha256: sha)
  }
}

/// The configuration file as written (strict decoding).
struct RunConfigurationFile: Decodable {
  struct ClientEntry: Decodable {
    var id: String
    var name: String
    var organizationNumber: String
    var ledgers: [LedgerID]
    var mapping: String
    var formats: [OutputFormat]
    var aggregate: Aggregation
    var start: LedgerDate
    var company: String?
    var openingBalances: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
      case id, name, organizationNumber, ledgers, mapping, formats, aggregate, start, company,
        openingBalances
    }

    init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      id = try c.decodeText(String.self, forKey: .id)
      guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
        !id.hasPrefix(".")
      else {
        throw c.issue(
          "must use only letters, digits, '-', '_' and '.' (it names a folder)", at: .id)
      }
      name = try c.decodeText(String.self, forKey: .name)
      organizationNumber = try c.decodeText(String.self, forKey: .organizationNumber)
      ledgers = try c.decode([LedgerID].self, forKey: .ledgers)
      if ledgers.isEmpty { throw c.issue("needs at least one ledger ID", at: .ledgers) }
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
  var groupBy: RunConfiguration.GroupBy?
  var clients: [ClientEntry]

  enum CodingKeys: String, CodingKey, CaseIterable {
    case state, output, lookback, groupBy, clients
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(CodingKeys.self)
    state = try c.decodeIfPresent(String.self, forKey: .state)
    output = try c.decodeIfPresent(String.self, forKey: .output)
    lookback = try c.decodeIfPresent(Int.self, forKey: .lookback)
    if let lookback, lookback < 0 { throw c.issue("must be 0 or more", at: .lookback) }
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
