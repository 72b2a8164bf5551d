import Foundation
import LedgerCore

/// A response that breaks the paging rules: a missing or repeated cursor, or too many pages.
public struct PagingError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
  private enum Code: Sendable, Hashable {
    case missingCursor(page: Int)
    case repeatedCursor(String, page: Int)
    case tooManyPages(Int)
    case pageAfterEnd(page: Int)
    case missingFeedCursor
    case feedCursorStuck(String)
  }

  private let code: Code

  private init(_ code: Code) { self.code = code }

  /// A dates page said `hasMore` without a (non-empty) cursor.
  public static func missingCursor(page: Int) -> Self { Self(.missingCursor(page: page)) }

  /// A page returned a cursor already followed.
  public static func repeatedCursor(_ cursor: String, page: Int) -> Self {
    Self(.repeatedCursor(cursor, page: page))
  }

  /// More pages than the limit would be needed.
  public static func tooManyPages(limit: Int) -> Self { Self(.tooManyPages(limit)) }

  /// A page was received after the last one.
  public static func pageAfterEnd(page: Int) -> Self { Self(.pageAfterEnd(page: page)) }

  /// A feed response without a (non-empty) cursor.
  public static let missingFeedCursor = Self(.missingFeedCursor)

  /// A feed response returned the cursor it was asked with, but without `tryLater`.
  public static func feedCursorStuck(_ cursor: String) -> Self { Self(.feedCursorStuck(cursor)) }

  /// For example "page 3 says hasMore but has no cursor".
  public var description: String {
    switch code {
    case .missingCursor(let page): "page \(page) says hasMore but has no cursor"
    case .repeatedCursor(let cursor, let page):
      "cursor repeated: \(Self.quoted(cursor)) on page \(page)"
    case .tooManyPages(let limit): "more than \(limit) pages"
    case .pageAfterEnd(let page): "page \(page) received after the last page"
    case .missingFeedCursor: "feed response has no cursor"
    case .feedCursorStuck(let cursor):
      "feed cursor \(Self.quoted(cursor)) came back unchanged without tryLater"
    }
  }

  /// The same as `description`.
  public var errorDescription: String? { description }

  /// A cursor in quotes, shortened when long.
  private static func quoted(_ cursor: String) -> String {
    cursor.count > 40 ? "\"\(cursor.prefix(40))…\"" : "\"\(cursor)\""
  }
}

/// Paging of one ledger date (`…/dates/{date}`).
///
/// The first request has no cursor. A page with `hasMore` names the cursor of the next one; the
/// last page has `hasMore: false` and no cursor, and `tryLater` on it means the date is still open
/// (ask again in half an hour or more). `hasMore` and `tryLater` together mean: keep paging now.
/// Empty pages are normal.
public struct DatePaging: Sendable {
  private var chain: CursorChain
  /// The most pages one date may take.
  public var maximumPages: Int { chain.maximumPages }
  /// Pages received so far.
  public var pagesReceived: Int { chain.pagesReceived }
  /// The cursor for the next request (nil for the first).
  public var cursor: String? { chain.cursor }
  /// True once the last page was received.
  public var isFinished: Bool { chain.isFinished }

  /// What to do after a page.
  public enum Step: Sendable, Hashable {
    /// Request the next page with this cursor, now.
    case fetchNext(cursor: String)
    /// The last page; `closed` is false when the date is still open (`tryLater`).
    case finished(closed: Bool)
  }

  /// Creates the paging state of a date before its first request.
  ///
  /// - Parameter maximumPages: The most pages the date may take.
  public init(maximumPages: Int = 100_000) {
    chain = CursorChain(maximumPages: maximumPages)
  }

  /// Consumes a page.
  ///
  /// - Parameter page: The page just received.
  /// - Returns: `fetchNext` while `hasMore`, else `finished(closed: !tryLater)`.
  /// - Throws: `PagingError` when a `hasMore` page has no cursor or repeats one, when more than
  ///   `maximumPages` pages would be needed, or when a page follows the last one.
  public mutating func receive(_ page: ReportPage) throws(PagingError) -> Step {
    try chain.receivePage()
    guard page.hasMore else {
      chain.finish()
      return .finished(closed: !page.tryLater)
    }
    guard let next = page.cursor, !next.isEmpty else {
      throw .missingCursor(page: chain.pagesReceived)
    }
    return .fetchNext(cursor: try chain.advance(to: next))
  }
}

