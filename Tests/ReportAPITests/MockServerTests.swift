import AsyncHTTPClient
import Foundation
import LedgerCore
import MockReportAPI
import Testing

/// Raw-HTTP tests of the mock Report API server (tokens, authentication, ledger list).
@Suite struct MockServerTests {
  @Test func partnerTokenFlow() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let ok = try await http.post(
        "/miami/v1/token",
        headers: [("Authorization", MockHTTP.basic("demo-client", "demo-secret"))],
        body: "grant_type=client_credentials")
      #expect(ok.status == 200)
      let json = try ok.object()
      #expect(json["token_type"] as? String == "Bearer")
      #expect((json["expires_in"] as? NSNumber)?.intValue == 900)
      #expect(!(json["expires_in"] is String))
      #expect((json["access_token"] as? String)?.count ?? 0 > 40)

      let wrong = try await http.post(
        "/miami/v1/token", headers: [("Authorization", MockHTTP.basic("demo-client", "nope"))],
        body: "grant_type=client_credentials")
      #expect(wrong.status == 401)
      #expect(try wrong.object()["error"] as? String == "invalid_client")

      let noGrant = try await http.post(
        "/miami/v1/token",
        headers: [("Authorization", MockHTTP.basic("demo-client", "demo-secret"))],
        body: "")
      #expect(noGrant.status == 400)
      #expect(try noGrant.object()["error"] as? String == "invalid_client")

