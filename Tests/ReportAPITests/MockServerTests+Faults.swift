import AsyncHTTPClient
import Foundation
import LedgerCore
import MockReportAPI
import Testing

/// Injected faults as a raw HTTP client sees them.
extension MockServerTests {
  /// A replay server with `faults` (token endpoints never get truncated bodies or spurious
  /// 401s, so tests of those kinds can still get a token).
  static func faulty(_ faults: MockServerConfiguration.Faults) -> MockServerConfiguration {
    var configuration = MockHTTP.replay()
    configuration.faults = faults
    return configuration
  }

  static let feesPath =
    "/report/v2/ledgers/300119/fees/dates/2025-10-20?includeGDPRSensitiveData=true"

  @Test func tooManyRequestsCarriesRetryAfter() async throws {
    try await MockHTTP.run(Self.faulty(.init(tooManyRequests: 1, retryAfterSeconds: 3))) { http in
      let response = try await http.post(
        "/miami/v1/token",
        headers: [("Authorization", MockHTTP.basic("demo-client", "demo-secret"))],
        body: "grant_type=client_credentials")
      #expect(response.status == 429)
      #expect(response.headers["retry-after"] == "3")
    }
  }

  @Test func serverErrorsCycleThrough5xx() async throws {
    try await MockHTTP.run(Self.faulty(.init(serverError: 1))) { http in
      var statuses: Set<Int> = []
      for _ in 0..<24 { statuses.insert(try await http.get(Self.feesPath).status) }
      #expect(statuses.isSubset(of: [500, 502, 503, 504]))
      #expect(statuses.count > 1)
    }
  }

  @Test func droppedConnectionGivesNoResponse() async throws {
    let log = RequestLog()
    _ = try await MockHTTP.run(Self.faulty(.init(dropConnection: 1)), log: log) { http in
      await #expect(throws: HTTPClientError.remoteConnectionClosed) {
        _ = try await http.get(Self.feesPath)
      }
    }
    #expect(log.requests.map(\.status).first == 0)
  }

  @Test func truncatedBodyEndsEarly() async throws {
    try await MockHTTP.run(Self.faulty(.init(truncatedBody: 1))) { http in
      let token = try await http.partnerToken()
      var request = HTTPClientRequest(url: "http://127.0.0.1:\(http.port)\(Self.feesPath)")
      request.headers.add(name: "Authorization", value: "Bearer \(token)")
      // The head arrives intact, promising the whole recorded body…
      let response = try await http.client.execute(request, timeout: .seconds(10))
      #expect(response.status.code == 200)
      let recorded = try Data(
        contentsOf: URL(
          fileURLWithPath: MockHTTP.samplesDirectory + "/300119/fees/2025-10-20/1.json"))
      #expect(response.headers.first(name: "Content-Length") == String(recorded.count))
      // …then half of it, and the connection closes: NIO's HTTP parser reports invalidEOFState.
      let error = await #expect(throws: (any Error).self) {
        _ = try await response.body.collect(upTo: 1 << 24)
      }
      #expect(error.map { String(reflecting: $0) } == "stream ended at an unexpected time")
    }
  }

  @Test func slowAnswersAreDelayedButCorrect() async throws {
    try await MockHTTP.run(Self.faulty(.init(slow: 1, slowDelay: .milliseconds(150)))) { http in
      let token = try await http.partnerToken()
      let clock = ContinuousClock()
      let started = clock.now
      let page = try await http.get(Self.feesPath, token: token)
      #expect(clock.now - started >= .milliseconds(150))
      #expect(page.status == 200)
      let recorded = try Data(
        contentsOf: URL(
          fileURLWithPath: MockHTTP.samplesDirectory + "/300119/fees/2025-10-20/1.json"))
      #expect(page.body == Array(recorded))
    }
  }

  @Test func spuriousUnauthorizedOnAValidToken() async throws {
    try await MockHTTP.run(Self.faulty(.init(spuriousUnauthorized: 1))) { http in
      let token = try await http.partnerToken()
      let response = try await http.get(Self.feesPath, token: token)
      #expect(response.status == 401)
      #expect(try response.object()["code"] as? String == "Unauthorized")
    }
  }

  @Test func latencyIsAddedToEveryResponse() async throws {
    var configuration = MockHTTP.replay()
    configuration.latency = .milliseconds(100)
    try await MockHTTP.run(configuration) { http in
      let clock = ContinuousClock()
      let started = clock.now
      _ = try await http.get("/settlement/v1/ledgers")
      #expect(clock.now - started >= .milliseconds(100))
    }
  }

  @Test func sameSeedGivesTheSameFaultSequence() async throws {
    let faults = MockServerConfiguration.Faults(
      seed: 11, tooManyRequests: 0.2, serverError: 0.2, spuriousUnauthorized: 0.2,
      retryAfterSeconds: 0)
    @Sendable func statuses(_ faults: MockServerConfiguration.Faults) async throws -> [Int] {
      try await MockHTTP.run(Self.faulty(faults)) { http in
        var token: String?
        while token == nil {
          let response = try await http.post(
            "/miami/v1/token",
            headers: [("Authorization", MockHTTP.basic("demo-client", "demo-secret"))],
            body: "grant_type=client_credentials")
          token = response.status == 200 ? try response.object()["access_token"] as? String : nil
        }
        var result: [Int] = []
        for day in 20...27 {
          for _ in 0..<3 {
            let path = "/report/v2/ledgers/300119/fees/dates/2025-10-\(day)"
            result.append(try await http.get(path, token: token).status)
          }
        }
        return result
      }
    }
    let first = try await statuses(faults)
    let second = try await statuses(faults)
    #expect(first == second)
    #expect(Set(first).count > 1)
    var other = faults
    other.seed = 12
    #expect(try await statuses(other) != first)
  }
}
