import Foundation
import Testing

@testable import LedgerCore

/// The first ledger's CSV / JSON Lines spill file becomes the output file (its bytes are written
/// once), and ledgers started when every ledger before them is finished append to it (with one
/// ledger at a time, all of them). With more than 16 ledgers every spill is a file, so these
/// exports take that path; each output must equal the header plus every exported ledger's own
/// single-ledger export, in order, whatever fails or stays open and however many run at once.
@Suite struct OutputAdoptionTests {
  static let start = LedgerDate(year: 2025, month: 3, day: 1)!

  /// 18 ledgers; the `broken` ones fail (their chain breaks), the `open` ones have an open last
  /// date.
  static func source(broken: Set<Int>, open: Set<Int>) -> InMemorySource {
    var source = InMemorySource()
    for index in 0..<18 {
      var generator = SyntheticLedger(
        seed: UInt64(100 + index), ledgerID: LedgerID(String(500_000 + index)), start: start,
        // Ledgers 5 and 17 write more than a spill buffer (256 KiB) before their second date.
        entriesPerDay: index == 5 || index == 17 ? 1_000 : 40)
      source.add(&generator, days: 3, openDays: open.contains(index) ? 1 : 0)
    }
    for index in broken {
      let key = InMemorySource.Key(
        ledger: LedgerID(String(500_000 + index)), topic: .funds, date: start.adding(days: 1))
      var page = source.pagesByKey[key]![0]
      var items = page.items
      items[3].balanceBefore += 1
      items[3].balanceAfter += 1
      page.items = items
      source.pagesByKey[key] = [page]
    }
    return source
  }

  static func export(
    _ source: InMemorySource, ledgers: [LedgerID]?, into directory: String, concurrency: Int = 4
  ) async throws -> RunReport {
    let request = ExportRequest(
      source: source, ledgers: ledgers, from: start, to: start.adding(days: 2),
      profile: try testProfile(), aggregation: .entry,
      encoders: [
        CSVJournalEncoder(options: .init(byteOrderMark: true)), JSONLinesJournalEncoder(),
      ],
      outputDirectory: directory, fileStem: "out", toolVersion: "0.0.0-test",
      concurrency: concurrency)
    return try await ExportPipeline().run(request)
  }

  @Test(arguments: [
    ("healthy", 4), ("open", 4), ("broken", 4), ("healthy", 1), ("open", 1), ("broken", 1),
    ("middle broken", 1), ("last broken", 1), ("middle broken", 3), ("middle open", 1),
  ])
  func outputsAreTheLedgersInOrder(_ scenario: String, concurrency: Int) async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let broken: Set<Int> =
      ["broken": [0], "middle broken": [1, 5, 6], "last broken": [17]][scenario] ?? []
    let open: Set<Int> = ["open": [0], "middle open": [3, 9]][scenario] ?? []
    let source = Self.source(broken: broken, open: open)
    let report = try await Self.export(
      source, ledgers: nil, into: directory + "/all", concurrency: concurrency)
    #expect(report.ledgers.count == 18)
    for (index, ledger) in report.ledgers.enumerated() {
      let expected =
        broken.contains(index) ? "failed" : open.contains(index) ? "partial" : "exported"
      #expect(ledger.status == expected, "ledger \(index)")
    }

