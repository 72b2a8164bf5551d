import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI
import Testing

/// Faults, retries and secrets over a whole export.
@Suite(.serialized) struct ResilienceTests {
  static let start = LedgerDate("2025-05-01")!

  static func synthetic(faults: MockServerConfiguration.Faults = .none) -> MockServerConfiguration {
    var server = MockServerConfiguration(
      data: .synthetic(
        .init(seed: 42, ledgers: 3, start: start, days: 6, entriesPerDay: 120, openDays: 1)))
    server.pageSize = 50
    server.ledgerPageSize = 2
    server.faults = faults
    return server
  }

  static func export(
    _ server: MockServerConfiguration, into out: String, log: RequestLog = RequestLog(),
    logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
  ) async throws -> RunReport {
    try await withMockSource(server, log: log, logger: logger) { source in
      let options = SAFTOptions(
        company: try CompanyInfo.load(contentsOf: repositoryRoot + "/samples/company.yaml"),
        createdOn: LedgerDate("2025-06-01")!)
      return try await ExportPipeline().run(
        ExportRequest(
          source: source, ledgers: nil, from: start, to: start.adding(days: 5),
          profile: try MappingProfile.load(contentsOf: repositoryRoot + "/mappings/no-sales.yaml"),
          aggregation: .entry,
          encoders: [
            CSVJournalEncoder(), JSONLinesJournalEncoder(), SAFTJournalEncoder(options: options),
          ],
          outputDirectory: out, saft: options, concurrency: 3))
    }
  }

  @Test func twentyPercentFaultsGiveByteIdenticalOutputs() async throws {
    let clean = try temporaryDirectory()
    let faulty = try temporaryDirectory()
    defer {
      try? FileManager.default.removeItem(atPath: clean)
      try? FileManager.default.removeItem(atPath: faulty)
    }
    let reference = try await Self.export(Self.synthetic(), into: clean)
    #expect(reference.isClean)
    #expect(reference.ledgers.count == 3)
    #expect(reference.ledgers.allSatisfy { $0.datesExported.count == 5 && $0.datesOpen.count == 1 })
    let faults = MockServerConfiguration.Faults(
      seed: 7, tooManyRequests: 0.04, serverError: 0.04, dropConnection: 0.03, slow: 0.03,
      truncatedBody: 0.03, spuriousUnauthorized: 0.03, retryAfterSeconds: 0,
      slowDelay: .milliseconds(20))
    let log = RequestLog()
    let report = try await Self.export(Self.synthetic(faults: faults), into: faulty, log: log)
    #expect(report.isClean, "\(report.ledgers.flatMap(\.diagnostics))")
    let statuses = log.requests.map(\.status)
    #expect(statuses.contains(429))
    #expect(statuses.contains { $0 >= 500 })
    #expect(statuses.contains(401))
    let a = try contents(of: clean)
    let b = try contents(of: faulty)
    #expect(a.keys.sorted() == b.keys.sorted())
    for (path, data) in a { #expect(b[path] == data, "\(path) differs with faults") }
  }

  @Test func noSecretOrTokenInLogsErrorsOrFiles() async throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let secret = "merchant-secret-7f3a9c"
    let key = "subscription-key-91b2e4"
    var server = Self.synthetic(
      faults: .init(
        seed: 3, tooManyRequests: 0.05, serverError: 0.05, dropConnection: 0, slow: 0,
        truncatedBody: 0, spuriousUnauthorized: 0.04, retryAfterSeconds: 0))
    server.merchantTokenLifetime = .seconds(2)
    server.credentials = [
      .init(
        clientID: "merchant-id", clientSecret: secret,
        kind: .merchant(subscriptionKey: key, msn: "654321"), ledgers: nil)
    ]
    let logs = CapturedLogs()
    let log = RequestLog()
    let credentials = ReportAPICredentials(
      flow: .merchant, clientID: "merchant-id", clientSecret: secret, subscriptionKey: key,
      merchantSerialNumber: "654321")
    let report = try await withMockSource(
      server, log: log, credentials: credentials, logger: logs.logger()
    ) { source in
      try await ExportPipeline().run(
        ExportRequest(
          source: source, ledgers: nil, from: Self.start, to: Self.start.adding(days: 5),
          profile: try MappingProfile.load(contentsOf: repositoryRoot + "/mappings/no-sales.yaml"),
          aggregation: .daily, encoders: [CSVJournalEncoder(), JSONJournalEncoder()],
          outputDirectory: out))
    }
    #expect(report.isClean)
    let tokens = Set(
      log.requests.compactMap { $0.headers["authorization"] }.filter { $0.hasPrefix("Bearer ") }
        .map { String($0.dropFirst(7)) })
    #expect(!tokens.isEmpty)
    #expect(
      log.requests.contains { $0.status == 401 }, "the run should have refreshed a rejected token")
    #expect(!logs.all.isEmpty)
    var haystack = logs.all.joined(separator: "\n") + "\(report)"
    for (_, data) in try contents(of: out) { haystack += String(decoding: data, as: UTF8.self) }
    for needle in [secret, key] + tokens {
      #expect(!haystack.contains(needle), "a secret or token leaked")
    }
    // A failing run's error text carries no secret either.
    let wrong = ReportAPICredentials(
      flow: .merchant, clientID: "merchant-id", clientSecret: "wrong-\(secret)",
      subscriptionKey: key, merchantSerialNumber: "654321")
    do {
      _ = try await withMockSource(server, credentials: wrong, logger: logs.logger()) {
        try await $0.ledgers()
      }
      Issue.record("expected an authentication error")
    } catch {
      #expect(!"\(error)".contains(secret) && !"\(error)".contains(key))
    }
    #expect(!logs.all.joined().contains(secret))
  }
}
