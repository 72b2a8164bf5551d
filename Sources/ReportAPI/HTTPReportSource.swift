import Foundation
import LedgerCore
import Logging
import Synchronization

/// The live Report API as a ``ReportSource``: ledgers from `GET /settlement/v1/ledgers`, pages
/// from `GET /report/v2/ledgers/{id}/{topic}/dates/{date}` following the cursor while `hasMore`.
public struct HTTPReportSource: ReportSource {
  public let client: ReportAPIClient
  /// Optional `settlesForRecipientHandles` filter for the ledger list.
  public var recipientHandle: String?

  public init(client: ReportAPIClient, recipientHandle: String? = nil) {
    self.client = client
    self.recipientHandle = recipientHandle
  }

  public func ledgers() async throws -> [Ledger] {
    var paging = LedgerListPaging()
    var result: [Ledger] = []
    var cursor: String?
    var pageNumber = 0
    while true {
      pageNumber += 1
      var query: [(String, String)] = []
      if let cursor {
        query.append(("cursor", cursor))
      } else if let recipientHandle {
        query.append(("settlesForRecipientHandles", recipientHandle))
      }
      let context = "GET /settlement/v1/ledgers page \(pageNumber)"
      let page = try await fetch(context) {
        try await client.get("/settlement/v1/ledgers", query: query) {
          try ReportDecoding.ledgerList($0, context: context)
        }
      }
      result += page.items
      do {
        switch try paging.receive(page) {
        case .fetchNext(let next): cursor = next
        case .finished: return result
        }
      } catch {
        throw ReportSourceError.malformed("\(context): \(error)")
      }
    }
  }

  public func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  > {
    let path =
      "/report/v2/ledgers/\(ReportAPIClient.percentEncoded(ledger.rawValue))/\(topic.rawValue)/dates/\(date)"
    let state = Mutex((paging: DatePaging(), done: false, page: 0))
    let client = client
    return AsyncThrowingStream {
      let (pageNumber, cursor, done) = state.withLock { state in
        state.page += 1
        return (state.page, state.paging.cursor, state.done)
      }
      if done { return nil }
      let location = PageLocation(
        ledgerID: ledger, topic: topic, date: date, page: pageNumber, origin: "GET \(path)")
      var query: [(String, String)] = []
      if let cursor { query.append(("cursor", cursor)) }
      if client.configuration.includeGDPRSensitiveData {
        query.append(("includeGDPRSensitiveData", "true"))
      }
      let page: ReportPage
      do {
        page = try await Self.fetch(location.description, ledger: ledger) {
          try await client.get(path, query: query) {
            try ReportDecoding.page($0, context: location.description)
          }
        }
      } catch {
        state.withLock { $0.done = true }
        throw error
      }
      let step: DatePaging.Step
      do {
        step = try state.withLock { state throws(PagingError) in try state.paging.receive(page) }
      } catch {
        state.withLock { $0.done = true }
        throw ReportSourceError.malformed("\(location): \(error)")
      }
      if case .finished = step { state.withLock { $0.done = true } }
      return LocatedPage(page: page, location: location)
    }
  }

  /// One page of `…/feed` from `cursor` (nil: the beginning).
  public func feedPage(ledger: LedgerID, topic: Topic, cursor: String?) async throws -> ReportPage {
    let path =
      "/report/v2/ledgers/\(ReportAPIClient.percentEncoded(ledger.rawValue))/\(topic.rawValue)/feed"
    var query: [(String, String)] = []
    if let cursor { query.append(("cursor", cursor)) }
    if client.configuration.includeGDPRSensitiveData {
      query.append(("includeGDPRSensitiveData", "true"))
    }
    let context = "ledger \(ledger) \(topic) feed (GET \(path))"
    return try await Self.fetch(context, ledger: ledger) {
      try await client.get(path, query: query) { try ReportDecoding.page($0, context: context) }
    }
  }

  private func fetch<T>(_ context: String, _ body: () async throws -> T) async throws -> T {
    try await Self.fetch(context, ledger: nil, body)
  }

  /// Maps client failures to ``ReportSourceError``s naming `context`.
  private static func fetch<T>(
    _ context: String, ledger: LedgerID?, _ body: () async throws -> T
  ) async throws -> T {
    do {
      return try await body()
    } catch let failure as ReportAPIClient.Failure {
      if failure.status == 404, let ledger {
        throw ReportSourceError.accessDenied(
          "\(context): HTTP 404 No such ledgerId — these keys cannot read ledger \(ledger) (the merchant grants access in the business portal)"
        )
      }
      throw ReportSourceError.fetchFailed("\(context): \(failure.description)")
    }
  }
}
