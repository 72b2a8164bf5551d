import Foundation
import Testing

@testable import LedgerCore

/// The first ledger's CSV / JSON Lines spill file becomes the output file (its bytes are written
/// once). With more than 16 ledgers every spill is a file, so these exports take that path; each
/// output must equal the header plus every exported ledger's own single-ledger export, in order.
@Suite struct OutputAdoptionTests {
  static let start = LedgerDate(year: 2025, month: 3, day: 1)!

  /// 18 ledgers; ledger 0 optionally broken (its chain fails) or with an open last date.
  static func source(firstLedger: String) -> InMemorySource {
    var source = InMemorySource()
    for index in 0..<18 {
      var generator = SyntheticLedger(
        seed: UInt64(100 + index), ledgerID: LedgerID(String(500_000 + index)), start: start,
        entriesPerDay: 40)
      source.add(&generator, days: 3, openDays: index == 0 && firstLedger == "open" ? 1 : 0)
    }
    if firstLedger == "broken" {
      let key = InMemorySource.Key(ledger: "500000", topic: .funds, date: start.adding(days: 1))
      var page = source.pagesByKey[key]![0]
      var items = page.items
      items[3].balanceBefore += 1
      items[3].balanceAfter += 1
      page.items = items
      source.pagesByKey[key] = [page]
    }
    return source
  }

  static func export(_ source: InMemorySource, ledgers: [LedgerID]?, into directory: String)
    async throws -> RunReport
  {
    let request = ExportRequest(
      source: source, ledgers: ledgers, from: start, to: start.adding(days: 2),
      profile: try testProfile(), aggregation: .entry,
      encoders: [
        CSVJournalEncoder(options: .init(byteOrderMark: true)), JSONLinesJournalEncoder(),
      ],
      outputDirectory: directory, fileStem: "out", toolVersion: "0.0.0-test")
    return try await ExportPipeline().run(request)
  }

  @Test(arguments: ["healthy", "open", "broken"])
  func outputsAreTheLedgersInOrder(firstLedger: String) async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let source = Self.source(firstLedger: firstLedger)
    let report = try await Self.export(source, ledgers: nil, into: directory + "/all")
    #expect(report.ledgers.count == 18)
    #expect(
      report.ledgers[0].status
        == ["healthy": "exported", "open": "partial", "broken": "failed"][firstLedger])

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
      #expect(bytes == expected, "\(firstLedger) \(name)")
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

/// The process's file-creation mask.
private func umaskValue() -> Int {
  let mask = umask(0)
  umask(mask)
  return Int(mask)
}
