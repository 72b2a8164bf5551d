import CFileCopy

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An append-only scratch file with checkpoints, used to stream one ledger's encoded vouchers to
/// disk until the ledger is known to be good.
///
/// ``mark()`` records the current end; ``rollback(to:)`` truncates back to it (an open ledger
/// date's vouchers are dropped that way). Memory stays at one buffer whatever the ledger's size.
/// The file (and its directory) is created only when the buffer first overflows, so a small
/// ledger never touches the disk here.
final class SpillFile {
  let path: String
  private var descriptor: Int32 = -1
  // Only the owning ledger's task touches it: no dynamic exclusivity checks on the hot path.
  @exclusivity(unchecked) private var buffer = ByteSink(capacity: SpillFile.bufferLimit + (1 << 14))
  private var flushedLength: Int64 = 0
  private var kept = false
  /// Where this object's content starts: 0, or the length of the file it continues.
  let origin: Int64
  /// Set for a file that will become an output file: its bytes go to disk as they come.
  private var writeback: WritebackCursor?
  /// For a file that will become an output file: hashes its final bytes as they come.
  let follower: HashFollower?
  /// Bytes that no rollback takes back (all but the date being written; a failing ledger still
  /// discards everything after ``origin``).
  private var committed: Int64
  private static let bufferLimit = 1 << 18

  /// A spill file at `path` (created on first overflow), starting with `prefix`; one that will
  /// become an output file `writesBack` (starts writing its bytes to disk as they come, so the
  /// `fsync` that publishes it waits for little).
  init(path: String, prefix: [UInt8] = [], writesBack: Bool = false) throws {
    self.path = path
    origin = 0
    committed = 0
    writeback = writesBack ? WritebackCursor(from: 0) : nil
    follower = writesBack ? HashFollower(path: path) : nil
    buffer.append(prefix)
  }

  /// Continues the spill file at `path`, `length` bytes long (an earlier ledger's, which will
  /// become the output file): appends go after those bytes, and when this object is dropped
  /// without ``finish(memoryLimit:)`` the file is cut back to `length`, leaving them as they were.
  init(continuing path: String, at length: Int64, follower: HashFollower? = nil) throws {
    self.path = path
    origin = length
    committed = length
    self.follower = follower
    follower?.addOrigin(length)
    flushedLength = length
    writeback = WritebackCursor(from: length)
    descriptor = open(path, O_RDWR | O_CLOEXEC)
    guard descriptor >= 0 else { throw SpillFileError(path: path, operation: "open") }
    guard ftruncate(descriptor, off_t(length)) == 0 else {
      close(descriptor)
      descriptor = -1
      throw SpillFileError(path: path, operation: "truncate")
    }
  }

  deinit {
    if !kept { discard() }
    if descriptor >= 0 { close(descriptor) }
  }

  /// Drops the content: a continued file is cut back to ``origin``, a file of its own removed.
  func discard() {
    kept = false
    buffer.removeAll()
    flushedLength = origin
    committed = origin
    if origin > 0 { follower?.cutBack(to: origin) } else { follower?.cancel() }
    guard descriptor >= 0 else { return }
    if origin > 0 { _ = ftruncate(descriptor, off_t(origin)) } else { unlink(path) }
    close(descriptor)
    descriptor = -1
  }

  /// Keeps the content after this object is gone: in memory when it never overflowed and is at
  /// most `memoryLimit` bytes, else in the file (flushed; the caller removes it). The content is
  /// `start..<length` of the file (`start` is ``origin``).
  func finish(memoryLimit: Int) throws -> (
    path: String?, bytes: [UInt8], start: Int64, length: Int64
  ) {
    if descriptor < 0 && buffer.count <= memoryLimit {
      follower?.cancel()
      return (nil, Array(buffer.bytes), 0, Int64(buffer.count))
    }
    try flush()
    committed = flushedLength
    follower?.advance(to: flushedLength)
    kept = true
    return (path, [], origin, flushedLength)
  }

