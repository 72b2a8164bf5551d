import Foundation
import LedgerCore
import Testing

@testable import StateStore

/// A fresh directory per test, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("state-store-tests-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  return try body(directory)
}

private func date(_ text: String) -> LedgerDate { LedgerDate(text)! }

private func totals() throws -> [RunReport.AccountTotal] {
  let json = """
    [{"account":"1920","name":"Bank","debit":"100.00","credit":"0.00","net":"100.00"},
     {"account":"7770","name":"Fees","debit":"0.00","credit":"2.50","net":"-2.50"}]
    """
  return try JSONDecoder().decode([RunReport.AccountTotal].self, from: Data(json.utf8))
}

private func exported(_ ledger: LedgerID, _ day: String, run: String = "r1") throws
  -> ExportedDate
{
  ExportedDate(
    ledgerID: ledger, date: date(day), runID: run,
    files: [ExportedFile(path: "\(ledger)/\(day).csv", sha256: "ab12", bytes: 321)],
    entries: 7, vouchers: 2, controlTotals: try totals(), contentSHA256: "c0ffee",
    closingBalances: [.funds: 12_345_678_901, .fees: -250])
}

@Suite struct SQLiteStateStoreTests {
  @Test func createsDirectoryAndKeepsDataAcrossReopen() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/nested/state/vipps.sqlite"
      let record = try exported("123456", "2024-03-01")
      do {
        let store = try SQLiteStateStore(path: path)
        try store.recordExported(record)
        try store.recordOpen(ledger: "123456", date: date("2024-03-02"), runID: "r1")
      }
      let reopened = try SQLiteStateStore(path: path)
      #expect(try reopened.exportedDates(ledger: "123456") == [record])
      #expect(try reopened.openDates(ledger: "123456") == [date("2024-03-02")])
      #expect(try reopened.ledgers() == ["123456"])
    }
  }

  @Test func usesWALAndNormalSync() throws {
    try withTemporaryDirectory { dir in
      let store = try SQLiteStateStore(path: dir + "/state.sqlite")
      let settings = try store.queue.read { db in
        (
          try String.fetchOne(db, sql: "PRAGMA journal_mode"),
          try Int.fetchOne(db, sql: "PRAGMA synchronous"),
          try Int.fetchOne(db, sql: "PRAGMA application_id")
        )
      }
      #expect(settings.0 == "wal")
      #expect(settings.1 == 1)  // NORMAL: durable against crashes; a commit lost to power loss is re-exported identically
      #expect(settings.2.map(Int32.init) == SQLiteStateStore.applicationID)
      // Creation leaves no temporary file behind.
      let names = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(names.filter { $0.contains("creating") } == [])
    }
  }

  @Test func exportedDatesRoundTripOldestFirstAndUpsert() throws {
    try withTemporaryDirectory { dir in
      let store = try SQLiteStateStore(path: dir + "/state.sqlite")
      let later = try exported("1", "2024-03-02")
      let earlier = try exported("1", "2024-02-29")
      try store.recordExported(later)
      try store.recordExported(earlier)
      try store.recordExported(try exported("2", "2024-03-01"))
      #expect(try store.exportedDates(ledger: "1") == [earlier, later])
      #expect(try store.exportedDates(ledger: "3") == [])

      var replaced = later
      replaced.runID = "r2"
      replaced.closingBalances = [.funds: 0]
      replaced.controlTotals = []
      replaced.files = []
      try store.recordExported(replaced)
      #expect(try store.exportedDates(ledger: "1") == [earlier, replaced])
    }
  }

  @Test func recordExportedClearsTheOpenDate() throws {
    try withTemporaryDirectory { dir in
      let store = try SQLiteStateStore(path: dir + "/state.sqlite")
      try store.recordOpen(ledger: "1", date: date("2024-03-02"), runID: "r1")
      try store.recordOpen(ledger: "1", date: date("2024-03-01"), runID: "r1")
      try store.recordOpen(ledger: "1", date: date("2024-03-01"), runID: "r2")
      try store.recordOpen(ledger: "9", date: date("2024-03-01"), runID: "r1")
      #expect(try store.openDates(ledger: "1") == [date("2024-03-01"), date("2024-03-02")])

      try store.recordExported(try exported("1", "2024-03-01"))
      #expect(try store.openDates(ledger: "1") == [date("2024-03-02")])
      #expect(try store.openDates(ledger: "9") == [date("2024-03-01")])
      #expect(try store.ledgers() == ["1", "9"])
    }
  }

  @Test func cachePagesRoundTripsAndReplaces() throws {
    try withTemporaryDirectory { dir in
      let store = try SQLiteStateStore(path: dir + "/state.sqlite")
      let day = date("2024-03-01")
      #expect(try store.cachedPages(ledger: "1", topic: .funds, date: day) == nil)

      let pages = (0..<12).map { Data("{\"page\":\($0)}".utf8) } + [Data([0, 255, 1])]
      try store.cachePages(ledger: "1", topic: .funds, date: day, pages: pages)
      try store.cachePages(ledger: "1", topic: .fees, date: day, pages: [Data("fees".utf8)])
      #expect(try store.cachedPages(ledger: "1", topic: .funds, date: day) == pages)

      try store.cachePages(ledger: "1", topic: .funds, date: day, pages: [Data("new".utf8)])
      #expect(try store.cachedPages(ledger: "1", topic: .funds, date: day) == [Data("new".utf8)])
      #expect(try store.cachedPages(ledger: "1", topic: .fees, date: day) == [Data("fees".utf8)])

      try store.cachePages(ledger: "1", topic: .funds, date: day, pages: [])
      #expect(try store.cachedPages(ledger: "1", topic: .funds, date: day) == [])
      #expect(try store.cachedPages(ledger: "2", topic: .funds, date: day) == nil)
    }
  }

  @Test func runsNewestFirst() throws {
    try withTemporaryDirectory { dir in
      let store = try SQLiteStateStore(path: dir + "/state.sqlite")
      let asOf = date("2024-03-05")
      let first = RunRecord(
        runID: "a", startedAt: "2024-03-05T01:00:00Z", asOf: asOf, toolVersion: "1.0.0",
        configSHA256: "cfg")
      let tieB = RunRecord(
        runID: "b", startedAt: "2024-03-06T01:00:00Z", asOf: asOf, toolVersion: "1.0.0",
        configSHA256: "cfg")
      let tieC = RunRecord(
        runID: "c", startedAt: "2024-03-06T01:00:00Z", asOf: asOf, toolVersion: "1.0.1",
        configSHA256: "cfg2")
      for run in [tieB, first, tieC] { try store.beginRun(run) }
      #expect(throws: StateStoreError.self) { try store.beginRun(first) }

      try store.finishRun(runID: "a", status: "ok", manifestPath: "runs/a.json")
      var finished = first
      finished.status = "ok"
      finished.manifestPath = "runs/a.json"
      #expect(try store.runs(limit: 10) == [tieC, tieB, finished])
      #expect(try store.runs(limit: 1) == [tieC])
      #expect(try store.runs(limit: 0) == [])
      #expect(throws: StateStoreError.self) {
        try store.finishRun(runID: "missing", status: "ok", manifestPath: "")
      }
    }
  }
}

