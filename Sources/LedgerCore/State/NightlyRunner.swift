import Foundation

/// `vipps-ledger run`: exports every closed, not-yet-exported ledger date of every configured
/// ledger up to the day before `asOf`, exactly once.
///
/// Per ledger: (1) the lookback re-fetches the last N exported dates and compares them with what
/// was exported; (2) new dates are fetched in order through a ``CachingSource`` until the first
/// open date (remembered as open, later dates pending); (3) the output files are written from the
/// cache, each fsynced and renamed into place; (4) only then are the dates recorded as exported.
/// A crash anywhere leaves either no record (the rerun writes the same bytes again) or a record
/// whose files are in place.
public struct NightlyRunner: Sendable {
  public let configuration: RunConfiguration
  public let store: any StateStore
  public let source: any ReportSource
  /// Ignore cached pages (fetch again; the cache is refreshed).
  public var refetch = false
  /// Export already-exported dates again (from the cache) and rewrite their files.
  public var force = false
  /// Called at named points; tests use it to simulate crashes.
  public var checkpoint: @Sendable (String) -> Void = { _ in }
  /// Called as each ledger finishes.
  public var progress: @Sendable (Progress) -> Void = { _ in }
  /// Keep every ledger's result in the returned manifest (the files always have them). Off for
  /// runs over many ledgers, so memory does not grow with them.
  public var retainsResults = true

  /// Progress of a run.
  public struct Progress: Sendable {
    public var done: Int
    public var total: Int
    public var ledger: RunManifest.LedgerResult
  }

  public init(configuration: RunConfiguration, store: any StateStore, source: any ReportSource) {
    self.configuration = configuration
    self.store = store
    self.source = source
  }

  /// Runs one night.
  ///
  /// - Parameters:
  ///   - asOf: The day the run treats as today; dates up to the day before are due.
  ///   - runID: A unique ID for the run.
  ///   - startedAt: ISO 8601 time the run started (for the record).
  /// - Returns: The manifest (also written to `<output>/runs/<runID>.json`).
  public func run(asOf: LedgerDate, runID: String, startedAt: String) async throws -> RunManifest {
    removeStaleTemporaryFiles()
    for stale in try store.runs(limit: 1000) where stale.status == "running" {
      try store.finishRun(runID: stale.runID, status: "interrupted", manifestPath: "")
    }
    try store.beginRun(
      RunRecord(
        runID: runID, startedAt: startedAt, asOf: asOf, toolVersion: VippsLedger.version,
        configSHA256: configuration.sha256))
    // Ledgers: explicit, or discovered from the ledger list (one request for the whole run).
    let discovers = configuration.clients.contains {
      if case .explicit = $0.ledgerSelection { return false }
      return true
    }
    var listed: [Ledger] = []
    var runDiagnostics: [String] = []
    if discovers {
      do {
        listed = try await source.ledgers()
      } catch {
        runDiagnostics.append("error: cannot list ledgers for discovery: \(error)")
      }
    }
    var work: [(client: Int, ledger: LedgerID)] = []
    var failed: [RunManifest.LedgerResult] = []
    var contexts: [Int: ClientContext] = [:]
    var mappingHashes: [String: String] = [:]
    var assigned: Set<LedgerID> = []
    var profiles: [String: MappingProfile] = [:]
    for (index, client) in configuration.clients.enumerated() {
      var ledgers = client.ledgers
      if ledgers.isEmpty {
        ledgers = listed.filter { client.ledgerSelection.matches($0) }.map(\.ledgerId).sorted()
        if ledgers.isEmpty {
          failed.append(
            .failed(
              client: client.id, ledger: "-",
              "no ledger visible to these keys matches \(client.ledgerSelection)"))
        }
      }
      assigned.formUnion(ledgers)
      do {
        let context = try ClientContext(client: client, asOf: asOf, profiles: &profiles)
        contexts[index] = context
        mappingHashes[context.profile.name] = context.profile.sha256
        work += ledgers.map { (index, $0) }
      } catch {
        failed += ledgers.map {
          .failed(client: client.id, ledger: $0.rawValue, "client \(client.id): \(error)")
        }
      }
    }
    let unassigned = listed.map(\.ledgerId).filter { !assigned.contains($0) }.sorted()
    let report = try RunReportWriter(
      output: configuration.output, runID: runID,
      header: [
        ("runId", "\"\(runID)\""), ("tool", "\"vipps-ledger\""),
        ("toolVersion", "\"\(VippsLedger.version)\""), ("startedAt", "\"\(startedAt)\""),
        ("asOf", "\"\(asOf)\""), ("configSHA256", "\"\(configuration.sha256)\""),
        (
          "mappingSHA256",
          String(decoding: try JSONEncoder.sorted.encode(mappingHashes), as: UTF8.self)
        ),
      ], asOf: asOf)
    var retained: [RunManifest.LedgerResult] = []
    func record(_ row: RunManifest.LedgerResult) throws {
      try report.add(row)
      if retainsResults { retained.append(row) }
    }
    for row in failed { try record(row) }
    let total = work.count
    // Rows are written in configuration order; a few finished out of order wait here.
    var pending: [Int: RunManifest.LedgerResult] = [:]
    var nextToWrite = 0
    try await withThrowingTaskGroup(of: (Int, RunManifest.LedgerResult).self) { group in
      var next = 0
      func start() {
        let index = next
        let item = work[index]
        next += 1
        guard let context = contexts[item.client] else { return }
        group.addTask {
          guard RunConfiguration.isSafePathComponent(item.ledger.rawValue) else {
            return (
              index,
              .failed(
                client: context.client.id, ledger: item.ledger.rawValue,
                "ledger ID '\(item.ledger)' is not safe as a folder name")
            )
          }
          return (index, await runLedger(item.ledger, context: context, asOf: asOf, runID: runID))
        }
      }
      while next < work.count && next < configuration.concurrency { start() }
      var done = 0
      while let (index, result) = try await group.next() {
        pending[index] = result
        while let row = pending.removeValue(forKey: nextToWrite) {
          try record(row)
          nextToWrite += 1
        }
        done += 1
        progress(.init(done: done, total: total, ledger: result))
        if next < work.count { start() }
      }
    }
    let errors = report.failedLedgers + runDiagnostics.count
    try report.finish(
      unassigned: unassigned.map(\.rawValue), diagnostics: runDiagnostics, errors: errors)
    try store.finishRun(
      runID: runID, status: errors == 0 ? "ok" : "failed", manifestPath: report.manifestPath)
    return RunManifest(
      runId: runID, tool: "vipps-ledger", toolVersion: VippsLedger.version, startedAt: startedAt,
      asOf: asOf, configSHA256: configuration.sha256, mappingSHA256: mappingHashes,
      ledgers: retained, unassignedLedgers: unassigned.map(\.rawValue), diagnostics: runDiagnostics,
      errors: errors)
  }

