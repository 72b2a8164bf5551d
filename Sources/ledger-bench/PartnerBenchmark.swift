import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI
import StateStore
import Synchronization

/// `ledger-bench --partner [LEDGERS] [--latency-ms 20] [--concurrency 32]`: a partner's nightly run
/// over LEDGERS client ledgers (10 per client) × 1 closed date (plus an open one) against the
/// mock server with injected latency; reports time against the bound
/// `requests × latency / concurrency` and the process's peak memory.
enum PartnerBenchmark {
  static func run(arguments: [String]) async throws {
    func option(_ name: String, _ fallback: Int) -> Int {
      guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
        return fallback
      }
      return Int(arguments[index + 1]) ?? fallback
    }
    let ledgers = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1000
    let latency = option("--latency-ms", 20)
    let concurrency = option("--concurrency", 32)
    let start = LedgerDate(year: 2025, month: 1, day: 1)!
    let directory = NSTemporaryDirectory() + "vipps-ledger-partner-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var yaml = "state: state.sqlite\noutput: exports\nconcurrency: \(concurrency * 2)\nclients:\n"
    let mapping = FileManager.default.currentDirectoryPath + "/mappings/no-sales.yaml"
    for client in 0..<(ledgers + 9) / 10 {
      let ids = (0..<10).map { client * 10 + $0 }.filter { $0 < ledgers }.map {
        "\"\(100_001 + $0)\""
      }
      yaml += """
          - id: client-\(client + 1)
            name: Client \(client + 1) AS
            organizationNumber: "9\(String(format: "%08d", client))"
            ledgers: [\(ids.joined(separator: ", "))]
            mapping: \(mapping)
            formats: [csv]
            start: \(start)

        """
    }
    try yaml.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
    let configuration = try RunConfiguration.load(contentsOf: directory + "/config.yaml")
    var server = MockServerConfiguration(
      data: .synthetic(
        .init(seed: 3, ledgers: ledgers, start: start, days: 2, entriesPerDay: 20, openDays: 1)))
    server.latency = .milliseconds(latency)
    // A small log: the server runs in this process, and its memory is not the pipeline's.
    let log = RequestLog(capacity: 16)
    let counted = Mutex(0)
    let store = try SQLiteStateStore(path: configuration.state)
    let clock = ContinuousClock()
    var manifest: RunManifest?
    // With --server BINARY the mock server runs as `BINARY mock-server` in its own process, so the
    // peak memory measured here is the pipeline's alone.
    let serverBinary = arguments.firstIndex(of: "--server").map { arguments[$0 + 1] }
    let elapsed = try await clock.measure {
      let body: @Sendable (Int) async throws -> RunManifest = { port in
        var api = try ReportAPIConfiguration(
          baseURL: "http://127.0.0.1:\(port)", version: VippsLedger.version)
        api.maximumConcurrentRequests = concurrency
        return try await HTTPReportSource.withSource(
          configuration: api,
          credentials: ReportAPICredentials(
            flow: .partner, clientID: "demo-client", clientSecret: "demo-secret"),
          logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { source in
          let manifest = try await NightlyRunner(
            configuration: configuration, store: store, source: source
          )
          .run(asOf: start.adding(days: 2), runID: "bench", startedAt: "2025-01-03T02:00:00Z")
          counted.withLock { $0 = source.client.statistics.snapshot.requests }
          return manifest
        }
      }
      if let serverBinary {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: serverBinary)
        child.arguments = [
          "mock-server", "--synthetic", "--seed", "3", "--ledgers", String(ledgers), "--days", "2",
          "--entries-per-day", "20", "--open-days", "1", "--start", start.description, "--port",
          "0",
          "--latency-ms", String(latency),
        ]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        defer { child.terminate() }
        var line = Data()
        while true {
          let byte = out.fileHandleForReading.readData(ofLength: 1)
          if byte.isEmpty || byte.first == UInt8(ascii: "\n") { break }
          line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "127.0.0.1:"),
          let port = Int(text[range.upperBound...].prefix { $0.isNumber })
        else {
          fatalError("mock server did not start: \(text)")
        }
        manifest = try await body(port)
      } else {
        manifest = try await MockReportAPIServer(configuration: server, log: log).withRunning(body)
      }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let requests = counted.withLock { $0 } + 1  // + the token request
    let bound = Double(requests) * Double(latency) / 1000 / Double(concurrency)
    let exported = try (0..<ledgers).filter {
      try !store.exportedDates(ledger: LedgerID(String(100_001 + $0))).isEmpty
    }.count
    print(
      String(
        format:
          "partner\t%d ledgers\t%d exported\t%d requests\tlatency %d ms\tconcurrency %d\t%.2f s\tbound %.2f s\t%.2f× bound\tpeak RSS %.1f MB\tclean %@",
        ledgers, exported, requests, latency, concurrency, seconds, bound, seconds / bound,
        peakRSSMegabytes(), manifest?.isClean == true ? "yes" : "NO"))
  }
}
