import Foundation
import LedgerCore
import Synchronization

/// Serves a recording in the replay layout (`ledgers.json`, `ledgers-2.json`, …,
/// `<ledgerId>/<funds|fees>/<date>/1.json, 2.json, …`).
///
/// Dates pages are the recorded files: page 1 without a cursor, page `k+1` for the cursor of
/// page `k`. Files are read on demand and a few are cached.
final class ReplayData: ReportData {
  let ledgers: [LedgerRecord]
  var usesRecordedLayout: Bool { true }
  private let root: URL
  private let cache = Mutex(Cache())

  private struct Cache {
    var pages = LRUCache<String, RawPage>(capacity: 64)
    /// Per date directory, the cursor of each recorded page (`nil` on the last).
    var cursors: [String: [String?]] = [:]
    /// Per `<ledgerId>/<topic>`, the recorded dates.
    var dates: [String: [LedgerDate]] = [:]
  }

  /// The envelope fields needed to follow a recorded cursor chain.
  private struct Envelope: Decodable {
    var cursor: String?
    var hasMore: Bool?
  }

  /// Opens a recording and reads its ledger list.
  /// - Throws: ``MockServerError`` when the directory or its ledger list is missing or broken.
  init(directory: String) throws(MockServerError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { throw MockServerError("replay directory '\(directory)' does not exist") }
    root = URL(fileURLWithPath: directory, isDirectory: true)
    var records: [LedgerRecord] = []
    var number = 1
    while true {
      let name = number == 1 ? "ledgers.json" : "ledgers-\(number).json"
      let path = root.appendingPathComponent(name).path
      guard let data = FileManager.default.contents(atPath: path), let page = RawPage(Array(data))
      else { throw MockServerError("cannot read the recorded ledger list \(path)") }
      for range in page.itemRanges {
        let json = page.bytes[range]
        guard let ledger = try? JSONDecoder().decode(Ledger.self, from: Data(json)) else {
          throw MockServerError("\(path): a ledger without a ledgerId")
        }
        records.append(
          LedgerRecord(
            id: ledger.ledgerId, handles: ledger.settlesForRecipientHandles ?? [], json: json))
      }
      let envelope = try? JSONDecoder().decode(Envelope.self, from: data)
      guard let cursor = envelope?.cursor, !cursor.isEmpty else { break }
      number += 1
    }
    ledgers = records
  }

  func datePage(ledger: LedgerID, topic: Topic, date: LedgerDate, cursor: String?, gdpr: Bool)
    throws(ReportDataError) -> [UInt8]
  {
    let directory = directory(ledger, topic, date)
    guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("1.json").path)
    else {
      guard cursor?.isEmpty ?? true else { throw .invalidCursor }
      let recorded = try lastRecordedDate(of: ledger)
      let closed = recorded.map { date <= $0 } ?? false
      return RecordedLayout.page(cursor: nil, hasMore: false, tryLater: !closed, items: [])
    }
    var number = 1
    if let cursor, !cursor.isEmpty {
      let chain = try cursors(in: directory)
      guard let index = chain.firstIndex(where: { $0 == cursor }) else { throw .invalidCursor }
      number = index + 2
    }
    return try page(number, in: directory).body(gdpr: gdpr)
  }

  func feedDates(ledger: LedgerID, topic: Topic) throws(ReportDataError) -> [LedgerDate] {
    let key = "\(ledger.rawValue)/\(topic.rawValue)"
    if let dates = cache.withLock({ $0.dates[key] }) { return dates }
    let folder = root.appendingPathComponent(ledger.rawValue).appendingPathComponent(topic.rawValue)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    let dates = names.compactMap(LedgerDate.init).sorted()
    cache.withLock { $0.dates[key] = dates }
    return dates
  }

  func feedCount(ledger: LedgerID, topic: Topic, date: LedgerDate) throws(ReportDataError) -> Int? {
    guard try feedDates(ledger: ledger, topic: topic).contains(date) else { return nil }
    let directory = directory(ledger, topic, date)
    var count = 0
    for number in 1...(try cursors(in: directory).count) {
      count += try page(number, in: directory).itemRanges.count
    }
    return count
  }

  func feedItems(
    ledger: LedgerID, topic: Topic, date: LedgerDate, range: Range<Int>, gdpr: Bool
  ) throws(ReportDataError) -> [ArraySlice<UInt8>] {
    let directory = directory(ledger, topic, date)
    var items: [ArraySlice<UInt8>] = []
    var first = 0
    for number in 1...(try cursors(in: directory).count) {
      let page = try page(number, in: directory)
      let pageRange = first..<(first + page.itemRanges.count)
      for index in pageRange where range.contains(index) {
        items.append(page.item(index - first, gdpr: gdpr))
      }
      first = pageRange.upperBound
      if first >= range.upperBound { break }
    }
    return items
  }

  private func directory(_ ledger: LedgerID, _ topic: Topic, _ date: LedgerDate) -> URL {
    root.appendingPathComponent(ledger.rawValue).appendingPathComponent(topic.rawValue)
      .appendingPathComponent(date.description)
  }

  /// The latest recorded date of `ledger` on either topic.
  private func lastRecordedDate(of ledger: LedgerID) throws(ReportDataError) -> LedgerDate? {
    var last: LedgerDate?
    for topic in Topic.allCases {
      if let date = try feedDates(ledger: ledger, topic: topic).last,
        last.map({ date > $0 }) ?? true
      {
        last = date
      }
    }
    return last
  }

  /// The cursors of the recorded pages of a date, one per page (`nil` on the last page).
  private func cursors(in directory: URL) throws(ReportDataError) -> [String?] {
    if let chain = cache.withLock({ $0.cursors[directory.path] }) { return chain }
    var chain: [String?] = []
    while true {
      let number = chain.count + 1
      let path = directory.appendingPathComponent("\(number).json").path
      guard let data = FileManager.default.contents(atPath: path),
        let envelope = try? JSONDecoder().decode(Envelope.self, from: data)
      else {
        if number == 1 { throw .unreadable("\(path) is missing or not a page") }
        throw .unreadable("\(path) is missing or not a page, but page \(number - 1) has hasMore")
      }
      guard envelope.hasMore == true, let cursor = envelope.cursor, !cursor.isEmpty else {
        chain.append(nil)
        break
      }
      chain.append(cursor)
    }
    let result = chain
    cache.withLock { $0.cursors[directory.path] = result }
    return result
  }

  /// Recorded page `number` of a date directory.
  private func page(_ number: Int, in directory: URL) throws(ReportDataError) -> RawPage {
    let path = directory.appendingPathComponent("\(number).json").path
    if let page = cache.withLock({ $0.pages.value(for: path) }) { return page }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unreadable("\(path) is missing")
    }
    guard let page = RawPage(Array(data)) else { throw .unreadable("\(path) is not a page") }
    cache.withLock { $0.pages.insert(page, for: path) }
    return page
  }
}

/// A configuration problem found when the server starts (for example a missing replay
/// directory).
public struct MockServerError: Error, Equatable, CustomStringConvertible, Sendable {
  /// What is wrong.
  public var description: String

  /// Creates an error with a one-line description.
  public init(_ description: String) { self.description = description }
}

extension MockServerError: LocalizedError {
  public var errorDescription: String? { description }
}
