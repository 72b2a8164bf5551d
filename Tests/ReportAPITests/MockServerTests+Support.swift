import AsyncHTTPClient
import Foundation
import LedgerCore
import MockReportAPI
import Testing

/// Raw HTTP against a running mock server, for ``MockServerTests``.
struct MockHTTP: Sendable {
  let client: HTTPClient
  let port: Int

  /// A response read in full.
  struct Result: Sendable {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func object() throws -> [String: Any] {
      try #require(JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }
  }

  static let samplesDirectory =
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path + "/samples/recorded"

  /// A replay configuration over `samples/recorded`.
  static func replay() -> MockServerConfiguration {
    MockServerConfiguration(data: .replay(directory: samplesDirectory))
  }

  /// Runs `body` against a server with `configuration` and a fresh client.
  static func run<T: Sendable>(
    _ configuration: MockServerConfiguration, log: RequestLog = RequestLog(),
    _ body: @Sendable (MockHTTP) async throws -> T
  ) async throws -> T {
    try await MockReportAPIServer(configuration: configuration, log: log).withRunning { port in
      try await HTTPClient.withHTTPClient { client in
        try await body(MockHTTP(client: client, port: port))
      }
    }
  }

  static func basic(_ id: String, _ secret: String) -> String {
    "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
  }

  static func merchantHeaders(secret: String = "demo-merchant-secret") -> [(String, String)] {
    [
      ("client_id", "demo-merchant"), ("client_secret", secret),
      ("Ocp-Apim-Subscription-Key", "demo-subscription-key"), ("Merchant-Serial-Number", "123455"),
    ]
  }

  /// URL-encodes a query value (everything but unreserved characters).
  static func encode(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
  }

  static func ledgerIDs(_ page: [String: Any]) -> [String] {
    (page["items"] as? [[String: Any]] ?? []).compactMap { $0["ledgerId"] as? String }
  }

  /// Sends a request and reads the whole body.
  func send(_ method: String, _ path: String, headers: [(String, String)], body: String?)
    async throws -> Result
  {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body {
      request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      request.body = .bytes(Array(body.utf8))
    }
    let response = try await client.execute(request, timeout: .seconds(10))
    var names: [String: String] = [:]
    for header in response.headers { names[header.name.lowercased()] = header.value }
    let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
    return Result(
      status: Int(response.status.code), headers: names, body: Array(buffer.readableBytesView))
  }

  func get(_ path: String, token: String? = nil, headers: [(String, String)] = []) async throws
    -> Result
  {
    let auth = token.map { [("Authorization", "Bearer \($0)")] } ?? []
    return try await send("GET", path, headers: auth + headers, body: nil)
  }

  func post(_ path: String, headers: [(String, String)], body: String) async throws -> Result {
    try await send("POST", path, headers: headers, body: body)
  }

  /// A token for the demo partner keys.
  func partnerToken() async throws -> String {
    let response = try await post(
      "/miami/v1/token", headers: [("Authorization", Self.basic("demo-client", "demo-secret"))],
      body: "grant_type=client_credentials")
    return try #require(try response.object()["access_token"] as? String)
  }

  /// Follows a dates endpoint's cursor chain, returning every page.
  func datePages(_ path: String, token: String, gdpr: Bool) async throws -> [Result] {
    var pages: [Result] = []
    var cursor: String?
    repeat {
      var query: [String] = []
      if let cursor { query.append("cursor=\(Self.encode(cursor))") }
      if gdpr { query.append("includeGDPRSensitiveData=true") }
      let page = try await get(
        path + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), token: token)
      try #require(page.status == 200)
      pages.append(page)
      let json = try page.object()
      cursor = json["hasMore"] as? Bool == true ? json["cursor"] as? String : nil
      #expect(json["hasMore"] as? Bool == true || json["cursor"] == nil)
    } while cursor != nil && pages.count < 10_000
    return pages
  }
}
