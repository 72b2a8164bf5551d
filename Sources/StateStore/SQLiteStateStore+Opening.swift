import Foundation
import GRDB
import LedgerCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Opening a state file: create it atomically on first use, otherwise check it is ours, intact and
/// not newer than this build before touching it.
extension SQLiteStateStore {
  /// Opens (creating it first if missing) and validates the state database at `path`.
  static func openQueue(path: String, migrator: DatabaseMigrator) throws -> DatabaseQueue {
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty {
      do {
        try FileManager.default.createDirectory(
          atPath: parent, withIntermediateDirectories: true)
      } catch {
        throw StateStoreError(
          "cannot create the directory of state file \(path): \(error.localizedDescription)")
      }
    }
    if !FileManager.default.fileExists(atPath: path) {
      try create(path: path, migrator: migrator)
    }
    try checkNotEmpty(path: path)

    let queue: DatabaseQueue
    do {
      queue = try DatabaseQueue(path: path, configuration: configuration())
    } catch {
      throw openError(path: path, error)
    }
    do {
      try validate(queue, path: path, migrator: migrator)
      // Only now that the file is known to be ours: persistent WAL mode, then migrate.
      let mode = try queue.writeWithoutTransaction { db in
        try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
      }
      guard mode?.lowercased() == "wal" else {
        throw StateStoreError(
          "cannot switch state file \(path) to WAL journal mode (got \(mode ?? "nothing"))")
      }
      try migrator.migrate(queue)
    } catch let error as StateStoreError {
      throw error
    } catch {
      throw openError(path: path, error)
    }
    return queue
  }

  /// Every connection: NORMAL sync in WAL mode (a commit survives a process crash; one lost to
  /// power loss only means that date is exported again, into the same bytes) and
  /// waiting on a busy database instead of failing at once.
  static func configuration() -> Configuration {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.label = "vipps-ledger.state"
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    return configuration
  }

  /// Refuses a file that is corrupt, not vipps-ledger's, or migrated by a newer build.
  private static func validate(
    _ queue: DatabaseQueue, path: String, migrator: DatabaseMigrator
  ) throws {
    try queue.read { db in
      let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
      if problems != ["ok"] {
        let shown = problems.prefix(3).joined(separator: "; ")
        throw unusable(path: path, "is corrupt (quick_check: \(shown))")
      }
      let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
      let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
      if applicationID != expectedApplicationID(objects: objects) {
        throw unusable(
          path: path,
          "is not a vipps-ledger state database (a SQLite database of another application)")
      }
      if try migrator.hasBeenSuperseded(db) {
        let known = Set(migrator.migrations)
        let unknown = try migrator.appliedIdentifiers(db).subtracting(known).sorted()
        throw StateStoreError(
          "state file \(path) was written by a newer version of vipps-ledger (unknown schema "
            + "migrations: \(unknown.joined(separator: ", "))); upgrade vipps-ledger, or point "
            + "`state:` elsewhere — refusing to start rather than misread it")
      }
    }
  }

  /// The application id a file with `objects` schema objects must carry: none when empty.
  private static func expectedApplicationID(objects: Int) -> Int32 {
    objects == 0 ? 0 : applicationID
  }

  /// Builds a new state database next to `path`, then links it into place, so that a file at
  /// `path` is always a complete state database (an empty one is damage, never "new").
  private static func create(path: String, migrator: DatabaseMigrator) throws {
    let temporary = "\(path).creating-\(getpid())"
    defer {
      for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
    }
    do {
      unlink(temporary)
      let queue = try DatabaseQueue(path: temporary, configuration: configuration())
      try migrator.migrate(queue)
      _ = try queue.writeWithoutTransaction { db in
        try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
      }
      try queue.close()
    } catch {
      throw StateStoreError("cannot create state file \(path): \(error)")
    }
    // link(2) never replaces: if another process created the state meanwhile, keep theirs.
    if link(temporary, path) != 0 {
      let code = errno
      guard code == EEXIST else {
        throw StateStoreError(
          "cannot create state file \(path): \(String(cString: strerror(code)))")
      }
      return
    }
    syncDirectory(of: path)
  }

  /// Makes the new directory entry durable.
  private static func syncDirectory(of path: String) {
    let parent = (path as NSString).deletingLastPathComponent
    let fd = open(parent.isEmpty ? "." : parent, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  /// A zero-byte file was truncated or never written by vipps-ledger, which creates atomically.
  private static func checkNotEmpty(path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw StateStoreError(
        "cannot read state file \(path): \(String(cString: strerror(errno)))")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw StateStoreError(
        "state file \(path) is a directory; point `state:` at a file path")
    }
    if info.st_size == 0 {
      throw unusable(path: path, "is empty (0 bytes), so not a vipps-ledger state database")
    }
  }

  /// Maps an SQLite error met while opening to a message a user can act on.
  private static func openError(path: String, _ error: any Error) -> StateStoreError {
    guard let error = error as? DatabaseError else {
      return StateStoreError("cannot open state file \(path): \(error)")
    }
    switch error.resultCode {
    case .SQLITE_NOTADB:
      return unusable(path: path, "is not a vipps-ledger state database (file is not a database)")
    case .SQLITE_CORRUPT:
      return unusable(
        path: path, "is corrupt (\(error.message ?? "database disk image is malformed"))")
    default:
      return StateStoreError(
        "cannot open state file \(path): \(error.message ?? "\(error)") (SQLite "
          + "\(error.extendedResultCode.rawValue))")
    }
  }

  /// A state file that exists but cannot be used: never recreated, so say how to recover.
  static func unusable(path: String, _ problem: String) -> StateStoreError {
    StateStoreError(
      "state file \(path) \(problem); restore it from backup or point `state:` elsewhere — "
        + "refusing to start, since a new state would re-export every date")
  }
}
