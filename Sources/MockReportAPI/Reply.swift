import LedgerCore

/// A request as the handlers see it: decoded query, lower-cased header names.
struct Incoming: Sendable {
  var method: String
  /// The path as sent, without the query.
  var path: String
  /// The raw query string (after `?`), if any.
  var rawQuery: String?
  /// Decoded query parameters; the last of repeated names wins.
  var query: [String: String]
  /// Every value per query parameter name.
  var queryLists: [String: [String]]
  /// Headers with lower-cased names; repeats joined with `, `.
  var headers: [String: String]
  /// The request body (token requests only; others are not read).
  var body: [UInt8]
}

/// The endpoints the server knows.
enum Route: Equatable, Sendable {
  case merchantToken
  case partnerToken
  case ledgers
  case dates(ledger: LedgerID, topic: String, date: String)
  case feed(ledger: LedgerID, topic: String)
  /// A known path with the wrong method.
  case wrongMethod
  case unknown

  /// Matches a method and a path (segments percent-decoded; a trailing slash is ignored).
  init(method: String, path: String) {
    let segments = path.split(separator: "/").map { QueryString.decodePath($0) }
    let route: Route
    let wantsPost: Bool
    switch segments {
    case ["accesstoken", "get"]: (route, wantsPost) = (.merchantToken, true)
    case ["miami", "v1", "token"]: (route, wantsPost) = (.partnerToken, true)
    case ["settlement", "v1", "ledgers"]: (route, wantsPost) = (.ledgers, false)
    default:
      guard segments.count >= 5, segments[0...2] == ["report", "v2", "ledgers"] else {
        self = .unknown
        return
      }
      let ledger = LedgerID(segments[3])
      if segments.count == 7, segments[5] == "dates" {
        (route, wantsPost) = (.dates(ledger: ledger, topic: segments[4], date: segments[6]), false)
      } else if segments.count == 6, segments[5] == "feed" {
        (route, wantsPost) = (.feed(ledger: ledger, topic: segments[4]), false)
      } else {
        self = .unknown
        return
      }
    }
    self = method == (wantsPost ? "POST" : "GET") ? route : .wrongMethod
  }

  /// Token endpoints get no truncated bodies and no spurious 401s.
  var isTokenEndpoint: Bool { self == .merchantToken || self == .partnerToken }
}

/// A response before it is written: status, extra headers, body.
struct Reply: Sendable {
  var status: Int
  var contentType: String = "application/json; charset=utf-8"
  var headers: [(name: String, value: String)] = []
  var body: [UInt8]

  /// A JSON reply.
  static func json(_ status: Int, _ body: [UInt8]) -> Reply {
    Reply(status: status, body: body)
  }

  /// A JSON reply from text.
  static func json(_ status: Int, _ text: String) -> Reply {
    Reply(status: status, body: Array(text.utf8))
  }

  /// An RFC 7807 problem (`application/problem+json`), as the Report API sends for 400 and 404.
  static func problem(_ status: Int, title: String, detail: String, instance: String) -> Reply {
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("type", "about:blank")
    writer.string("title", title)
    writer.integer("status", Int64(status))
    writer.string("detail", detail)
    writer.string("instance", instance)
    writer.endObject()
    return Reply(status: status, contentType: "application/problem+json", body: writer.bytes)
  }

  /// The API gateway's 401 for a missing, unknown or expired token.
  static let unauthorized = Reply(
    status: 401, headers: [("WWW-Authenticate", "Bearer")],
    body: Array(#"{"code":"Unauthorized","message":"Please check your API keys"}"#.utf8))

  /// An OAuth `invalid_client` error from a token endpoint.
  static func invalidClient(_ status: Int, _ description: String) -> Reply {
    var writer = JSONWriter()
    writer.beginObject()
    writer.string("error", "invalid_client")
    writer.string("error_description", description)
    writer.endObject()
    return Reply(status: status, body: writer.bytes)
  }

  /// The gateway's answer to an unknown path.
  static let notFound = Reply.json(404, #"{"statusCode":404,"message":"Resource not found"}"#)

  /// The gateway's answer to a known path with the wrong method.
  static let methodNotAllowed = Reply.json(
    405, #"{"statusCode":405,"message":"Method not allowed"}"#)

  /// A 500 in the Report API's documented shape (error code 10001: retry).
  static func internalError(_ message: String, tag: UInt64) -> Reply {
    var writer = JSONWriter()
    writer.beginObject()
    writer.integer("errorCode", 10001)
    writer.string("errorMessage", message)
    writer.string("contextId", contextID(tag))
    writer.endObject()
    return Reply(status: 500, body: writer.bytes)
  }

  /// A deterministic UUID-shaped context ID.
  static func contextID(_ tag: UInt64) -> String {
    let hex = String(tag, radix: 16)
    let digits = String(repeating: "0", count: 16 - hex.count) + hex
    return "6f1c0b7e-0000-4000-8\(digits.prefix(3))-\(digits.suffix(12))"
  }
}

extension QueryString {
  /// Percent-decodes one path segment (`+` stays a plus sign).
  static func decodePath(_ segment: Substring) -> String {
    guard segment.contains("%") else { return String(segment) }
    let escaped = segment.split(separator: "+", omittingEmptySubsequences: false)
      .joined(separator: "%2B")
    return decode(Substring(escaped))
  }
}
