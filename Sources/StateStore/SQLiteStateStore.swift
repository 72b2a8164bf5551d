import Foundation
import GRDB
import LedgerCore

/// The default `StateStore`: one SQLite file (WAL, `synchronous = NORMAL`) per installation.
///
/// Opening never recreates or wipes an existing file: a file that is not a vipps-ledger state
/// database, is corrupt, or was migrated by a newer build is refused with a `StateStoreError`,
/// because starting from an empty state would re-export every date. Every method is one
/// transaction. Take a ``StateLock`` on the same path first so two runs never share a state.
public final class SQLiteStateStore: StateStore {
  /// The state file.
  public let path: String
  let queue: DatabaseQueue

  /// Opens the state database at `path`, creating it (and its directory) on first use and
  /// applying any schema migrations this build adds.
  ///
  /// - Parameter path: The state file, e.g. `state/vipps-ledger.sqlite`.
  /// - Throws: `StateStoreError` when the file cannot be created or opened, is not a
  ///   vipps-ledger state database, is corrupt, or was written by a newer version.
  public convenience init(path: String) throws {
    try self.init(path: path, migrator: Self.makeMigrator())
  }

  /// Opens with an explicit migrator (tests simulate newer builds with extra migrations).
  init(path: String, migrator: DatabaseMigrator) throws {
    self.path = path
    self.queue = try Self.openQueue(path: path, migrator: migrator)
  }