      let withKey = try await http.post(
        "/miami/v1/token",
        headers: [
          ("Authorization", MockHTTP.basic("demo-client", "demo-secret")),
          ("Ocp-Apim-Subscription-Key", "anything"),
        ], body: "grant_type=client_credentials")
      #expect(withKey.status == 400)
      #expect(try withKey.object()["error"] as? String == "invalid_client")
    }
  }

  @Test func merchantTokenFlow() async throws {
    var configuration = MockHTTP.replay()
    configuration.credentials = [.demo, .demoMerchant]
    try await MockHTTP.run(configuration) { http in
      let ok = try await http.post(
        "/accesstoken/get", headers: MockHTTP.merchantHeaders(), body: "")
      #expect(ok.status == 200)
      let json = try ok.object()
      #expect(json["token_type"] as? String == "Bearer")
      #expect(json["expires_in"] as? String == "86398")
      let now = Int(Date().timeIntervalSince1970)
      let expiresOn = Int(json["expires_on"] as? String ?? "") ?? 0
      #expect(abs(expiresOn - (now + 86_400)) < 60)

      let wrong = try await http.post(
        "/accesstoken/get", headers: MockHTTP.merchantHeaders(secret: "wrong"), body: "")
      #expect(wrong.status == 401)
      #expect(try wrong.object()["error"] as? String == "invalid_client")

      // Partner keys are not merchant keys.
      let partner = try await http.post(
        "/accesstoken/get",
        headers: [("client_id", "demo-client"), ("client_secret", "demo-secret")], body: "")
      #expect(partner.status == 401)
    }
  }

  @Test func apiCallsNeedAValidBearerToken() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let none = try await http.get("/settlement/v1/ledgers")
      #expect(none.status == 401)
      #expect(try none.object()["code"] as? String == "Unauthorized")
      #expect(try none.object()["message"] as? String == "Please check your API keys")
      let unknown = try await http.get("/settlement/v1/ledgers", token: "not-a-token")
      #expect(unknown.status == 401)

      let token = try await http.partnerToken()
      #expect(try await http.get("/settlement/v1/ledgers", token: token).status == 200)
      // Without the word Bearer.
      let bare = try await http.get("/settlement/v1/ledgers", headers: [("Authorization", token)])
      #expect(bare.status == 401)
    }
    // Expiry, without depending on timing: a token that lives 1 ms, used 50 ms later.
    var short = MockHTTP.replay()
    short.partnerTokenLifetime = .milliseconds(1)
    try await MockHTTP.run(short) { http in
      let token = try await http.partnerToken()
      try await Task.sleep(for: .milliseconds(50))
      let expired = try await http.get("/settlement/v1/ledgers", token: token)
      #expect(expired.status == 401)
    }
  }

  @Test func merchantTokensNeedTheSubscriptionKey() async throws {
    var configuration = MockHTTP.replay()
    configuration.credentials = [.demoMerchant]
    try await MockHTTP.run(configuration) { http in
      let token =
        try await http.post("/accesstoken/get", headers: MockHTTP.merchantHeaders(), body: "")
        .object()["access_token"] as? String ?? ""
      let without = try await http.get("/settlement/v1/ledgers", token: token)
      #expect(without.status == 401)
      let wrongKey = try await http.get(
        "/settlement/v1/ledgers", token: token, headers: [("Ocp-Apim-Subscription-Key", "other")])
      #expect(wrongKey.status == 401)
      let with = try await http.get(
        "/settlement/v1/ledgers", token: token,
        headers: [("Ocp-Apim-Subscription-Key", "demo-subscription-key")])
      #expect(with.status == 200)
    }
  }

  @Test func ledgerListPagesWithAnEncodedCursor() async throws {
    var configuration = MockHTTP.replay()
    configuration.ledgerPageSize = 1
    try await MockHTTP.run(configuration) { http in
      let token = try await http.partnerToken()
      let first = try await http.get("/settlement/v1/ledgers", token: token).object()
      let cursor = first["cursor"] as? String ?? ""
      #expect(MockHTTP.ledgerIDs(first) == ["300119"])
      #expect(cursor.hasSuffix("=="))
      let decoded = Data(base64Encoded: cursor).flatMap { String(data: $0, encoding: .utf8) } ?? ""
      #expect(decoded.contains(#""afterLedgerId":"300119""#))

      let second = try await http.get(
        "/settlement/v1/ledgers?cursor=\(MockHTTP.encode(cursor))", token: token)
      #expect(second.status == 200)
      #expect(MockHTTP.ledgerIDs(try second.object()) == ["411027"])
      #expect(try second.object()["cursor"] as? String == "")

      // A cursor whose `=` signs are not encoded still splits at the first `=` only.
      let raw = try await http.get("/settlement/v1/ledgers?cursor=\(cursor)", token: token)
      #expect(MockHTTP.ledgerIDs(try raw.object()) == ["411027"])
      let broken = try await http.get("/settlement/v1/ledgers?cursor=bm9wZQ%3D%3D", token: token)
      #expect(broken.status == 400)

      let danish = try await http.get(
        "/settlement/v1/ledgers?settlesForRecipientHandles=DK%3A90601", token: token)
      #expect(MockHTTP.ledgerIDs(try danish.object()) == ["411027"])
      #expect(try danish.object()["cursor"] as? String == "")
    }
  }

  @Test func ledgerListShowsOnlyGrantedLedgers() async throws {
    var configuration = MockHTTP.replay()
    configuration.credentials = [
      .init(
        clientID: "demo-client", clientSecret: "demo-secret", kind: .partner, ledgers: ["411027"])
    ]
    try await MockHTTP.run(configuration) { http in
      let token = try await http.partnerToken()
      let list = try await http.get("/settlement/v1/ledgers", token: token).object()
      #expect(MockHTTP.ledgerIDs(list) == ["411027"])
      let hidden = try await http.get(
        "/report/v2/ledgers/300119/funds/dates/2025-10-23", token: token)
      #expect(hidden.status == 404)
      #expect(hidden.headers["content-type"] == "application/problem+json")
      #expect(try hidden.object()["detail"] as? String == "No such ledgerId")
      let unknown = try await http.get("/report/v2/ledgers/999999/fees/feed", token: token)
      #expect(unknown.status == 404)
      #expect(try unknown.object()["detail"] as? String == "No such ledgerId")
    }
  }

  @Test func requestLogRecordsRequests() async throws {
    let log = RequestLog()
    try await MockHTTP.run(MockHTTP.replay(), log: log) { http in
      let token = try await http.partnerToken()
      _ = try await http.get(
        "/report/v2/ledgers/300119/fees/dates/2025-10-20?includeGDPRSensitiveData=true",
        token: token, headers: [("Vipps-System-Name", "tests")])
    }
    let requests = log.requests
    #expect(
      requests.map(\.path) == [
        "/miami/v1/token", "/report/v2/ledgers/300119/fees/dates/2025-10-20",
      ])
    #expect(requests.map(\.status) == [200, 200])
    #expect(requests[0].method == "POST")
    #expect(requests[1].query == ["includeGDPRSensitiveData": "true"])
    #expect(requests[1].headers["vipps-system-name"] == "tests")
    #expect(requests[1].headers["authorization"]?.hasPrefix("Bearer ") == true)
    log.clear()
    #expect(log.requests.isEmpty)
  }

  @Test func unknownPathsAndMethods() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let token = try await http.partnerToken()
      #expect(try await http.get("/report/v2/ledgers", token: token).status == 404)
      #expect(try await http.get("/miami/v1/token").status == 405)
      let topic = try await http.get("/report/v2/ledgers/300119/payouts/feed", token: token)
      #expect(topic.status == 400)
      let date = try await http.get(
        "/report/v2/ledgers/300119/funds/dates/2025-13-01", token: token)
      #expect(date.status == 400)
    }
  }

  @Test func missingReplayDirectoryFailsToStart() async throws {
    let server = MockReportAPIServer(
      configuration: MockServerConfiguration(data: .replay(directory: "/nonexistent/replay")))
    await #expect(throws: MockServerError.self) {
      try await server.withRunning { _ in 1 }
    }
  }
}
