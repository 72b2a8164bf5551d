import GRDB

extension SQLiteStateStore {
  /// `PRAGMA application_id` of a vipps-ledger state database ("VLGR"), set by migration `v1`.
  ///
  /// A SQLite file with tables but another application id was not written by vipps-ledger.
  static let applicationID: Int32 = 0x564C_4752

  /// The schema migrations this build knows, oldest first.
  ///
  /// Never edit a registered migration: add `v2`, `v3`… instead. A database that records a
  /// migration missing here was written by a newer build and is refused at open.
  static func makeMigrator() -> DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE exported_date (
            ledger_id TEXT NOT NULL,
            date TEXT NOT NULL,
            run_id TEXT NOT NULL,
            files_json TEXT NOT NULL,
            entries INTEGER NOT NULL,
            vouchers INTEGER NOT NULL,
            control_totals_json TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            closing_balances_json TEXT NOT NULL,
            PRIMARY KEY (ledger_id, date)
          );
          CREATE TABLE open_date (
            ledger_id TEXT NOT NULL,
            date TEXT NOT NULL,
            run_id TEXT NOT NULL,
            PRIMARY KEY (ledger_id, date)
          );
          -- One row per cached (ledger, topic, date), so that a date cached with zero pages is
          -- told apart from one never cached.
          CREATE TABLE page_cache (
            ledger_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            date TEXT NOT NULL,
            page_count INTEGER NOT NULL CHECK (page_count >= 0),
            PRIMARY KEY (ledger_id, topic, date)
          );
          CREATE TABLE page_cache_page (
            ledger_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            date TEXT NOT NULL,
            page_number INTEGER NOT NULL CHECK (page_number >= 0),
            body BLOB NOT NULL,
            PRIMARY KEY (ledger_id, topic, date, page_number),
            FOREIGN KEY (ledger_id, topic, date) REFERENCES page_cache (ledger_id, topic, date)
              ON DELETE CASCADE
          );
          CREATE TABLE run (
            run_id TEXT NOT NULL PRIMARY KEY,
            started_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            config_sha256 TEXT NOT NULL,
            status TEXT NOT NULL,
            manifest_path TEXT NOT NULL
          );
          CREATE INDEX run_by_start ON run (started_at, run_id);
          """)
      try db.execute(sql: "PRAGMA application_id = \(applicationID)")
    }
    return migrator
  }
}