  private func openIfNeeded() throws {
    guard descriptor < 0 else { return }
    let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    if !directory.isEmpty { mkdir(directory, 0o700) }
    descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw SpillFileError(path: path, operation: "create") }
  }

  /// Total bytes appended so far.
  var length: Int64 { flushedLength + Int64(buffer.count) }

  /// Appends bytes through the buffer.
  func append(_ bytes: [UInt8]) throws {
    buffer.append(bytes)
    if buffer.count >= SpillFile.bufferLimit { try flush() }
  }

  /// Lets `body` append to the buffer directly (an encoder writing a voucher), then flushes
  /// when the buffer is full.
  @inline(__always)
  func append(_ body: (inout ByteSink) -> Void) throws {
    body(&buffer)
    if buffer.count >= SpillFile.bufferLimit { try flush() }
  }

  /// The current end, to roll back to later; what is before it stays unless the ledger fails.
  func mark() -> Int64 {
    committed = length
    follower?.advance(to: min(committed, flushedLength))
    return length
  }

  /// Drops everything appended after `mark`.
  func rollback(to mark: Int64) throws {
    if mark < committed {
      committed = mark
      follower?.cutBack(to: mark)
    }
    if mark >= flushedLength || descriptor < 0 {
      buffer.truncate(to: Int(mark - flushedLength))
      return
    }
    buffer.removeAll()
    guard ftruncate(descriptor, off_t(mark)) == 0 else {
      throw SpillFileError(path: path, operation: "truncate")
    }
    flushedLength = mark
    writeback?.truncated(to: mark)
  }

  /// Writes the buffer to the file.
  func flush() throws {
    try openIfNeeded()
    var offset = 0
    while offset < buffer.count {
      let written = pwrite(
        descriptor, buffer.base + offset, buffer.count - offset,
        off_t(flushedLength) + off_t(offset))
      guard written > 0 else { throw SpillFileError(path: path, operation: "write") }
      offset += written
    }
    flushedLength += Int64(buffer.count)
    buffer.removeAll()
    writeback?.written(upTo: flushedLength, descriptor: descriptor)
    follower?.advance(to: min(committed, flushedLength))
  }

  /// Calls `body` with consecutive pieces of the file at `path` from `offset` to `end` (its end
  /// when `nil`), mapped into memory 2 MiB at a time (so resident memory stays small), or read
  /// where mapping fails.
  static func withMappedBytes(
    path: String, from offset: Int64, to end: Int64? = nil,
    _ body: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw SpillFileError(path: path, operation: "open") }
    defer { close(descriptor) }
    try withMappedBytes(descriptor: descriptor, path: path, from: offset, to: end, body)
  }

  /// ``withMappedBytes(path:from:to:_:)`` on a file already open for reading.
  static func withMappedBytes(
    descriptor: Int32, path: String, from offset: Int64, to end: Int64? = nil,
    _ body: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw SpillFileError(path: path, operation: "read")
    }
    let size = min(Int64(status.st_size), end ?? .max)
    let window: Int64 = 2 << 20
    var start = offset - offset % window
    while start < size {
      let length = Int(min(window, size - start))
      guard let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, off_t(start)),
        mapping != MAP_FAILED
      else {
        var position = max(start, offset)
        return try forEachChunk(path: path, from: position) { chunk in
          let count = Int(min(Int64(chunk.count), size - position))
          if count > 0 {
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
          }
          position += Int64(chunk.count)
        }
      }
      defer { munmap(mapping, length) }
      let skip = Int(max(0, offset - start))
      try body(UnsafeRawBufferPointer(start: mapping + skip, count: length - skip))
      start += window
    }
  }

  /// Calls `body` with consecutive chunks (1 MiB) of the file at `path` from `offset`.
  static func forEachChunk(path: String, from offset: Int64, _ body: ([UInt8]) throws -> Void)
    throws
  {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw SpillFileError(path: path, operation: "open") }
    defer { close(descriptor) }
    var position = offset
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { raw in
        pread(descriptor, raw.baseAddress!, raw.count, off_t(position))
      }
      guard count >= 0 else { throw SpillFileError(path: path, operation: "read") }
      if count == 0 { return }
      try body(count == chunk.count ? chunk : Array(chunk[0..<count]))
      position += Int64(count)
    }
  }
}

/// A failed operation on a scratch file.
struct SpillFileError: Error, CustomStringConvertible {
  let path: String
  let operation: String
  let code: Int32 = errno

  var description: String {
    "cannot \(operation) scratch file \(path): \(String(cString: strerror(code)))"
  }
}
