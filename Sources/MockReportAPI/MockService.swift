import Foundation
import LedgerCore

/// The server's behaviour, independent of HTTP plumbing: token endpoints, authentication,
/// ledger list, dates pages and feed.
final class MockService: Sendable {
  let configuration: MockServerConfiguration
  let data: any ReportData
  let tokens = TokenStore()
  let faults: FaultPlan
  let log: RequestLog

  /// Loads the data source.
  /// - Throws: ``MockServerError`` when the replay directory or its ledger list is unusable.
  init(configuration: MockServerConfiguration, log: RequestLog) throws(MockServerError) {
    self.configuration = configuration
    self.log = log
    faults = FaultPlan(configuration.faults)
    switch configuration.data {
    case .replay(let directory): data = try ReplayData(directory: directory)
    case .synthetic(let settings):
      data = SyntheticReportData(settings, pageSize: configuration.pageSize)
    }
  }

  /// Answers a request; `spuriousUnauthorized` turns an authenticated API call into a 401.
  func handle(_ request: Incoming, route: Route, spuriousUnauthorized: Bool, tag: UInt64) async
    -> Reply
  {
    switch route {
    case .merchantToken: return merchantToken(request)
    case .partnerToken: return partnerToken(request)
    case .unknown: return .notFound
    case .wrongMethod: return .methodNotAllowed
    case .ledgers, .dates, .feed: break
    }
    guard let credential = authenticate(request) else { return .unauthorized }
    if spuriousUnauthorized { return .unauthorized }
    do throws(ReportDataError) {
      switch route {
      case .dates(let ledger, let topic, let date):
        return try await report(request, credential, ledger, topic, date: date)
      case .feed(let ledger, let topic):
        return try await report(request, credential, ledger, topic, date: nil)
      default:
        return try ledgers(request, credential)
      }
    } catch {
      switch error {
      case .invalidCursor:
        return .problem(
          400, title: "Bad Request", detail: "Input validation error: invalid cursor",
          instance: request.path)
      case .unreadable(let reason):
        return .internalError("Recorded data is unreadable: \(reason)", tag: tag)
      }
    }
  }

  // MARK: Tokens

  /// `POST /accesstoken/get`: merchant keys in headers; `expires_in`/`expires_on` as strings.
  private func merchantToken(_ request: Incoming) -> Reply {
    let headers = request.headers
    let match = configuration.credentials.indices.first { index in
      let credential = configuration.credentials[index]
      guard case .merchant(let key, let msn) = credential.kind else { return false }
      return headers["client_id"] == credential.clientID
        && headers["client_secret"] == credential.clientSecret
        && headers["ocp-apim-subscription-key"] == key && headers["merchant-serial-number"] == msn
    }
    guard let match else {
      return .invalidClient(401, "The client_id, client_secret, subscription key or MSN is wrong")
    }
    let lifetime = configuration.merchantTokenLifetime
    let token = tokens.issue(credential: match, lifetime: lifetime)
    let seconds = lifetime.components.seconds
    // The documented example says "86398" for a 24-hour token: a little under the lifetime.
    let expiresIn = seconds > 60 ? seconds - 2 : seconds
    let expiresOn = Int64(Date().timeIntervalSince1970) + seconds
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("token_type", "Bearer")
    writer.string("expires_in", String(expiresIn))
    writer.string("expires_on", String(expiresOn))
    writer.string("access_token", token)
    writer.endObject()
    return .json(200, writer.bytes)
  }