  /// SAF-T company data (company file, else inline address and contacts; the client's name and
  /// organisation number win) and opening balances; `nil` when the client writes no SAF-T.
  static func saftOptions(
    _ client: RunConfiguration.Client, profile: MappingProfile, asOf: LedgerDate
  ) throws -> SAFTOptions? {
    guard client.formats.contains(.saft) else { return nil }
    var company: CompanyInfo
    if let path = client.company {
      company = try CompanyInfo.load(contentsOf: path)
    } else if let address = client.address, let contacts = client.contacts {
      company = CompanyInfo(
        organizationNumber: client.organizationNumber, name: client.name, address: address,
        contacts: contacts, vatRegistered: client.vatRegistered ?? false)
    } else {
      return nil
    }
    company.organizationNumber = client.organizationNumber
    company.name = client.name
    let opening = try client.openingBalances.map {
      try OpeningBalances.load(contentsOf: $0, profile: profile)
    }
    return SAFTOptions(company: company, openingBalances: opening ?? [:], createdOn: asOf)
  }

  /// Removes temporary files and work folders a killed run left under the output root (the
  /// caller holds the state lock, so no other run is writing there).
  func removeStaleTemporaryFiles() {
    let fileManager = FileManager.default
    guard let walker = fileManager.enumerator(atPath: configuration.output) else { return }
    var stale: [String] = []
    for case let path as String in walker {
      let name = (path as NSString).lastPathComponent
      if (name.hasPrefix(".") && name.contains(".tmp-")) || name.hasPrefix(".vipps-ledger-work-") {
        stale.append(path)
      }
    }
    for path in stale {
      try? fileManager.removeItem(
        atPath: (configuration.output as NSString).appendingPathComponent(path))
    }
  }

  /// What a client's exports need, loaded once per run.
  struct ClientContext {
    let client: RunConfiguration.Client
    let profile: MappingProfile
    let saft: SAFTOptions?

    /// - Parameter profiles: Profiles loaded so far, by path (clients without overrides share one).
    init(
      client: RunConfiguration.Client, asOf: LedgerDate, profiles: inout [String: MappingProfile]
    ) throws {
      self.client = client
      let profile: MappingProfile
      if let overrides = client.overridesYAML {
        profile = try MappingProfile.load(
          contentsOf: client.mapping, overrides: overrides,
          label: "\(client.mapping) + overrides of client \(client.id)")
      } else if let shared = profiles[client.mapping] {
        profile = shared
      } else {
        profile = try MappingProfile.load(contentsOf: client.mapping)
        profiles[client.mapping] = profile
      }
      self.profile = profile
      saft = try NightlyRunner.saftOptions(client, profile: profile, asOf: asOf)
    }
  }
}