    let header = CSVJournalEncoder(options: .init(byteOrderMark: true)).prologue(.placeholder)
    var expectedCSV = header
    var expectedJSONL: [UInt8] = []
    for ledger in report.ledgers where ledger.status != "failed" {
      let single = directory + "/" + ledger.ledgerId
      _ = try await Self.export(source, ledgers: [LedgerID(ledger.ledgerId)], into: single)
      let csv = Array(try Data(contentsOf: URL(fileURLWithPath: single + "/out.csv")))
      #expect(Array(csv.prefix(header.count)) == header)
      expectedCSV += csv.dropFirst(header.count)
      expectedJSONL += Array(try Data(contentsOf: URL(fileURLWithPath: single + "/out.jsonl")))
    }
    for (name, expected) in [("out.csv", expectedCSV), ("out.jsonl", expectedJSONL)] {
      let path = directory + "/all/" + name
      let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
      // Not `#expect(bytes == expected)`: a failure message with megabyte arrays takes minutes.
      let same = bytes == expected
      #expect(
        same,
        "\(scenario) \(concurrency) \(name): \(bytes.count) bytes, expected \(expected.count); first difference at \(same ? -1 : firstDifference(bytes, expected))"
      )
      let output = try #require(report.outputs.first { $0.path == name })
      #expect(output.sha256 == SHA256.hex(bytes))
      #expect(output.bytes == Int64(bytes.count))
      // Published like any output: readable by others as umask allows, no scratch files left.
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      let mode = (attributes[.posixPermissions] as? Int) ?? 0
      #expect(mode & 0o044 != 0 || umaskValue() & 0o044 != 0, "mode \(String(mode, radix: 8))")
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/all")
    #expect(leftovers.sorted() == ["out.csv", "out.jsonl", "out.report.json"])
  }
}

extension OutputAdoptionTests {
  /// A ledger continuing another's spill file appends after its bytes; dropped unfinished or
  /// discarded, it cuts the file back to them, whether its bytes were flushed or still buffered.
  @Test(arguments: [1_000, 600_000])
  func continuedSpillFileKeepsOrRestoresTheBytesBeforeIt(appended: Int) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/spill.csv"
    let first = try SpillFile(path: path, prefix: Array("header\n".utf8))
    try first.append([UInt8](repeating: UInt8(ascii: "a"), count: 300_000))
    let (firstPath, _, firstStart, firstEnd) = try first.finish(memoryLimit: 0)
    #expect(firstPath == path && firstStart == 0 && firstEnd == 300_007)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))

    func continued() throws -> SpillFile {
      let spill = try SpillFile(continuing: path, at: firstEnd)
      try spill.append([UInt8](repeating: UInt8(ascii: "b"), count: appended))
      return spill
    }
    do { _ = try continued() }  // dropped unfinished
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    try continued().discard()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

    let second = try continued()
    let mark = second.mark()
    try second.append([UInt8](repeating: UInt8(ascii: "c"), count: 700_000))
    try second.rollback(to: mark)
    let (secondPath, _, secondStart, secondEnd) = try second.finish(memoryLimit: 1 << 30)
    #expect(secondPath == path && secondStart == firstEnd)
    #expect(secondEnd == firstEnd + Int64(appended))
    let after = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(after == before + Data(repeating: UInt8(ascii: "b"), count: appended))
  }
}

extension OutputAdoptionTests {
  /// Writes to disk are started 8 MiB at a time, from where the last ones ended; after a
  /// truncation, from the cut.
  @Test func writebackStartsEveryEightMebibytes() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let descriptor = open(directory + "/file", O_RDWR | O_CREAT, 0o600)
    defer { close(descriptor) }
    let step = WritebackCursor.step
    var cursor = WritebackCursor(from: 100)
    cursor.written(upTo: 100 + step - 1, descriptor: descriptor)
    #expect(cursor.start == 100)
    cursor.written(upTo: 100 + step, descriptor: descriptor)
    #expect(cursor.start == 100 + step)
    cursor.truncated(to: 50)
    #expect(cursor.start == 50)
    cursor.truncated(to: 70)
    #expect(cursor.start == 50)
    cursor.written(upTo: 50 + 3 * step, descriptor: descriptor)
    #expect(cursor.start == 50 + 3 * step)
  }
}

/// The index of the first byte where `a` and `b` differ (the shorter one's length if one is a
/// prefix of the other).
private func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
  zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
}

/// The process's file-creation mask.
private func umaskValue() -> Int {
  let mask = umask(0)
  umask(mask)
  return Int(mask)
}
