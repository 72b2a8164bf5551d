import Foundation
import LedgerCore
import MockReportAPI
import ReportAPI
import StateStore
import Testing

/// An accounting partner's run: dozens of clients, some failing, discovery, unassigned ledgers.
@Suite(.serialized) struct PartnerRunTests {
  static let day = LedgerDate("2025-04-01")!

  /// Writes a recording of `count` ledgers (one closed date, one open) with owners; ledger
  /// `brokenChain` gets a broken balance chain.
  static func recording(in directory: String, count: Int, brokenChain: LedgerID) throws -> [Ledger]
  {
    let recorder = ReplayRecorder(directory: directory, pageSize: 25)
    var ledgers: [Ledger] = []
    for index in 0..<count {
      let id = LedgerID(String(200_001 + index))
      let unit: String = "NO:\(50_000 + index)"
      var generator = SyntheticLedger(
        seed: UInt64(100 + index), ledgerID: id, salesUnits: [unit], start: day, entriesPerDay: 30)
      var ledger = Ledger(ledgerId: id, currency: "NOK")
      let owner: Int = 910_000_000 + index / 2
      let handle: String = "NO:\(50_000 + index)"
      ledger.owner = Ledger.Identifier(scheme: "business:NO:ORG", id: String(owner))
      ledger.settlesForRecipientHandles = [handle]
      ledgers.append(ledger)
      var first = generator.nextDay()
      if id == brokenChain {
        first.funds[3].balanceBefore += 100
        first.funds[3].balanceAfter += 100
      }
      let second = generator.nextDay()
      try recorder.writeDate(ledger: id, topic: .funds, date: first.date, entries: first.funds)
      try recorder.writeDate(ledger: id, topic: .fees, date: first.date, entries: first.fees)
      try recorder.writeDate(
        ledger: id, topic: .funds, date: second.date, entries: second.funds, open: true)
      try recorder.writeDate(
        ledger: id, topic: .fees, date: second.date, entries: second.fees, open: true)
    }
    try recorder.writeLedgers(ledgers)
    return ledgers
  }

  static func client(
    _ id: String, ledgers: String, mapping: String = "\(repositoryRoot)/mappings/no-sales.yaml",
    extra: String = ""
  ) -> String {
    """
      - id: \(id)
        name: \(id) AS
        organizationNumber: "999000111"
        ledgers: \(ledgers)
        mapping: \(mapping)
        formats: [csv, saft]
        start: \(day)
        address: { streetName: Storgata, number: "1", city: Oslo, postalCode: "0155" }
        contacts: [{ firstName: Kari, lastName: Nordmann }]
    \(extra)
    """
  }

  @Test func dozensOfClientsWithFailuresIsolated() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let ledgers = try Self.recording(in: directory + "/recorded", count: 30, brokenChain: "200007")
    // Clients: 200001–200024 one each (200007 broken), 200025+200026 discovered by owner
    // 910000012, 200027 by sales unit, 200028 with a bad override, 200030 not visible to the keys;
    // 200029 is claimed by nobody.
    var clients = (0..<24).map { Self.client("client-\($0 + 1)", ledgers: "[\"\(200_001 + $0)\"]") }
    clients.append(Self.client("by-owner", ledgers: "{ owner: \"910000012\" }"))
    clients.append(Self.client("by-sales-unit", ledgers: "{ salesUnits: [\"NO:50026\"] }"))
    clients.append(
      Self.client(
        "bad-override", ledgers: "[\"200028\"]",
        extra: """
              overrides:
                rules:
                  - name: client-sales
                    match: { topic: funds, entryType: capture }
                    contra: "3999"
          """))
    clients.append(Self.client("no-access", ledgers: "[\"200030\"]"))
    let yaml =
      "state: state.sqlite\noutput: exports\nconcurrency: 6\nclients:\n"
      + clients.joined(separator: "\n")
    try yaml.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
    let configuration = try RunConfiguration.load(contentsOf: directory + "/config.yaml")
    #expect(configuration.clients.count == 28)

    var server = MockServerConfiguration(data: .replay(directory: directory + "/recorded"))
    server.credentials = [
      .init(
        clientID: "demo-client", clientSecret: "demo-secret", kind: .partner,
        ledgers: Set(ledgers.map(\.ledgerId).filter { $0 != "200030" }))
    ]
    let store = try SQLiteStateStore(path: configuration.state)
    let manifest = try await withMockSource(server, gdpr: false) { source in
      try await NightlyRunner(configuration: configuration, store: store, source: source)
        .run(asOf: Self.day.adding(days: 2), runID: "partner-1", startedAt: "2025-04-03T02:00:00Z")
    }
    #expect(!manifest.isClean)
    let byClient = Dictionary(grouping: manifest.ledgers, by: \.client)
    // Healthy clients: every ledger exported its closed date, the open date is remembered.
    for index in 1...24 where index != 7 {
      let rows = try #require(byClient["client-\(index)"])
      #expect(rows.map(\.status) == ["ok"], "client-\(index): \(rows.flatMap(\.diagnostics))")
      #expect(rows[0].datesExported == [Self.day])
      #expect(rows[0].datesOpen == [Self.day.adding(days: 1)])
      let ledger = String(200_000 + index)
      for ext in ["csv", "xml"] {
        #expect(
          FileManager.default.fileExists(
            atPath: "\(configuration.output)/client-\(index)/\(ledger)/\(Self.day).\(ext)"))
      }
    }
    #expect(byClient["by-owner"]?.map(\.ledgerId) == ["200025", "200026"])
    #expect(byClient["by-owner"]?.allSatisfy { $0.status == "ok" } == true)
    #expect(byClient["by-sales-unit"]?.map(\.ledgerId) == ["200027"])
    // Failures, each with its reason.
    let broken = try #require(byClient["client-7"]?.first)
    #expect(broken.status == "failed")
    #expect(broken.diagnostics.contains { $0.contains("balance chain") })
    #expect(
      !FileManager.default.fileExists(
        atPath: "\(configuration.output)/client-7/200007/\(Self.day).csv"))
    let override = try #require(byClient["bad-override"]?.first)
    #expect(override.status == "failed")
    #expect(override.diagnostics.contains { $0.contains("3999") && $0.contains("bad-override") })
    let noAccess = try #require(byClient["no-access"]?.first)
    #expect(noAccess.status == "failed")
    #expect(noAccess.diagnostics.contains { $0.contains("No such ledgerId") })
    #expect(manifest.unassignedLedgers == ["200029"])
    #expect(manifest.errors == 3)
    // The human summary says the same.
    let summary = try String(
      contentsOfFile: configuration.output + "/runs/partner-1.txt", encoding: .utf8)
    #expect(summary.contains("25 of 28 clients ok"))
    #expect(summary.contains("client-7: FAILED"))
    #expect(summary.contains("assigned to no client (not exported): 200029"))
  }

  @Test(arguments: [
    "../evil", "a/b", "..", ".hidden", "x\\y", "", "ok id", String(repeating: "a", count: 65),
  ])
  func hostileClientIDsAreRejected(id: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let yaml =
      "clients:\n"
      + Self.client("\"\(id.replacingOccurrences(of: "\\", with: "\\\\"))\"", ledgers: "[\"1\"]")
    try yaml.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
    #expect(throws: (any Error).self) {
      try RunConfiguration.load(contentsOf: directory + "/config.yaml")
    }
    #expect(!RunConfiguration.isSafePathComponent(id))
    #expect(RunConfiguration.isSafePathComponent("acme-2025_v1.0"))
  }
}
