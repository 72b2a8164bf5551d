import LedgerCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive advisory lock on `<state>.lock` (`flock`), so two vipps-ledger runs never share
/// a state.
///
/// Held until the value is consumed by ``release()`` or goes out of scope; the operating system
/// drops it when the process dies, so a crashed run never leaves a stale lock. The lock file is
/// never deleted (deleting it would let two runs lock different files). While held, the file
/// holds the holder's pid, so a refused run can name it.
///
/// ```swift
/// let lock = try StateLock(statePath: statePath)
/// let store = try SQLiteStateStore(path: statePath)
/// // … run …
/// lock.release()
/// ```
public struct StateLock: ~Copyable {
  /// The lock file, `<state>.lock`.
  public let lockPath: String
  private let descriptor: Int32

  /// Takes the lock without waiting.
  ///
  /// - Parameter statePath: The state file the lock guards.
  /// - Throws: `StateStoreError` naming the holder's pid when another process (or another
  ///   `StateLock` in this one) holds it, or when the lock file cannot be opened.
  public init(statePath: String) throws {
    let lockPath = statePath + ".lock"
    let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw StateStoreError(
        "cannot open lock file \(lockPath): \(String(cString: strerror(errno)))")
    }
    var result: Int32
    repeat {
      result = flock(descriptor, LOCK_EX | LOCK_NB)
    } while result != 0 && errno == EINTR
    if result != 0 {
      let code = errno
      let holder = code == EWOULDBLOCK ? Self.holder(descriptor) : nil
      close(descriptor)
      guard code == EWOULDBLOCK else {
        throw StateStoreError("cannot lock \(lockPath): \(String(cString: strerror(code)))")
      }
      throw StateStoreError(
        "another vipps-ledger run is using \(statePath) (lock \(lockPath) held by "
          + "\(holder.map { "pid \($0)" } ?? "an unknown process")); wait for it to finish or "
          + "stop it")
    }
    let pid = Array("\(getpid())\n".utf8)
    if ftruncate(descriptor, 0) == 0 {
      _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }
    self.lockPath = lockPath
    self.descriptor = descriptor
  }

  /// Releases the lock now (it is also released when the value goes out of scope).
  public consuming func release() {
    // Consuming `self` ends its lifetime here, which runs `deinit`.
  }

  deinit {
    _ = flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  /// The pid the current holder wrote, if readable.
  private static func holder(_ descriptor: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return nil }
    let digits = buffer[..<count].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    return Int32(String(decoding: digits, as: UTF8.self)).flatMap { $0 > 0 ? $0 : nil }
  }
}
