import Foundation
import LedgerCore
import ReportAPI
import Testing

extension StateMachineTests {
  @Suite struct Paging {
    typealias T = StateMachineTests

    // MARK: Dates

    @Test func dateWithSeveralPagesFinishesClosed() throws {
      var paging = DatePaging()
      #expect(paging.cursor == nil)
      #expect(
        try paging.receive(T.page(cursor: "Mw==", hasMore: true)) == .fetchNext(cursor: "Mw=="))
      #expect(paging.cursor == "Mw==")
      #expect(
        try paging.receive(T.page(cursor: "NA==", hasMore: true)) == .fetchNext(cursor: "NA=="))
      #expect(try paging.receive(T.page(hasMore: false)) == .finished(closed: true))
      #expect(paging.pagesReceived == 3)
      #expect(paging.isFinished)
      #expect(paging.cursor == nil)
    }

    @Test func emptyClosedPageIsGenuinelyNoEntries() throws {
      var paging = DatePaging()
      #expect(
        try paging.receive(T.page(hasMore: false, tryLater: false)) == .finished(closed: true))
    }

    @Test func lastPageWithTryLaterIsAnOpenDate() throws {
      var paging = DatePaging()
      #expect(
        try paging.receive(T.page(hasMore: false, tryLater: true)) == .finished(closed: false))
      // A stray cursor on a last page is ignored.
      var other = DatePaging()
      #expect(
        try other.receive(T.page(cursor: "x", hasMore: false, tryLater: true))
          == .finished(closed: false))
    }

    @Test func hasMoreWithTryLaterKeepsPagingWithoutWaiting() throws {
      var paging = DatePaging()
      #expect(
        try paging.receive(T.page(cursor: "a", hasMore: true, tryLater: true))
          == .fetchNext(cursor: "a"))
      #expect(
        try paging.receive(T.page(cursor: "b", hasMore: true, tryLater: true))
          == .fetchNext(cursor: "b"))
      #expect(
        try paging.receive(T.page(hasMore: false, tryLater: true)) == .finished(closed: false))
    }

    @Test func emptyPageWithHasMoreIsNormal() throws {
      var paging = DatePaging()
      #expect(try paging.receive(T.page(cursor: "a", hasMore: true)) == .fetchNext(cursor: "a"))
      #expect(try paging.receive(T.page(cursor: "b", hasMore: true)) == .fetchNext(cursor: "b"))
      #expect(try paging.receive(T.page(hasMore: false)) == .finished(closed: true))
    }

    @Test(arguments: [nil, ""] as [String?])
    func hasMoreWithoutCursorThrows(cursor: String?) throws {
      var paging = DatePaging()
      _ = try paging.receive(T.page(cursor: "a", hasMore: true))
      _ = try paging.receive(T.page(cursor: "b", hasMore: true))
      let error = #expect(throws: PagingError.self) {
        try paging.receive(T.page(cursor: cursor, hasMore: true))
      }
      #expect(error == .missingCursor(page: 3))
      #expect(error?.description == "page 3 says hasMore but has no cursor")
    }

    @Test func repeatedCursorThrows() throws {
      var paging = DatePaging()
      _ = try paging.receive(T.page(cursor: "a", hasMore: true))
      let error = #expect(throws: PagingError.self) {
        try paging.receive(T.page(cursor: "a", hasMore: true))
      }
      #expect(error == .repeatedCursor("a", page: 2))
      #expect(error?.description == #"cursor repeated: "a" on page 2"#)
    }

    @Test func cycleOfCursorsThrows() throws {
      var paging = DatePaging()
      _ = try paging.receive(T.page(cursor: "a", hasMore: true))
      _ = try paging.receive(T.page(cursor: "b", hasMore: true))
      #expect(throws: PagingError.repeatedCursor("a", page: 3)) {
        try paging.receive(T.page(cursor: "a", hasMore: true))
      }
    }

    @Test func pageCapThrowsBeforeRequestingOneTooMany() throws {
      var paging = DatePaging(maximumPages: 3)
      _ = try paging.receive(T.page(cursor: "1", hasMore: true))
      _ = try paging.receive(T.page(cursor: "2", hasMore: true))
      let error = #expect(throws: PagingError.self) {
        try paging.receive(T.page(cursor: "3", hasMore: true))
      }
      #expect(error?.description == "more than 3 pages")
      // Exactly the limit is fine.
      var exact = DatePaging(maximumPages: 3)
      _ = try exact.receive(T.page(cursor: "1", hasMore: true))
      _ = try exact.receive(T.page(cursor: "2", hasMore: true))
      #expect(try exact.receive(T.page(hasMore: false)) == .finished(closed: true))
    }

    @Test func pageAfterTheLastThrows() throws {
      var paging = DatePaging()
      _ = try paging.receive(T.page(hasMore: false))
      #expect(throws: PagingError.pageAfterEnd(page: 2)) {
        try paging.receive(T.page(hasMore: false))
      }
    }

    @Test func longCursorsAreShortenedInErrors() {
      let cursor = String(repeating: "x", count: 100)
      let description = PagingError.repeatedCursor(cursor, page: 9).description
      #expect(description == "cursor repeated: \"\(String(repeating: "x", count: 40))…\" on page 9")
    }

    // MARK: Ledger list

    @Test(arguments: ["", #""""#, "null"])
    func ledgerListEndsWithoutACursor(cursorJSON: String) throws {
      var paging = LedgerListPaging()
      #expect(try paging.receive(T.ledgerPage(cursorJSON: #""p2""#)) == .fetchNext(cursor: "p2"))
      #expect(paging.cursor == "p2")
      #expect(try paging.receive(T.ledgerPage(cursorJSON: cursorJSON)) == .finished)
      #expect(paging.isFinished)
      #expect(paging.pagesReceived == 2)
    }

    @Test func ledgerListRepeatedCursorThrows() throws {
      var paging = LedgerListPaging()
      _ = try paging.receive(T.ledgerPage(cursorJSON: #""p2""#))
      #expect(throws: PagingError.repeatedCursor("p2", page: 2)) {
        try paging.receive(T.ledgerPage(cursorJSON: #""p2""#))
      }
    }

    @Test func ledgerListPageCap() throws {
      var paging = LedgerListPaging(maximumPages: 2)
      _ = try paging.receive(T.ledgerPage(cursorJSON: #""p2""#))
      #expect(throws: PagingError.tooManyPages(limit: 2)) {
        try paging.receive(T.ledgerPage(cursorJSON: #""p3""#))
      }
    }

    // MARK: Feed

    @Test func feedProgressFetchesNow() throws {
      var feed = FeedPaging()
      #expect(feed.cursor == nil)
      #expect(try feed.receive(cursor: "c1", tryLater: false) == .fetchNow)
      #expect(try feed.receive(cursor: "c2", tryLater: false) == .fetchNow)
      #expect(feed.cursor == "c2")
      #expect(!feed.isAtEnd)
    }

    @Test func feedEndWaitsAtLeastASecondWithTheSameCursor() throws {
      var feed = FeedPaging(cursor: "c7")
      #expect(try feed.receive(cursor: "c7", tryLater: true) == .waitThenFetch(.seconds(1)))
      #expect(feed.cursor == "c7")
      #expect(feed.isAtEnd)
      #expect(try feed.receive(cursor: "c7", tryLater: true) == .waitThenFetch(.seconds(1)))
      // New data arrives: fetch on at once.
      #expect(try feed.receive(cursor: "c8", tryLater: false) == .fetchNow)
      #expect(!feed.isAtEnd)
    }

    @Test func feedItemsWithTryLaterAndANewCursorStillWait() throws {
      var feed = FeedPaging(cursor: "c1", endOfFeedWait: .seconds(5))
      #expect(try feed.receive(cursor: "c2", tryLater: true) == .waitThenFetch(.seconds(5)))
      #expect(feed.cursor == "c2")
    }

    @Test func feedFirstResponseAtTheEnd() throws {
      var feed = FeedPaging()
      #expect(try feed.receive(cursor: "c0", tryLater: true) == .waitThenFetch(.seconds(1)))
      #expect(feed.cursor == "c0")
    }

    @Test(arguments: [nil, ""] as [String?])
    func feedWithoutCursorThrows(cursor: String?) {
      var feed = FeedPaging(cursor: "c1")
      #expect(throws: PagingError.missingFeedCursor) {
        try feed.receive(cursor: cursor, tryLater: false)
      }
      #expect(feed.cursor == "c1")
    }

    @Test func feedCursorUnchangedWithoutTryLaterThrows() throws {
      var feed = FeedPaging(cursor: "c1")
      let error = #expect(throws: PagingError.self) {
        try feed.receive(cursor: "c1", tryLater: false)
      }
      #expect(error == .feedCursorStuck("c1"))
      #expect(error?.description == #"feed cursor "c1" came back unchanged without tryLater"#)
    }
  }
}