  /// `POST /miami/v1/token`: HTTP Basic keys, form `grant_type=client_credentials`, no
  /// subscription key; `expires_in` as a number.
  private func partnerToken(_ request: Incoming) -> Reply {
    if request.headers["ocp-apim-subscription-key"] != nil {
      return .invalidClient(400, "Do not send Ocp-Apim-Subscription-Key with accounting keys")
    }
    let form = QueryString.parse(String(decoding: request.body, as: UTF8.self)).values
    guard form["grant_type"] == "client_credentials" else {
      return .invalidClient(400, "grant_type=client_credentials is required")
    }
    guard let authorization = request.headers["authorization"],
      authorization.lowercased().hasPrefix("basic "),
      let decoded = Data(
        base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
      let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
    else { return .invalidClient(401, "HTTP Basic client credentials are required") }
    let id = String(pair[..<colon])
    let secret = String(pair[pair.index(after: colon)...])
    let match = configuration.credentials.indices.first { index in
      let credential = configuration.credentials[index]
      guard case .partner = credential.kind else { return false }
      return credential.clientID == id && credential.clientSecret == secret
    }
    guard let match else { return .invalidClient(401, "The client_id or client_secret is wrong") }
    let lifetime = configuration.partnerTokenLifetime
    let token = tokens.issue(credential: match, lifetime: lifetime)
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("access_token", token)
    writer.string("token_type", "Bearer")
    writer.integer("expires_in", lifetime.components.seconds)
    writer.endObject()
    return .json(200, writer.bytes)
  }

  // MARK: API calls

  /// The credential behind a valid `Authorization: Bearer` token; merchant tokens also need
  /// their subscription key.
  private func authenticate(_ request: Incoming) -> MockServerConfiguration.Credential? {
    guard let authorization = request.headers["authorization"],
      authorization.lowercased().hasPrefix("bearer ")
    else { return nil }
    let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
    guard let index = tokens.credential(for: token),
      configuration.credentials.indices.contains(index)
    else { return nil }
    let credential = configuration.credentials[index]
    if case .merchant(let key, _) = credential.kind,
      request.headers["ocp-apim-subscription-key"] != key
    {
      return nil
    }
    return credential
  }

  private func canSee(_ credential: MockServerConfiguration.Credential, _ ledger: LedgerID) -> Bool
  {
    credential.ledgers?.contains(ledger) ?? true
  }

  /// `GET /settlement/v1/ledgers`: pages of `ledgerPageSize`, only visible ledgers, optional
  /// `settlesForRecipientHandles` filter (comma-separated or repeated); the cursor carries the
  /// filter and is `""` on the last page.
  private func ledgers(_ request: Incoming, _ credential: MockServerConfiguration.Credential)
    throws(ReportDataError) -> Reply
  {
    var filter: [String]? =
      request.queryLists["settlesForRecipientHandles"].map { values in
        values.flatMap { $0.split(separator: ",").map(String.init) }
      }
    var remaining = data.ledgers[...]
    if let text = request.query["cursor"], !text.isEmpty {
      guard let cursor = Cursor.decode(Cursor.LedgerList.self, text),
        let index = remaining.firstIndex(where: { $0.id.rawValue == cursor.afterLedgerId })
      else { throw .invalidCursor }
      filter = cursor.settlesForRecipientHandles
      remaining = remaining[(index + 1)...]
    }
    let wanted = filter.map(Set.init)
    let matching = remaining.filter { record in
      canSee(credential, record.id) && (wanted.map { !$0.isDisjoint(with: record.handles) } ?? true)
    }
    let page = matching.prefix(max(1, configuration.ledgerPageSize))
    var cursor = ""
    if let last = page.last, page.count < matching.count {
      cursor = Cursor.encode(
        Cursor.LedgerList(afterLedgerId: last.id.rawValue, settlesForRecipientHandles: filter))
    }
    if data.usesRecordedLayout {
      return .json(200, RecordedLayout.ledgerList(cursor: cursor, items: page.map(\.json)))
    }
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("cursor", cursor)
    writer.beginArray("items")
    for record in page { writer.raw(nil, record.json) }
    writer.endArray()
    writer.endObject()
    return .json(200, writer.bytes)
  }

  /// `GET …/dates/{date}` (`date` set) or `GET …/feed`.
  private func report(
    _ request: Incoming, _ credential: MockServerConfiguration.Credential, _ ledger: LedgerID,
    _ topicName: String, date dateText: String?
  ) async throws(ReportDataError) -> Reply {
    guard canSee(credential, ledger), data.ledgers.contains(where: { $0.id == ledger }) else {
      return .problem(404, title: "Not Found", detail: "No such ledgerId", instance: request.path)
    }
    guard let topic = Topic(rawValue: topicName) else {
      return .problem(
        400, title: "Bad Request",
        detail: "Input validation error: topic must be 'funds' or 'fees'", instance: request.path)
    }
    let gdpr = request.query["includeGDPRSensitiveData"]?.lowercased() == "true"
    let cursor = request.query["cursor"]
    var reply: Reply
    if let dateText {
      guard let date = LedgerDate(dateText) else {
        return .problem(
          400, title: "Bad Request",
          detail: "Input validation error: ledgerDate must be YYYY-MM-DD", instance: request.path)
      }
      reply = .json(
        200,
        try await data.datePage(
          ledger: ledger, topic: topic, date: date, cursor: cursor, gdpr: gdpr))
    } else {
      reply = .json(
        200,
        try await data.feedPage(
          ledger: ledger, topic: topic, cursor: cursor, gdpr: gdpr,
          pageSize: configuration.pageSize))
    }
    reply.headers.append(("Vipps-Feed-Page-Size", String(configuration.pageSize)))
    return reply
  }
}
