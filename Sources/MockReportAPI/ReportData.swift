import LedgerCore

/// A ledger as listed by `GET /settlement/v1/ledgers`: what filtering needs, plus its JSON text.
struct LedgerRecord: Sendable {
  var id: LedgerID
  var handles: [String]
  /// The ledger object as served.
  var json: ArraySlice<UInt8>
}

/// Why a report request cannot be answered with a page.
enum ReportDataError: Error, Equatable {
  /// The cursor was not handed out for this request.
  case invalidCursor
  /// A recorded file could not be read or is not a page.
  case unreadable(String)
}

/// What the request handlers need from a data source: the ledger list and report pages.
///
/// Ledger access (visibility, unknown IDs) is checked by the caller before asking for pages.
protocol ReportData: Sendable {
  /// Every ledger, in list order.
  var ledgers: [LedgerRecord] { get }

  /// Whether generated bodies use the recorded layout (indented) instead of compact JSON.
  var usesRecordedLayout: Bool { get }

  /// The body of `GET /report/v2/ledgers/{ledger}/{topic}/dates/{date}`.
  func datePage(
    ledger: LedgerID, topic: Topic, date: LedgerDate, cursor: String?, gdpr: Bool
  ) async throws(ReportDataError) -> [UInt8]

  /// The number of entries a feed has on `date` (open dates: so far), or `nil` when the feed
  /// has no such date.
  func feedCount(ledger: LedgerID, topic: Topic, date: LedgerDate) async throws(ReportDataError)
    -> Int?

  /// Entries `range` of `date`, each encoded.
  func feedItems(
    ledger: LedgerID, topic: Topic, date: LedgerDate, range: Range<Int>, gdpr: Bool
  ) async throws(ReportDataError) -> [ArraySlice<UInt8>]

  /// The dates of the feed, in order.
  func feedDates(ledger: LedgerID, topic: Topic) async throws(ReportDataError) -> [LedgerDate]
}

extension ReportData {
  /// The body of `GET /report/v2/ledgers/{ledger}/{topic}/feed`.
  ///
  /// Walks the feed's dates from the cursor's position, filling up to `pageSize` entries. Every
  /// page has a cursor; a page that finds nothing new returns the request's cursor again with
  /// `tryLater: true`.
  func feedPage(
    ledger: LedgerID, topic: Topic, cursor: String?, gdpr: Bool, pageSize: Int
  ) async throws(ReportDataError) -> [UInt8] {
    let dates = try await feedDates(ledger: ledger, topic: topic)
    var dateIndex = 0
    var offset = 0
    if let cursor, !cursor.isEmpty {
      guard let position = Cursor.decode(Cursor.Feed.self, cursor) else { throw .invalidCursor }
      if let date = LedgerDate(position.ledgerDate), let index = dates.firstIndex(of: date),
        position.offset >= 0,
        let count = try await feedCount(ledger: ledger, topic: topic, date: date),
        position.offset <= count
      {
        dateIndex = index
        offset = position.offset
      } else if !(dates.isEmpty && position == Cursor.Feed(ledgerDate: "", offset: 0)) {
        throw .invalidCursor
      }
    }
    var items: [ArraySlice<UInt8>] = []
    let wanted = max(1, pageSize)
    while dateIndex < dates.count, items.count < wanted {
      let date = dates[dateIndex]
      let count = try await feedCount(ledger: ledger, topic: topic, date: date) ?? 0
      if offset < count {
        let end = min(count, offset + wanted - items.count)
        items += try await feedItems(
          ledger: ledger, topic: topic, date: date, range: offset..<end, gdpr: gdpr)
        offset = end
      }
      guard offset >= count else { continue }
      guard dateIndex + 1 < dates.count else { break }
      dateIndex += 1
      offset = 0
    }
    let position =
      dates.isEmpty
      ? Cursor.Feed(ledgerDate: "", offset: 0)
      : Cursor.Feed(ledgerDate: dates[min(dateIndex, dates.count - 1)].description, offset: offset)
    let atEnd = items.isEmpty
    let sameCursor = atEnd ? cursor.flatMap { $0.isEmpty ? nil : $0 } : nil
    let next = sameCursor ?? Cursor.encode(position)
    return usesRecordedLayout
      ? RecordedLayout.page(cursor: next, hasMore: nil, tryLater: atEnd, items: items)
      : JSONWriter.page(cursor: next, hasMore: nil, tryLater: atEnd, items: items)
  }

  /// A page of the dates endpoint cut from `count` entries: page `n` holds entries
  /// `(n-1)*pageSize ..< n*pageSize`, and `hasMore` is true when a page is full, so a date
  /// whose entries fill the last page exactly ends with an empty page, as the API may do.
  static func pageRange(cursor: String?, count: Int, pageSize: Int) throws(ReportDataError) -> (
    range: Range<Int>, next: String?
  ) {
    let size = max(1, pageSize)
    var number = 1
    if let cursor, !cursor.isEmpty {
      guard let page = Cursor.decodePage(cursor), page >= 2, page <= count / size + 1 else {
        throw .invalidCursor
      }
      number = page
    }
    let start = (number - 1) * size
    let end = min(count, start + size)
    let hasMore = start + size <= count
    return (start..<end, hasMore ? Cursor.encode(page: number + 1) : nil)
  }
}

/// A small least-recently-used cache; linear in its capacity, which is kept small.
struct LRUCache<Key: Hashable, Value> {
  private var entries: [(key: Key, value: Value)] = []
  let capacity: Int

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  /// The value for `key`, marking it most recently used.
  mutating func value(for key: Key) -> Value? {
    guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
    let entry = entries.remove(at: index)
    entries.append(entry)
    return entry.value
  }

  /// Stores `value`, evicting the least recently used entry when full.
  mutating func insert(_ value: Value, for key: Key) {
    entries.removeAll { $0.key == key }
    if entries.count >= capacity { entries.removeFirst() }
    entries.append((key, value))
  }
}
