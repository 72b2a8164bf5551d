import Foundation

/// Writes pages in the replay layout read by ``ReplaySource`` (used by the benchmark and tests).
public struct ReplayRecorder {
  public let directory: String
  /// Items per page; the API's default is 1000.
  public let pageSize: Int
  private let encoder: JSONEncoder

  public init(directory: String, pageSize: Int = 1000) {
    self.directory = directory
    self.pageSize = max(1, pageSize)
    encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
  }

  /// Writes `ledgers.json` listing `ledgers`.
  public func writeLedgers(_ ledgers: [Ledger]) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let data = try encoder.encode(LedgerListPage(cursor: "", items: ledgers))
    try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent("ledgers.json"))
  }

  /// Writes one date of one topic as pages `1.json`, `2.json` … following a synthetic cursor.
  public func writeDate(
    ledger: LedgerID, topic: Topic, date: LedgerDate, entries: [LedgerEntry], open: Bool = false
  ) throws {
    let dateDirectory = URL(fileURLWithPath: directory).appendingPathComponent(ledger.rawValue)
      .appendingPathComponent(topic.rawValue).appendingPathComponent(date.description)
    try FileManager.default.createDirectory(at: dateDirectory, withIntermediateDirectories: true)
    let chunks = stride(from: 0, to: max(entries.count, 1), by: pageSize).map {
      Array(entries[min($0, entries.count)..<min($0 + pageSize, entries.count)])
    }
    for (index, items) in chunks.enumerated() {
      let last = index == chunks.count - 1
      let page = ReportPage(
        cursor: last ? nil : Data("\(index + 2)".utf8).base64EncodedString(), hasMore: !last,
        tryLater: open && last, items: items)
      try encoder.encode(page).write(to: dateDirectory.appendingPathComponent("\(index + 1).json"))
    }
  }
}