/// Paging of `GET /settlement/v1/ledgers`: follows `cursor` until it is empty or missing.
public struct LedgerListPaging: Sendable {
  private var chain: CursorChain
  /// The most pages the list may take.
  public var maximumPages: Int { chain.maximumPages }
  /// Pages received so far.
  public var pagesReceived: Int { chain.pagesReceived }
  /// The cursor for the next request (nil for the first).
  public var cursor: String? { chain.cursor }
  /// True once the last page was received.
  public var isFinished: Bool { chain.isFinished }

  /// What to do after a page.
  public enum Step: Sendable, Hashable {
    /// Request the next page with this cursor.
    case fetchNext(cursor: String)
    /// That was the last page.
    case finished
  }

  /// Creates the paging state before the first request.
  ///
  /// - Parameter maximumPages: The most pages the list may take.
  public init(maximumPages: Int = 10_000) {
    chain = CursorChain(maximumPages: maximumPages)
  }

  /// Consumes a page.
  ///
  /// - Parameter page: The page just received.
  /// - Returns: `fetchNext` while the page has a non-empty cursor, else `finished`.
  /// - Throws: `PagingError` for a repeated cursor, more than `maximumPages` pages, or a page
  ///   after the last one.
  public mutating func receive(_ page: LedgerListPage) throws(PagingError) -> Step {
    try chain.receivePage()
    guard let next = page.cursor, !next.isEmpty else {
      chain.finish()
      return .finished
    }
    return .fetchNext(cursor: try chain.advance(to: next))
  }
}

/// The bookkeeping both cursor-paged lists share: page count, the next cursor, the end, and the
/// guards against a page after the end, a repeated cursor (a loop) and too many pages.
struct CursorChain: Sendable {
  let maximumPages: Int
  private(set) var pagesReceived = 0
  private(set) var cursor: String?
  private(set) var isFinished = false
  private var seenCursors: Set<String> = []

  init(maximumPages: Int) { self.maximumPages = maximumPages }

  /// Counts a received page; a page after the last one is an error.
  mutating func receivePage() throws(PagingError) {
    guard !isFinished else { throw .pageAfterEnd(page: pagesReceived + 1) }
    pagesReceived += 1
  }

  /// Marks the last page.
  mutating func finish() {
    isFinished = true
    cursor = nil
  }

  /// Moves on to `next`, which must be new and within the page limit.
  mutating func advance(to next: String) throws(PagingError) -> String {
    guard !seenCursors.contains(next) else { throw .repeatedCursor(next, page: pagesReceived) }
    guard pagesReceived < maximumPages else { throw .tooManyPages(limit: maximumPages) }
    seenCursors.insert(next)
    cursor = next
    return next
  }
}

/// A position in the feed (`…/feed`), which never ends.
///
/// Every response carries a cursor, to be stored and sent next. At the end of the feed the same
/// cursor comes back with `tryLater: true`, possibly with items: wait at least a second, then ask
/// again with it. Without `tryLater` more data is available at once.
public struct FeedPaging: Sendable {
  /// The cursor for the next request; nil starts at the beginning of the feed.
  public private(set) var cursor: String?
  /// The wait after a `tryLater` response.
  public let endOfFeedWait: Duration
  /// True when the last response said `tryLater`: everything available was read.
  public private(set) var isAtEnd = false

  /// What to do after a response.
  public enum Step: Sendable, Hashable {
    /// Ask again with `cursor`, now.
    case fetchNow
    /// At the end of the feed: wait this long, then ask again with `cursor`.
    case waitThenFetch(Duration)
  }

  /// Creates a feed position.
  ///
  /// - Parameters:
  ///   - cursor: A stored cursor to resume from, or nil for the start of the feed.
  ///   - endOfFeedWait: The wait after a `tryLater` response; the API asks for at least 1 s.
  public init(cursor: String? = nil, endOfFeedWait: Duration = .seconds(1)) {
    self.cursor = cursor
    self.endOfFeedWait = endOfFeedWait
  }

  /// Consumes a response's cursor and `tryLater` flag (process its items whatever it says).
  ///
  /// - Parameters:
  ///   - cursor: The response's cursor.
  ///   - tryLater: The response's `tryLater`.
  /// - Returns: `waitThenFetch(endOfFeedWait)` after `tryLater`, else `fetchNow`.
  /// - Throws: `PagingError` when the cursor is missing or empty, or when the cursor sent comes
  ///   back without `tryLater` (asking again at once would loop).
  public mutating func receive(cursor: String?, tryLater: Bool) throws(PagingError) -> Step {
    guard let next = cursor, !next.isEmpty else { throw .missingFeedCursor }
    let previous = self.cursor
    self.cursor = next
    isAtEnd = tryLater
    if tryLater { return .waitThenFetch(endOfFeedWait) }
    guard next != previous else { throw .feedCursorStuck(next) }
    return .fetchNow
  }
}
