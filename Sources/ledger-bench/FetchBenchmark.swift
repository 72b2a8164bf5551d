import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI

/// `ledger-bench --fetch [LEDGER_DATES] [--latency-ms 20] [--concurrency 16] [--ledgers-at-once N]`:
/// fetches LEDGER_DATES ledger-dates (both topics) over HTTP from the local mock server with
/// injected latency, through the full export, with at most `--concurrency` requests in flight
/// (ledgers processed at once: 4 × that by default), and compares the time with the bound
/// `requests × latency / concurrency`.
enum FetchBenchmark {
  static func run(arguments: [String]) async throws {
    func option(_ name: String, _ fallback: Int) -> Int {
      guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
        return fallback
      }
      return Int(arguments[index + 1]) ?? fallback
    }
    let ledgerDates = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1000
    let latency = option("--latency-ms", 20)
    let concurrency = option("--concurrency", 16)
    let ledgerConcurrency = option("--ledgers-at-once", concurrency * 4)
    let days = 20
    let ledgers = max(1, ledgerDates / days)
    let start = LedgerDate(year: 2025, month: 1, day: 1)!
    var server = MockServerConfiguration(
      data: .synthetic(
        .init(seed: 9, ledgers: ledgers, start: start, days: days, entriesPerDay: 20, openDays: 0)))
    server.latency = .milliseconds(latency)
    server.ledgerPageSize = 100
    let log = RequestLog()
    let out = NSTemporaryDirectory() + "vipps-ledger-fetch-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let clock = ContinuousClock()
    var report: RunReport?
    let elapsed = try await clock.measure {
      report = try await MockReportAPIServer(configuration: server, log: log).withRunning { port in
        var configuration = try ReportAPIConfiguration(
          baseURL: "http://127.0.0.1:\(port)", version: VippsLedger.version)
        configuration.maximumConcurrentRequests = concurrency
        let credentials = ReportAPICredentials(
          flow: .partner, clientID: "demo-client", clientSecret: "demo-secret")
        return try await HTTPReportSource.withSource(
          configuration: configuration, credentials: credentials,
          logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { source in
          try await ExportPipeline().run(
            ExportRequest(
              source: source, ledgers: nil, from: start, to: start.adding(days: days - 1),
              profile: try MappingProfile.load(contentsOf: "mappings/no-sales.yaml"),
              aggregation: .entry,
              encoders: [CSVJournalEncoder()], outputDirectory: out, concurrency: ledgerConcurrency)
          )
        }
      }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let requests = log.requests.count
    let bound = Double(requests) * Double(latency) / 1000 / Double(concurrency)
    let exported = report?.ledgers.reduce(0) { $0 + $1.datesExported.count } ?? 0
    print(
      String(
        format:
          "fetch\t%d ledger-dates exported\t%d requests\tlatency %d ms\tconcurrency %d\t%.2f s\tbound %.2f s\t%.0f%% of bound\tclean %@",
        exported, requests, latency, concurrency, seconds, bound, bound / seconds * 100,
        report?.isClean == true ? "yes" : "NO"))
  }
}