  public func exportedDates(ledger: LedgerID) throws -> [ExportedDate] {
    try read("exportedDates") { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM exported_date WHERE ledger_id = ? ORDER BY date",
        arguments: [ledger.rawValue])
      return try rows.map(exportedDate(from:))
    }
  }

  public func recordExported(_ record: ExportedDate) throws {
    let balances = Dictionary(
      uniqueKeysWithValues: record.closingBalances.map { ($0.key.rawValue, $0.value) })
    let files = try json(record.files)
    let totals = try json(record.controlTotals)
    let closing = try json(balances)
    try write("recordExported") { db in
      try db.execute(
        sql: """
          INSERT INTO exported_date (ledger_id, date, run_id, files_json, entries, vouchers,
            control_totals_json, content_sha256, closing_balances_json)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (ledger_id, date) DO UPDATE SET
            run_id = excluded.run_id, files_json = excluded.files_json,
            entries = excluded.entries, vouchers = excluded.vouchers,
            control_totals_json = excluded.control_totals_json,
            content_sha256 = excluded.content_sha256,
            closing_balances_json = excluded.closing_balances_json
          """,
        arguments: [
          record.ledgerID.rawValue, record.date.description, record.runID, files,
          record.entries, record.vouchers, totals, record.contentSHA256, closing,
        ])
      try db.execute(
        sql: "DELETE FROM open_date WHERE ledger_id = ? AND date = ?",
        arguments: [record.ledgerID.rawValue, record.date.description])
    }
  }

  public func recordOpen(ledger: LedgerID, date: LedgerDate, runID: String) throws {
    try write("recordOpen") { db in
      try db.execute(
        sql: """
          INSERT INTO open_date (ledger_id, date, run_id) VALUES (?, ?, ?)
          ON CONFLICT (ledger_id, date) DO UPDATE SET run_id = excluded.run_id
          """,
        arguments: [ledger.rawValue, date.description, runID])
    }
  }

  public func openDates(ledger: LedgerID) throws -> [LedgerDate] {
    try read("openDates") { db in
      let texts = try String.fetchAll(
        db, sql: "SELECT date FROM open_date WHERE ledger_id = ? ORDER BY date",
        arguments: [ledger.rawValue])
      return try texts.map { try date($0) }
    }
  }

  public func cachedPages(ledger: LedgerID, topic: Topic, date: LedgerDate) throws -> [Data]? {
    let key: StatementArguments = [ledger.rawValue, topic.rawValue, date.description]
    return try read("cachedPages") { db in
      guard
        let count = try Int.fetchOne(
          db,
          sql: "SELECT page_count FROM page_cache WHERE ledger_id = ? AND topic = ? AND date = ?",
          arguments: key)
      else { return nil }
      let bodies = try Data.fetchAll(
        db,
        sql: """
          SELECT body FROM page_cache_page WHERE ledger_id = ? AND topic = ? AND date = ?
          ORDER BY page_number
          """,
        arguments: key)
      guard bodies.count == count else {
        throw corrupt("cached pages of \(ledger) \(topic) \(date): \(bodies.count) of \(count)")
      }
      return bodies
    }
  }

  public func cachePages(
    ledger: LedgerID, topic: Topic, date: LedgerDate, pages: [Data]
  ) throws {
    let key: StatementArguments = [ledger.rawValue, topic.rawValue, date.description]
    try write("cachePages") { db in
      let match = "WHERE ledger_id = ? AND topic = ? AND date = ?"
      try db.execute(sql: "DELETE FROM page_cache_page \(match)", arguments: key)
      try db.execute(sql: "DELETE FROM page_cache \(match)", arguments: key)
      try db.execute(
        sql: "INSERT INTO page_cache (ledger_id, topic, date, page_count) VALUES (?, ?, ?, ?)",
        arguments: key + [pages.count])
      for (number, body) in pages.enumerated() {
        try db.execute(
          sql: """
            INSERT INTO page_cache_page (ledger_id, topic, date, page_number, body)
            VALUES (?, ?, ?, ?, ?)
            """,
          arguments: key + [number, body])
      }
    }
  }

  public func beginRun(_ run: RunRecord) throws {
    try write("beginRun") { db in
      let exists = try Bool.fetchOne(
        db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE run_id = ?)", arguments: [run.runID])
      if exists == true {
        throw StateStoreError("state file \(path): run \(run.runID) is already recorded")
      }
      try db.execute(
        sql: """
          INSERT INTO run (run_id, started_at, as_of, tool_version, config_sha256, status,
            manifest_path)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          run.runID, run.startedAt, run.asOf.description, run.toolVersion, run.configSHA256,
          run.status, run.manifestPath,
        ])
    }
  }

  public func finishRun(runID: String, status: String, manifestPath: String) throws {
    try write("finishRun") { db in
      try db.execute(
        sql: "UPDATE run SET status = ?, manifest_path = ? WHERE run_id = ?",
        arguments: [status, manifestPath, runID])
      if db.changesCount == 0 {
        throw StateStoreError("state file \(path): no run \(runID) to finish")
      }
    }
  }

  public func runs(limit: Int) throws -> [RunRecord] {
    guard limit > 0 else { return [] }
    return try read("runs") { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM run ORDER BY started_at DESC, run_id DESC LIMIT ?",
        arguments: [limit])
      return try rows.map { row in
        RunRecord(
          runID: row["run_id"], startedAt: row["started_at"], asOf: try date(row["as_of"]),
          toolVersion: row["tool_version"], configSHA256: row["config_sha256"],
          status: row["status"], manifestPath: row["manifest_path"])
      }
    }
  }

  public func ledgers() throws -> [LedgerID] {
    try read("ledgers") { db in
      try String.fetchAll(
        db,
        sql: "SELECT ledger_id FROM exported_date UNION SELECT ledger_id FROM open_date ORDER BY 1"
      ).map(LedgerID.init(rawValue:))
    }
  }
}

// MARK: - Transactions, rows and errors

extension SQLiteStateStore {
  private func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
    do {
      return try queue.read(body)
    } catch {
      throw failure(operation, error)
    }
  }

  private func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
    do {
      return try queue.write(body)
    } catch {
      throw failure(operation, error)
    }
  }

  /// Names the state file in every error; corruption found mid-run says how to recover.
  private func failure(_ operation: String, _ error: any Error) -> StateStoreError {
    if let error = error as? StateStoreError { return error }
    if let error = error as? DatabaseError,
      error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    {
      return Self.unusable(path: path, "is corrupt (\(operation): \(error.message ?? "\(error)"))")
    }
    return StateStoreError("state file \(path): \(operation) failed: \(error)")
  }

  private func corrupt(_ detail: String) -> StateStoreError {
    Self.unusable(path: path, "is corrupt (\(detail))")
  }

  private func date(_ text: String) throws -> LedgerDate {
    guard let date = LedgerDate(text) else { throw corrupt("invalid date '\(text)'") }
    return date
  }

  private func exportedDate(from row: Row) throws -> ExportedDate {
    let balances = try decode([String: Int64].self, row["closing_balances_json"])
    var closing: [Topic: Int64] = [:]
    for (key, value) in balances {
      guard let topic = Topic(rawValue: key) else { throw corrupt("unknown topic '\(key)'") }
      closing[topic] = value
    }
    return ExportedDate(
      ledgerID: LedgerID(rawValue: row["ledger_id"]), date: try date(row["date"]),
      runID: row["run_id"], files: try decode([ExportedFile].self, row["files_json"]),
      entries: row["entries"], vouchers: row["vouchers"],
      controlTotals: try decode([RunReport.AccountTotal].self, row["control_totals_json"]),
      contentSHA256: row["content_sha256"], closingBalances: closing)
  }

  private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    do {
      return try JSONDecoder().decode(type, from: Data(text.utf8))
    } catch {
      throw corrupt("unreadable JSON column: \(error)")
    }
  }

  /// Canonical JSON (sorted keys) for a JSON column.
  private func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
      throw StateStoreError("state file \(path): cannot encode a JSON column: \(error)")
    }
  }
}
