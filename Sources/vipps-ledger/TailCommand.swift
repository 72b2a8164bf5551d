import ArgumentParser
import Foundation
import LedgerCore
import ReportAPI

/// `vipps-ledger tail`: incremental consumption of a ledger's feed.
struct TailCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tail",
    abstract: "Print new entries of a ledger's feed as JSON lines, remembering the cursor.",
    discussion: """
      Reads GET /report/v2/ledgers/{id}/{topic}/feed from the cursor in --cursor-file (or the \
      beginning), prints each entry as one JSON line on standard output, and saves the returned \
      cursor after every page (atomically), so the next run continues where this one stopped. At \
      the end of the feed Vipps returns the same cursor with tryLater; without --follow the \
      command stops there, with --follow it waits (at least 1 s) and polls again. Feed entries \
      are not closed dates: use export for bookkeeping.
      """
  )

  @Option(help: "Ledger ID.")
  var ledger: String

  @Option(help: "funds or fees.")
  var topic: String = "funds"

  @Option(help: "File holding the feed cursor (read at start, rewritten after every page).")
  var cursorFile: String?

  @Flag(help: "Keep polling at the end of the feed instead of stopping.")
  var follow = false

  @Option(help: "Seconds to wait at the end of the feed before polling again (with --follow).")
  var pollSeconds: Int = 60

  @OptionGroup(title: "Live Report API (credentials from the environment)")
  var live: LiveSourceOptions

  func run() async throws {
    guard let topic = Topic(rawValue: topic) else {
      throw UsageError("--topic must be funds or fees, not '\(self.topic)'")
    }
    var cursor: String?
    if let cursorFile, FileManager.default.fileExists(atPath: cursorFile) {
      cursor = try String(contentsOfFile: cursorFile, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      if cursor?.isEmpty == true { cursor = nil }
    }
    let ledgerID = LedgerID(ledger)
    try await live.withSource { source in
      var paging = FeedPaging(cursor: cursor, endOfFeedWait: .seconds(max(1, pollSeconds)))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      while true {
        let page: ReportPage
        do {
          page = try await source.feedPage(ledger: ledgerID, topic: topic, cursor: paging.cursor)
        } catch let error as ReportSourceError {
          throw UsageError(error.detail)
        }
        var lines = Data()
        for entry in page.items {
          lines.append(try encoder.encode(entry))
          lines.append(UInt8(ascii: "\n"))
        }
        FileHandle.standardOutput.write(lines)
        let step: FeedPaging.Step
        do {
          step = try paging.receive(cursor: page.cursor, tryLater: page.tryLater)
        } catch {
          throw UsageError("ledger \(ledgerID) \(topic) feed: \(error)")
        }
        if let cursorFile, let next = paging.cursor {
          let writer = try AtomicFileWriter(destination: URL(fileURLWithPath: cursorFile))
          try writer.write(Array((next + "\n").utf8))
          try writer.commit()
        }
        if case .waitThenFetch(let delay) = step {
          guard follow else { return }
          try await Task.sleep(for: delay)
        }
      }
    }
  }
}
