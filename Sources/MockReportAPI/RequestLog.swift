import Synchronization

/// One request as the mock server received it, with the status it answered.
public struct LoggedRequest: Sendable, Hashable {
  /// `GET`, `POST`, …
  public var method: String
  /// The path without the query, percent-encoded as sent.
  public var path: String
  /// The query parameters, percent-decoded (`+` as space); the last of repeated names wins.
  public var query: [String: String]
  /// The request headers with lower-cased names; repeated headers are joined with `, `.
  public var headers: [String: String]
  /// The status sent, or 0 when the connection was dropped without a response.
  public var status: Int

  /// Creates a record.
  public init(
    method: String, path: String, query: [String: String], headers: [String: String], status: Int
  ) {
    self.method = method
    self.path = path
    self.query = query
    self.headers = headers
    self.status = status
  }
}

/// Records the requests a ``MockReportAPIServer`` answers, for tests.
///
/// Keeps the most recent `capacity` requests, so a long benchmark does not grow without bound.
public final class RequestLog: Sendable {
  private let storage = Mutex<[LoggedRequest]>([])
  private let capacity: Int

  /// Creates an empty log that keeps the most recent `capacity` requests.
  public init(capacity: Int = 100_000) {
    self.capacity = max(1, capacity)
  }

  /// The recorded requests, oldest first.
  public var requests: [LoggedRequest] {
    storage.withLock { Array($0.suffix(capacity)) }
  }

  /// Forgets every recorded request.
  public func clear() {
    storage.withLock { $0.removeAll() }
  }

  /// Appends `request`, dropping the oldest records in batches once over capacity.
  func record(_ request: LoggedRequest) {
    storage.withLock { requests in
      requests.append(request)
      if requests.count >= capacity + max(1, capacity / 4) {
        requests.removeFirst(requests.count - capacity)
      }
    }
  }
}