@Suite struct SQLiteStateStoreRefusalTests {
  /// Opening `path` must fail with a message containing `fragment`, leaving the bytes untouched.
  private func expectRefused(_ path: String, mentioning fragment: String) throws {
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let error = #expect(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
    #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "")")
    #expect(error?.description.contains(path) == true)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func garbageFileIsRefusedAndUntouched() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/state.sqlite"
      let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
      try garbage.write(to: URL(fileURLWithPath: path))
      try expectRefused(path, mentioning: "not a vipps-ledger state database")
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.sqlite"])
    }
  }

  @Test func emptyFileIsRefused() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/state.sqlite"
      #expect(FileManager.default.createFile(atPath: path, contents: Data()))
      try expectRefused(path, mentioning: "is empty")
    }
  }

  @Test func truncatedDatabaseIsRefused() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/state.sqlite"
      do {
        let store = try SQLiteStateStore(path: path)
        let pages = (0..<40).map { Data(repeating: UInt8($0), count: 6000) }
        try store.cachePages(ledger: "1", topic: .funds, date: date("2024-03-01"), pages: pages)
        try store.recordExported(try exported("1", "2024-03-01"))
      }
      let full = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect(full.count > 64 * 1024)
      try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: path))
      try expectRefused(path, mentioning: "is corrupt")
    }
  }

  @Test func databaseOfAnotherApplicationIsRefused() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/state.sqlite"
      // An empty migrator (this target does not import GRDB to name the type).
      var other = SQLiteStateStore.makeMigrator()
      other = .init()
      other.registerMigration("v1") { db in try db.execute(sql: "CREATE TABLE notes (x)") }
      // Creating it builds a file without vipps-ledger's application id: refused at once…
      #expect(throws: StateStoreError.self) {
        _ = try SQLiteStateStore(path: path, migrator: other)
      }
      // …and on every later open, the file left as it is.
      try expectRefused(path, mentioning: "not a vipps-ledger state database")
    }
  }

  @Test func databaseFromNewerVersionIsRefused() throws {
    try withTemporaryDirectory { dir in
      let path = dir + "/state.sqlite"
      var newer = SQLiteStateStore.makeMigrator()
      newer.registerMigration("v2-from-the-future") { db in
        try db.execute(sql: "ALTER TABLE run ADD COLUMN note TEXT")
      }
      do {
        let store = try SQLiteStateStore(path: path, migrator: newer)
        try store.recordOpen(ledger: "1", date: date("2024-03-01"), runID: "r1")
      }
      try expectRefused(path, mentioning: "newer version")
      try expectRefused(path, mentioning: "v2-from-the-future")
    }
  }
}
