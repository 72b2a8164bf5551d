import HTTPTypes
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the connection, so a fault can drop it.
struct MockRequestContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  /// The client connection.
  let channel: any Channel

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
  }
}

/// The connection was closed on purpose (an injected dropped connection or truncated body).
struct InjectedConnectionFault: Error {}

/// Hummingbird glue: adds latency, applies faults, calls ``MockService`` and records the
/// exchange in the request log.
struct MockResponder: HTTPResponder {
  typealias Context = MockRequestContext

  let service: MockService

  func respond(to request: Request, context: MockRequestContext) async throws -> Response {
    let configuration = service.configuration
    var incoming = Self.incoming(request)
    let route = Route(method: incoming.method, path: incoming.path)
    if route.isTokenEndpoint {
      let buffer = try await request.body.collect(upTo: 64 * 1024)
      incoming.body = Array(buffer.readableBytesView)
    }
    if configuration.latency > .zero { try await Task.sleep(for: configuration.latency) }
    let decision = service.faults.decide(
      method: incoming.method, path: incoming.path, query: incoming.rawQuery,
      isTokenRequest: route.isTokenEndpoint)
    if decision.slow { try await Task.sleep(for: configuration.faults.slowDelay) }
    let reply: Reply
    switch decision.fault {
    case .dropConnection:
      record(incoming, status: 0)
      // Nothing has been written: closing now leaves the client without any response.
      try? await context.channel.close()
      throw InjectedConnectionFault()
    case .tooManyRequests:
      let seconds = configuration.faults.retryAfterSeconds
      var tooMany = Reply.json(
        429,
        #"{"statusCode":429,"message":"Rate limit is exceeded. Try again in \#(seconds) seconds."}"#
      )
      tooMany.headers.append(("Retry-After", String(seconds)))
      reply = tooMany
    case .serverError(let status):
      reply =
        status == 500
        ? .internalError("An unexpected error occurred; retry the request", tag: decision.tag)
        : .json(status, #"{"statusCode":\#(status),"message":"Service temporarily unavailable"}"#)
    case .spuriousUnauthorized, .truncatedBody, nil:
      reply = await service.handle(
        incoming, route: route, spuriousUnauthorized: decision.fault == .spuriousUnauthorized,
        tag: decision.tag)
    }
    record(incoming, status: reply.status)
    var headers = HTTPFields()
    headers[.contentType] = reply.contentType
    for (name, value) in reply.headers {
      if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
    }
    let status = HTTPResponse.Status(code: reply.status)
    guard decision.fault == .truncatedBody, reply.status == 200, reply.body.count > 1 else {
      return Response(
        status: status, headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
    // Promise the whole body, send half of it, then fail: the connection closes early.
    let half = ByteBuffer(bytes: reply.body.prefix(reply.body.count / 2))
    let body = ResponseBody(contentLength: reply.body.count) { writer in
      try await writer.write(half)
      try await Task.sleep(for: .milliseconds(20))
      throw InjectedConnectionFault()
    }
    return Response(status: status, headers: headers, body: body)
  }

  /// The request with a decoded query and lower-cased header names.
  private static func incoming(_ request: Request) -> Incoming {
    var headers: [String: String] = [:]
    for field in request.headers {
      let name = field.name.canonicalName
      headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
    }
    let query = QueryString.parse(request.uri.query)
    return Incoming(
      method: request.method.rawValue, path: request.uri.path, rawQuery: request.uri.query,
      query: query.values, queryLists: query.lists, headers: headers, body: [])
  }

  private func record(_ request: Incoming, status: Int) {
    service.log.record(
      LoggedRequest(
        method: request.method, path: request.path, query: request.query,
        headers: request.headers, status: status))
  }
}
