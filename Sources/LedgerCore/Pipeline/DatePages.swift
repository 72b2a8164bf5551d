/// What the processing of a ledger date reads: its pages, funds then fees, each topic ended by
/// ``DatePages/Item/topicEnd``.
///
/// Read ahead, the pages are fetched and decoded by a task of their own while the date's entries
/// are checked, mapped and encoded, at most a given number of pages ahead (``ReadAhead``);
/// otherwise each page is fetched when it is wanted, as before there was a read-ahead. Either
/// way fetching stops at the first error, which comes after the pages before it, and the fees are
/// asked for only after the funds' last page.
struct DatePages {
  enum Item: Sendable {
    case page(LocatedPage)
    case topicEnd
  }

  private let source: any ReportSource
  private let ledgerID: LedgerID
  private let date: LedgerDate
  private let queue: ReadAhead<Item>?
  /// In line: the topic being read and its pages.
  private var topicIndex = 0
  private var pages: AsyncThrowingStream<LocatedPage, any Error>.Iterator?

  private init(
    source: any ReportSource, ledgerID: LedgerID, date: LedgerDate, queue: ReadAhead<Item>?
  ) {
    self.source = source
    self.ledgerID = ledgerID
    self.date = date
    self.queue = queue
  }

  /// Calls `body` with the pages of `ledgerID`'s `date`, read up to `ahead` pages ahead by a task
  /// of their own (none: in line). The task has stopped when this returns.
  static func reading<Result>(
    _ source: any ReportSource, ledger ledgerID: LedgerID, date: LedgerDate, ahead: Int,
    _ body: (inout DatePages) async throws -> Result
  ) async throws -> Result {
    guard ahead > 0 else {
      var pages = DatePages(source: source, ledgerID: ledgerID, date: date, queue: nil)
      return try await body(&pages)
    }
    let queue = ReadAhead<Item>(capacity: ahead)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for topic in Topic.allCases {
          var pages = source.pages(ledger: ledgerID, topic: topic, date: date).makeAsyncIterator()
          do {
            while true {
              guard await queue.room() else { return }
              guard let located = try await pages.next() else { break }
              queue.send(.page(located))
            }
          } catch {
            queue.finish(throwing: error)
            return
          }
          queue.send(.topicEnd)
        }
        queue.finish()
      }
      // However the date ends, the task stops (it may be waiting for room).
      defer { queue.cancel() }
      var pages = DatePages(source: source, ledgerID: ledgerID, date: date, queue: queue)
      return try await body(&pages)
    }
  }

  /// The next page or topic end; `nil` after the fees' end.
  ///
  /// - Throws: What fetching the pages threw, after the pages before it.
  mutating func next() async throws -> Item? {
    if let queue { return try await queue.next() }
    guard topicIndex < Topic.allCases.count else { return nil }
    if pages == nil {
      pages = source.pages(ledger: ledgerID, topic: Topic.allCases[topicIndex], date: date)
        .makeAsyncIterator()
    }
    if let located = try await pages!.next() { return .page(located) }
    pages = nil
    topicIndex += 1
    return .topicEnd
  }
}
