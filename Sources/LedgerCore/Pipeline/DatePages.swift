import Synchronization

/// What the processing of a ledger date reads: its pages, funds then fees, each topic ended by
/// ``DatePages/Item/topicEnd``, with every entry already checked (``EntryChecker``).
///
/// Read ahead, the pages are fetched, decoded and checked by a task of their own while the date's
/// entries are mapped and encoded, at most a given number of pages ahead (``ReadAhead``);
/// otherwise each page is fetched and checked when it is wanted. Either way fetching stops at
/// the first error (which comes after the pages before it) and at the first entry that fails a
/// check (its page says which), and the fees are asked for only after the funds' last page.
struct DatePages {
  /// The first entry of a page that failed the checks, and why.
  struct Problem: Sendable {
    /// 1-based position within the date and topic.
    var position: Int
    var diagnostics: [Diagnostic]
  }

  enum Item: Sendable {
    case page(LocatedPage, problem: Problem?)
    case topicEnd
  }

  /// The checks, run in order over the date's entries, and the topic being read.
  private struct Checks: Sendable {
    var checkers: [EntryChecker]
    let date: LedgerDate
    var topicIndex = 0
    var position = 0
    /// An entry failed: nothing after it is read.
    var failed = false

    mutating func check(_ page: ReportPage) -> Problem? {
      let raw = page.raw
      return raw.bytes.withUnsafeBufferPointer { bytes in
        for entry in raw.entries {
          position += 1
          let problems = checkers[topicIndex].check(
            entry, bytes: bytes, date: date, position: position)
          if !problems.isEmpty {
            failed = true
            return Problem(position: position, diagnostics: problems)
          }
        }
        return nil
      }
    }

    mutating func nextTopic() {
      checkers[topicIndex].dateEnded()
      topicIndex += 1
      position = 0
    }
  }

  /// The checks, held by whichever task reads the pages. They are moved in and out whole, never
  /// copied: a checker shared by two copies would copy its duplicate table on its first change.
  private final class CheckState: Sendable {
    let checks: Mutex<Checks>

    init(_ checks: consuming Checks) { self.checks = Mutex(checks) }

    /// The checkers, leaving none behind.
    func take() -> [EntryChecker] {
      checks.withLock { checks in
        var taken: [EntryChecker] = []
        swap(&taken, &checks.checkers)
        return taken
      }
    }
  }

  private let source: any ReportSource
  private let ledgerID: LedgerID
  private let date: LedgerDate
  private let queue: ReadAhead<Item>?
  /// In line: the checks and the pages of the topic being read.
  private let state: CheckState
  private var pages: AsyncThrowingStream<LocatedPage, any Error>.Iterator?

  private init(
    source: any ReportSource, ledgerID: LedgerID, date: LedgerDate, state: CheckState,
    queue: ReadAhead<Item>?
  ) {
    self.source = source
    self.ledgerID = ledgerID
    self.date = date
    self.state = state
    self.queue = queue
  }

  /// Calls `body` with the pages of `ledgerID`'s `date`, read up to `ahead` pages ahead by a task
  /// of their own (none: in line), checked with `checkers` (the funds' and the fees'), which
  /// are updated whether `body` returns or throws. The task has stopped when this returns.
  static func reading<Result>(
    _ source: any ReportSource, ledger ledgerID: LedgerID, date: LedgerDate, ahead: Int,
    checkers: inout [EntryChecker], _ body: (inout DatePages) async throws -> Result
  ) async throws -> Result {
    var checks = Checks(checkers: [], date: date)
    swap(&checks.checkers, &checkers)
    let state = CheckState(consume checks)
    defer { checkers = state.take() }
    guard ahead > 0 else {
      var pages = DatePages(
        source: source, ledgerID: ledgerID, date: date, state: state, queue: nil)
      return try await body(&pages)
    }
    let queue = ReadAhead<Item>(capacity: ahead)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await Self.produce(source, ledgerID, date, state, into: queue) }
      var pages = DatePages(
        source: source, ledgerID: ledgerID, date: date, state: state, queue: queue)
      let outcome: Swift.Result<Result, any Error>
      do {
        outcome = .success(try await body(&pages))
      } catch {
        outcome = .failure(error)
      }
      // However the date ends, the task stops (it may be waiting for room) before the checkers
      // are taken back.
      queue.cancel()
      try await group.waitForAll()
      return try outcome.get()
    }
  }

  /// The read-ahead task: fetches, checks and queues the date's pages.
  private static func produce(
    _ source: any ReportSource, _ ledgerID: LedgerID, _ date: LedgerDate, _ state: CheckState,
    into queue: ReadAhead<Item>
  ) async {
    for topic in Topic.allCases {
      var pages = source.pages(ledger: ledgerID, topic: topic, date: date).makeAsyncIterator()
      do {
        while true {
          guard await queue.room() else { return }
          guard let located = try await pages.next() else { break }
          let problem = state.checks.withLock { $0.check(located.page) }
          queue.send(.page(located, problem: problem))
          if problem != nil {
            queue.finish()
            return
          }
        }
      } catch {
        queue.finish(throwing: error)
        return
      }
      queue.send(.topicEnd)
      state.checks.withLock { $0.nextTopic() }
    }
    queue.finish()
  }

  /// The next page or topic end; `nil` after the fees' end, or after a page with a problem.
  ///
  /// - Throws: What fetching the pages threw, after the pages before it.
  mutating func next() async throws -> Item? {
    if let queue { return try await queue.next() }
    let (failed, topicIndex) = state.checks.withLock { ($0.failed, $0.topicIndex) }
    guard !failed, topicIndex < Topic.allCases.count else { return nil }
    if pages == nil {
      pages = source.pages(ledger: ledgerID, topic: Topic.allCases[topicIndex], date: date)
        .makeAsyncIterator()
    }
    if let located = try await pages!.next() {
      return .page(located, problem: state.checks.withLock { $0.check(located.page) })
    }
    pages = nil
    state.checks.withLock { $0.nextTopic() }
    return .topicEnd
  }
}
