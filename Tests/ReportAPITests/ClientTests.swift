import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI
import Testing

/// The project's HTTP client against the real local server on port 0.
@Suite struct ClientTests {
  @Test func partnerFlowListsLedgersAndPagesDates() async throws {
    let log = RequestLog()
    var server = MockServerConfiguration(data: .replay(directory: samples))
    server.ledgerPageSize = 1
    let (ledgers, pages) = try await withMockSource(server, log: log) { source in
      let ledgers = try await source.ledgers()
      var pages: [ReportPage] = []
      for try await located in source.pages(
        ledger: "300119", topic: .funds, date: LedgerDate("2025-10-23")!)
      {
        pages.append(located.page)
      }
      return (ledgers, pages)
    }
    #expect(ledgers.map(\.ledgerId.rawValue) == ["300119", "411027"])
    #expect(pages.count == 3)
    #expect(pages.map(\.hasMore) == [true, true, false])
    #expect(pages.flatMap(\.items).count == 26)
    #expect(pages.flatMap(\.items).contains { $0.name != nil })
    let requests = log.requests
    #expect(requests.contains { $0.path == "/miami/v1/token" })
    let dateRequests = requests.filter { $0.path.contains("/dates/") }
    #expect(dateRequests.count == 3)
    #expect(dateRequests.allSatisfy { $0.query["includeGDPRSensitiveData"] == "true" })
    #expect(dateRequests.dropFirst().allSatisfy { $0.query["cursor"] != nil })
    for request in requests {
      for header in [
        "vipps-system-name", "vipps-system-version", "vipps-system-plugin-name",
        "vipps-system-plugin-version",
      ] {
        #expect(request.headers[header] != nil, "\(request.path) lacks \(header)")
      }
      #expect(request.headers["ocp-apim-subscription-key"] == nil)
    }
    #expect(requests.filter { $0.path == "/settlement/v1/ledgers" }.count == 2)
  }

  @Test func merchantFlowSendsSubscriptionKeyEverywhere() async throws {
    let log = RequestLog()
    let credentials = ReportAPICredentials(
      flow: .merchant, clientID: "demo-merchant", clientSecret: "demo-merchant-secret",
      subscriptionKey: "demo-subscription-key", merchantSerialNumber: "123455")
    var server = MockServerConfiguration(data: .replay(directory: samples))
    server.credentials = [
      .init(
        clientID: "demo-merchant", clientSecret: "demo-merchant-secret",
        kind: .merchant(subscriptionKey: "demo-subscription-key", msn: "123455"),
        ledgers: ["300119"])
    ]
    let count = try await withMockSource(server, log: log, credentials: credentials) { source in
      var count = 0
      for try await located in source.pages(
        ledger: "300119", topic: .fees, date: LedgerDate("2025-10-21")!)
      {
        count += located.page.items.count
      }
      return count
    }
    #expect(count == 28)
    let requests = log.requests
    #expect(requests.first?.path == "/accesstoken/get")
    #expect(
      requests.allSatisfy { $0.headers["ocp-apim-subscription-key"] == "demo-subscription-key" })
    #expect(requests.allSatisfy { $0.headers["merchant-serial-number"] == "123455" })
  }

  @Test func wrongSecretIsAClearAuthenticationError() async throws {
    let server = MockServerConfiguration(data: .replay(directory: samples))
    let credentials = ReportAPICredentials(
      flow: .partner, clientID: "demo-client", clientSecret: "wrong-secret")
    await #expect {
      _ = try await withMockSource(server, credentials: credentials) { try await $0.ledgers() }
    } throws: { error in
      let text = "\(error)"
      return text.contains("authentication") && text.contains("HTTP 401")
        && !text.contains("wrong-secret")
    }
  }

  @Test func httpDemoEqualsTheGoldenFiles() async throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    try await withMockSource(MockServerConfiguration(data: .replay(directory: samples))) { source in
      for job in Demo.jobs {
        _ = try await Demo.run(
          job, samples: samples, mappings: repositoryRoot + "/mappings", output: out, source: source
        )
      }
    }
    let produced = try contents(of: out)
    let expected = try contents(of: repositoryRoot + "/samples/expected")
    #expect(produced.keys.sorted() == expected.keys.sorted())
    for (path, data) in expected { #expect(produced[path] == data, "\(path) differs over HTTP") }
  }

  @Test func aLedgerTheKeysCannotReadIsReportedAndTheOthersExported() async throws {
    var server = MockServerConfiguration(data: .replay(directory: samples))
    server.credentials = [
      .init(
        clientID: "demo-client", clientSecret: "demo-secret", kind: .partner, ledgers: ["300119"])
    ]
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let report = try await withMockSource(server) { source in
      try await ExportPipeline().run(
        ExportRequest(
          source: source, ledgers: ["300119", "411027"], from: LedgerDate("2025-10-20")!,
          to: LedgerDate("2025-10-27")!,
          profile: try MappingProfile.load(contentsOf: repositoryRoot + "/mappings/no-sales.yaml"),
          aggregation: .entry, encoders: [CSVJournalEncoder()], outputDirectory: out))
    }
    #expect(report.ledgers.map(\.status) == ["partial", "failed"])
    #expect(report.ledgers[0].datesOpen.map(\.description) == ["2025-10-27"])
    #expect(
      report.ledgers[1].diagnostics.contains {
        $0.contains("No such ledgerId") && $0.contains("411027")
      })
  }

  @Test func refusesPlainHTTPToOtherHosts() {
    #expect(throws: ReportAPIConfigurationError.self) {
      _ = try ReportAPIConfiguration(baseURL: "http://api.vipps.no", version: "1")
    }
    #expect(throws: ReportAPIConfigurationError.self) {
      _ = try ReportAPIConfiguration(baseURL: "ftp://127.0.0.1", version: "1")
    }
    #expect(
      (try? ReportAPIConfiguration(baseURL: "http://127.0.0.1:8080/", version: "1"))?.baseURL
        == "http://127.0.0.1:8080")
    #expect((try? ReportAPIConfiguration(baseURL: "http://localhost:1", version: "1")) != nil)
    #expect((try? ReportAPIConfiguration(baseURL: "https://api.vipps.no", version: "1")) != nil)
  }
}

extension ClientTests {
  @Test func globalRequestRateIsHonoured() async throws {
    let log = RequestLog()
    let server = MockServerConfiguration(data: .replay(directory: samples))
    let elapsed = try await MockReportAPIServer(configuration: server, log: log).withRunning {
      port in
      var configuration = try ReportAPIConfiguration(
        baseURL: "http://127.0.0.1:\(port)", version: "test")
      configuration.maximumRequestsPerSecond = 20
      configuration.maximumConcurrentRequests = 8
      return try await HTTPReportSource.withSource(
        configuration: configuration,
        credentials: .init(flow: .partner, clientID: "demo-client", clientSecret: "demo-secret"),
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
      ) { source in
        let clock = ContinuousClock()
        return try await clock.measure {
          try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await source.ledgers().count } }
            for try await count in group { #expect(count == 2) }
          }
        }
      }
    }
    // 10 ledger-list calls (one page each) at 20 per second: at least 9 intervals of 50 ms.
    #expect(elapsed >= .milliseconds(440), "\(elapsed)")
    #expect(log.requests.filter { $0.path == "/settlement/v1/ledgers" }.count == 10)
  }
}
