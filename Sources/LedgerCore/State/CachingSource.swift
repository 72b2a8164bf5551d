import Foundation
import Synchronization

/// A ``ReportSource`` that keeps the pages of closed dates in a ``StateStore``: a rerun, a
/// backfill or a new output format for already-fetched dates costs no API calls.
///
/// A date is cached only once its last page says `tryLater: false`; open dates always go to the
/// inner source. Pages are stored as canonical JSON (sorted keys), so their hash identifies the
/// content.
public struct CachingSource: ReportSource {
  public let inner: any ReportSource
  public let store: any StateStore
  /// Bypass the cache for reading (fresh pages still replace the cached ones).
  public let refetch: Bool
  /// When set, the ledger list (no API call).
  public var knownLedgers: [Ledger]?

  public init(inner: any ReportSource, store: any StateStore, refetch: Bool = false) {
    self.inner = inner
    self.store = store
    self.refetch = refetch
  }

  public func ledgers() async throws -> [Ledger] {
    if let knownLedgers { return knownLedgers }
    return try await inner.ledgers()
  }

  public func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  > {
    let inner = inner
    let store = store
    let refetch = refetch
    // The date's pages are loaded on the first request (bounded by one date), then handed out.
    let state = Mutex<(loaded: Bool, pages: [LocatedPage])>((false, []))
    return AsyncThrowingStream {
      if !state.withLock({ $0.loaded }) {
        let pages = try await Self.load(
          inner: inner, store: store, refetch: refetch, ledger: ledger, topic: topic, date: date)
        state.withLock { $0 = (true, pages) }
      }
      return state.withLock { state in state.pages.isEmpty ? nil : state.pages.removeFirst() }
    }
  }

  /// The date's pages from the cache, or fetched (and cached when closed).
  static func load(
    inner: any ReportSource, store: any StateStore, refetch: Bool, ledger: LedgerID, topic: Topic,
    date: LedgerDate
  ) async throws -> [LocatedPage] {
    if !refetch, let cached = try store.cachedPages(ledger: ledger, topic: topic, date: date) {
      return try cached.enumerated().map { index, data in
        let location = PageLocation(
          ledgerID: ledger, topic: topic, date: date, page: index + 1, origin: "state cache")
        return LocatedPage(
          page: try ReportDecoding.page(data, context: location.description), location: location)
      }
    }
    var pages: [LocatedPage] = []
    for try await page in inner.pages(ledger: ledger, topic: topic, date: date) {
      pages.append(page)
    }
    if let last = pages.last, !last.page.tryLater {
      try store.cachePages(
        ledger: ledger, topic: topic, date: date, pages: try pages.map { try canonical($0.page) })
    }
    return pages
  }

  /// Canonical JSON of a page (sorted keys).
  public static func canonical(_ page: ReportPage) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(page)
  }
}
