import Foundation
import Testing

@testable import LedgerCore

@Suite struct PipelineTests {
  let start = LedgerDate("2025-03-01")!

  func export(
    _ source: InMemorySource, days: Int, aggregation: Aggregation = .entry,
    formats: [OutputFormat] = [.csv], strict: Bool = false, ledgers: [LedgerID]? = nil,
    in directory: String
  ) async throws -> RunReport {
    let request = ExportRequest(
      source: source, ledgers: ledgers, from: start, to: start.adding(days: days - 1),
      profile: try testProfile(), aggregation: aggregation,
      encoders: formats.compactMap { $0.encoder() }, outputDirectory: directory, strict: strict)
    return try await ExportPipeline().run(request)
  }

  @Test func exportsClosedDatesAndLeavesOpenOnesForLater() async throws {
    var source = InMemorySource()
    var generator = SyntheticLedger(seed: 1, start: start, entriesPerDay: 40)
    source.add(&generator, days: 4, openDays: 1)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let report = try await export(source, days: 5, in: directory)
    let ledger = try #require(report.ledgers.first)
    #expect(ledger.status == "partial")
    #expect(ledger.datesExported.map(\.description) == ["2025-03-01", "2025-03-02", "2025-03-03"])
    #expect(ledger.datesOpen.map(\.description) == ["2025-03-04"])
    #expect(ledger.datesPending.map(\.description) == ["2025-03-05"])
    #expect(report.isClean)
    let csv = try String(
      contentsOfFile: directory + "/journal-2025-03-01_2025-03-05.csv", encoding: .utf8)
    #expect(!csv.contains("2025-03-04"))
    #expect(csv.contains("2025-03-03"))
    #expect(ledger.clearing.allSatisfy { $0.ok })
    #expect(ledger.clearing.count == 2)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(
      files == ["journal-2025-03-01_2025-03-05.csv", "journal-2025-03-01_2025-03-05.report.json"])
  }

  @Test func aBrokenLedgerIsLeftOutAndTheOthersExported() async throws {
    var source = InMemorySource()
    var good = SyntheticLedger(seed: 2, ledgerID: "111111", start: start, entriesPerDay: 30)
    var bad = SyntheticLedger(seed: 3, ledgerID: "222222", start: start, entriesPerDay: 30)
    source.add(&good, days: 3)
    source.add(&bad, days: 3)
    let key = InMemorySource.Key(ledger: "222222", topic: .funds, date: start.adding(days: 1))
    source.pagesByKey[key]![0].items[2].balanceBefore += 1
    source.pagesByKey[key]![0].items[2].balanceAfter += 1
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let report = try await export(source, days: 3, formats: [.csv, .jsonl], in: directory)
    #expect(report.ledgers.map(\.status) == ["exported", "failed"])
    #expect(!report.isClean)
    let failed = report.ledgers[1]
    #expect(
      failed.diagnostics.contains {
        $0.contains("ledger 222222 funds 2025-03-02 entry 3") && $0.contains("balance chain")
      })
    let jsonl = try String(
      contentsOfFile: directory + "/journal-2025-03-01_2025-03-03.jsonl", encoding: .utf8)
    #expect(jsonl.contains("111111"))
    #expect(!jsonl.contains("222222"))
  }

  @Test func aMalformedPageFailsOnlyItsLedger() async throws {
    var source = InMemorySource()
    var generator = SyntheticLedger(seed: 4, start: start, entriesPerDay: 10)
    source.add(&generator, days: 2)
    source.malformed.insert(
      .init(ledger: generator.ledgerID, topic: .fees, date: start.adding(days: 1)))
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let report = try await export(source, days: 2, in: directory)
    #expect(report.ledgers[0].status == "failed")
    #expect(report.ledgers[0].diagnostics.contains { $0.contains("broken page") })
  }

  @Test func strictTurnsSuspenseIntoAnError() async throws {
    var source = InMemorySource()
    source.ledgerList = [Ledger(ledgerId: "1", currency: "NOK")]
    let entry = makeEntry(.unknown("mystery"), amount: 500, before: 0, date: "2025-03-01")
    source.pagesByKey[.init(ledger: "1", topic: .funds, date: start)] = [ReportPage(items: [entry])]
    source.pagesByKey[.init(ledger: "1", topic: .fees, date: start)] = [ReportPage(items: [])]
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let lenient = try await export(source, days: 1, in: directory)
    #expect(lenient.ledgers[0].status == "exported")
    #expect(lenient.ledgers[0].suspenseEntries == 1)
    #expect(lenient.warnings == 2)
    #expect(lenient.ledgers[0].controlTotals.map(\.account) == ["1579", "1598"])
    let strict = try await export(source, days: 1, strict: true, in: directory)
    #expect(strict.ledgers[0].status == "failed")
    #expect(strict.errors == 1)
  }

  @Test func entryAndDailyGiveEqualBalances() async throws {
    var source = InMemorySource()
    var generator = SyntheticLedger(seed: 5, start: start, entriesPerDay: 200)
    source.add(&generator, days: 5)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let entry = try await export(source, days: 5, aggregation: .entry, in: directory + "/e")
    let daily = try await export(source, days: 5, aggregation: .daily, in: directory + "/d")
    #expect(entry.ledgers[0].controlTotals.map(\.net) == daily.ledgers[0].controlTotals.map(\.net))
    #expect(
      entry.ledgers[0].controlTotals.map(\.account) == daily.ledgers[0].controlTotals.map(\.account)
    )
    #expect(daily.ledgers[0].vouchers == 5)
    #expect(entry.ledgers[0].vouchers == entry.ledgers[0].entries)
  }

  @Test func outputIsByteIdenticalOnRerun() async throws {
    var source = InMemorySource()
    var generator = SyntheticLedger(seed: 6, start: start, entriesPerDay: 50)
    source.add(&generator, days: 3)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let first = try await export(
      source, days: 3, formats: OutputFormat.allCases, in: directory + "/1")
    let second = try await export(
      source, days: 3, formats: OutputFormat.allCases, in: directory + "/2")
    #expect(first.outputs == second.outputs)
    for output in first.outputs {
      let a = try Data(contentsOf: URL(fileURLWithPath: directory + "/1/" + output.path))
      let b = try Data(contentsOf: URL(fileURLWithPath: directory + "/2/" + output.path))
      #expect(a == b)
      #expect(SHA256.hex(a) == output.sha256)
    }
  }
}
