import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI
import StateStore
import Testing

/// `vipps-ledger run` semantics over HTTP against the mock server: nights, idempotency, lookback.
@Suite(.serialized) struct NightlyRunTests {
  static let start = LedgerDate("2025-03-01")!

  /// A configuration with one client and two synthetic ledgers in `directory`.
  static func configuration(in directory: String, groupBy: String = "day", lookback: Int = 0) throws
    -> RunConfiguration
  {
    let yaml = """
      state: state/vipps-ledger.sqlite
      output: exports
      lookback: \(lookback)
      groupBy: \(groupBy)
      clients:
        - id: acme
          name: ACME AS
          organizationNumber: "973072363"
          ledgers: ["100001", "100002"]
          mapping: \(repositoryRoot)/mappings/no-sales.yaml
          formats: [csv, jsonl, saft]
          aggregate: entry
          start: \(start)
          company: \(repositoryRoot)/samples/company.yaml
      """
    try yaml.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
    return try RunConfiguration.load(contentsOf: directory + "/config.yaml")
  }

  /// A server whose dataset has `days` dates, the last one open.
  static func server(days: Int) -> MockServerConfiguration {
    var server = MockServerConfiguration(
      data: .synthetic(
        .init(seed: 11, ledgers: 2, start: start, days: days, entriesPerDay: 40, openDays: 1)))
    server.pageSize = 30
    return server
  }

  static func night(
    _ configuration: RunConfiguration, days: Int, asOf: LedgerDate, log: RequestLog = RequestLog(),
    number: Int, force: Bool = false
  ) async throws -> RunManifest {
    let store = try SQLiteStateStore(path: configuration.state)
    return try await withMockSource(server(days: days), log: log, gdpr: false) { source in
      var runner = NightlyRunner(configuration: configuration, store: store, source: source)
      runner.force = force
      return try await runner.run(
        asOf: asOf, runID: "run-\(number)", startedAt: "2025-03-0\(number)T02:00:00Z")
    }
  }

  @Test func eachDateIsExportedExactlyOnceAcrossNights() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configuration = try Self.configuration(in: directory)
    // Night 1: dates 1–3 closed, 4 open.
    let first = try await Self.night(
      configuration, days: 4, asOf: Self.start.adding(days: 4), number: 1)
    #expect(first.isClean, "\(first.ledgers.flatMap(\.diagnostics))")
    #expect(first.ledgers.map { $0.datesExported.count } == [3, 3])
    #expect(first.ledgers.allSatisfy { $0.datesOpen == [Self.start.adding(days: 3)] })
    // Night 2: date 4 closed, 5 open.
    let second = try await Self.night(
      configuration, days: 5, asOf: Self.start.adding(days: 5), number: 2)
    #expect(second.ledgers.allSatisfy { $0.datesExported == [Self.start.adding(days: 3)] })
    // Night 3, same day again: nothing new; only the open date is asked for.
    let log = RequestLog()
    let third = try await Self.night(
      configuration, days: 5, asOf: Self.start.adding(days: 5), log: log, number: 3)
    #expect(third.ledgers.allSatisfy { $0.status == "nothing-new" && $0.datesExported.isEmpty })
    let reportRequests = log.requests.filter { $0.path.hasPrefix("/report/") }
    #expect(
      reportRequests.count == 2,
      "one page of the funds topic per ledger: \(reportRequests.map(\.path))")
    #expect(reportRequests.allSatisfy { $0.path.hasSuffix("/dates/\(Self.start.adding(days: 4))") })
    #expect(!log.requests.contains { $0.path == "/settlement/v1/ledgers" })
    let store = try SQLiteStateStore(path: configuration.state)
    for ledger in ["100001", "100002"] {
      let exported = try store.exportedDates(ledger: LedgerID(ledger))
      #expect(exported.map(\.date) == Self.start.through(Self.start.adding(days: 3)))
      #expect(try store.openDates(ledger: LedgerID(ledger)) == [Self.start.adding(days: 4)])
      for record in exported {
        for file in record.files {
          let data = try Data(
            contentsOf: URL(fileURLWithPath: configuration.output + "/" + file.path))
          #expect(SHA256.hex(data) == file.sha256)
        }
      }
    }
    let files = try contents(of: configuration.output).keys.filter { !$0.hasPrefix("runs/") }
      .sorted()
    #expect(files.count == 2 * 4 * 3)
    #expect(files.contains("acme/100001/2025-03-01.xml"))
    #expect(try store.runs(limit: 10).map(\.status) == ["ok", "ok", "ok"])
  }

  @Test func forceReproducesByteIdenticalFilesFromTheCache() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configuration = try Self.configuration(in: directory, groupBy: "month")
    _ = try await Self.night(configuration, days: 4, asOf: Self.start.adding(days: 4), number: 1)
    let before = try contents(of: configuration.output).filter { !$0.key.hasPrefix("runs/") }
    let log = RequestLog()
    let forced = try await Self.night(
      configuration, days: 4, asOf: Self.start.adding(days: 4), log: log, number: 2, force: true)
    #expect(forced.isClean)
    let after = try contents(of: configuration.output).filter { !$0.key.hasPrefix("runs/") }
    #expect(before == after)
    #expect(before.keys.contains("acme/100002/2025-03.csv"))
    // Only the open date went to the API.
    #expect(
      log.requests.filter { $0.path.hasPrefix("/report/") }.allSatisfy {
        $0.path.hasSuffix("\(Self.start.adding(days: 3))")
      })
  }

  @Test func lookbackVerifiesAndReportsChangedData() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configuration = try Self.configuration(in: directory, lookback: 2)
    _ = try await Self.night(configuration, days: 4, asOf: Self.start.adding(days: 4), number: 1)
    let verified = try await Self.night(
      configuration, days: 4, asOf: Self.start.adding(days: 4), number: 2)
    #expect(verified.isClean)
    #expect(verified.ledgers.allSatisfy { $0.datesVerified.count == 2 })
    // Vipps' data for an exported date changes (another seed): an error, not a re-export.
    let store = try SQLiteStateStore(path: configuration.state)
    let exportedBefore = try store.exportedDates(ledger: "100001")
    var changed = MockServerConfiguration(
      data: .synthetic(
        .init(seed: 12, ledgers: 2, start: Self.start, days: 4, entriesPerDay: 40, openDays: 1)))
    changed.pageSize = 30
    let manifest = try await withMockSource(changed, gdpr: false) { source in
      try await NightlyRunner(configuration: configuration, store: store, source: source)
        .run(asOf: Self.start.adding(days: 4), runID: "run-3", startedAt: "2025-03-05T02:00:00Z")
    }
    #expect(!manifest.isClean)
    #expect(
      manifest.ledgers.allSatisfy {
        $0.diagnostics.contains { $0.contains("differs from what was exported") }
      })
    #expect(try store.exportedDates(ledger: "100001") == exportedBefore)
  }
}
