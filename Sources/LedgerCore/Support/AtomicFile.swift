import CFileCopy
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A failure writing an output file atomically.
public struct AtomicFileError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedError {
  private enum Code: Hashable, Sendable {
    case create, write, read, sync, rename, closed
  }

  private let code: Code
  /// The file the operation failed on (the temporary file, the source, or the destination).
  public let path: String
  /// The `errno` value, or 0 when the failure is not a system call's.
  public let errorNumber: Int32

  private init(_ code: Code, path: String, errorNumber: Int32 = errno) {
    self.code = code
    self.path = path
    self.errorNumber = errorNumber
  }

  static func create(_ path: String) -> Self { Self(.create, path: path) }
  static func write(_ path: String) -> Self { Self(.write, path: path) }
  static func read(_ path: String) -> Self { Self(.read, path: path) }
  static func sync(_ path: String) -> Self { Self(.sync, path: path) }
  static func rename(_ path: String) -> Self { Self(.rename, path: path) }
  static func closed(_ path: String) -> Self { Self(.closed, path: path, errorNumber: 0) }

  /// E.g. `cannot write '/out/.journal.csv.tmp-12-ab': No space left on device`.
  public var description: String {
    let action =
      switch code {
      case .create: "cannot create"
      case .write: "cannot write"
      case .read: "cannot read"
      case .sync: "cannot flush to disk"
      case .rename: "cannot move into place"
      case .closed: "already committed or aborted:"
      }
    guard errorNumber != 0 else { return "\(action) '\(path)'" }
    return "\(action) '\(path)': \(String(cString: strerror(errorNumber)))"
  }

  /// Same as ``description``.
  public var errorDescription: String? { description }
}

/// Writes a file so that it appears complete or not at all.
///
/// Bytes go to a temporary file `.<name>.tmp-<pid>-<random>` in the destination's directory;
/// ``commit()`` flushes, `fsync`s and `rename(2)`s it over the destination. ``abort()``, or
/// releasing the writer without committing, removes the temporary file. Not thread-safe: one
/// owner writes.
public final class AtomicFileWriter {
  /// Chunk size for buffered writes and for copying other files.
  public static let chunkSize = 1 << 20

  /// Where the file appears on ``commit()``.
  public let destination: URL
  /// The temporary file being written.
  public let temporaryPath: String
  private var descriptor: Int32
  private var buffer: [UInt8] = []
  /// The file's length so far (what is written, not what is buffered).
  private var written: Int64 = 0
  private var writeback = WritebackCursor(from: 0)
  /// Whether the writer took over an existing file (``init(adopting:destination:)``).
  let isAdopted: Bool

  /// Creates the temporary file next to `destination`.
  ///
  /// - Throws: ``AtomicFileError`` when the temporary file cannot be created.
  public init(destination: URL) throws {
    let directory = destination.deletingLastPathComponent().path
    let random = String(UInt64.random(in: .min ... .max), radix: 16)
    let name = ".\(destination.lastPathComponent).tmp-\(getpid())-\(random)"
    self.destination = destination
    self.temporaryPath = directory.hasSuffix("/") ? directory + name : directory + "/" + name
    self.isAdopted = false
    self.descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw AtomicFileError.create(temporaryPath) }
    buffer.reserveCapacity(Self.chunkSize)
  }

  /// Takes over `temporaryPath`, a file already written (a spill file starting with the output's
  /// prologue): appends go to its end, ``commit()`` renames it to `destination`, ``abort()``
  /// removes it. The file must be on the destination's file system.
  ///
  /// - Throws: ``AtomicFileError`` when the file cannot be opened.
  init(adopting temporaryPath: String, destination: URL) throws {
    self.destination = destination
    self.temporaryPath = temporaryPath
    isAdopted = true
    // Not O_APPEND: copy_file_range(2) refuses such a target.
    descriptor = open(temporaryPath, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw AtomicFileError.create(temporaryPath) }
    let end = lseek(descriptor, 0, SEEK_END)
    guard end >= 0 else {
      close(descriptor)
      descriptor = -1
      throw AtomicFileError.write(temporaryPath)
    }
    written = Int64(end)
    writeback = WritebackCursor(from: written)
    buffer.reserveCapacity(Self.chunkSize)
  }

  deinit {
    if descriptor >= 0 {
      close(descriptor)
      unlink(temporaryPath)
    }
  }

  /// Writes `destination` atomically: commits when `body` returns, aborts when it throws.
  ///
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws, or ``AtomicFileError``.
  public static func withAtomicWrite<T>(
    to destination: URL, _ body: (AtomicFileWriter) throws -> T
  ) throws -> T {
    let writer = try AtomicFileWriter(destination: destination)
    do {
      let result = try body(writer)
      try writer.commit()
      return result
    } catch {
      writer.abort()
      throw error
    }
  }

  /// Appends bytes, buffered.
  ///
  /// - Throws: ``AtomicFileError`` on a write failure or after commit/abort.
  public func write(_ bytes: [UInt8]) throws {
    try checkOpen()
    if buffer.count + bytes.count > Self.chunkSize {
      try flush()
      if bytes.count >= Self.chunkSize {
        try bytes.withUnsafeBytes { try writeAll($0) }
        return
      }
    }
    buffer.append(contentsOf: bytes)
  }

  /// Appends the bytes of another file from `offset` to its end, in ``chunkSize`` chunks.
  ///
  /// Used to concatenate spill files into the output; `copied` is called with the source offset
  /// reached after each chunk (the assembler frees the spill's pages behind it).
  /// - Throws: ``AtomicFileError`` when the source cannot be read or the output written.
  public func write(
    contentsOf source: URL, from offset: UInt64 = 0, copied: ((Int64) -> Void)? = nil
  ) throws {
    try checkOpen()
    try flush()
    let sourcePath = source.path
    let input = open(sourcePath, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw AtomicFileError.read(sourcePath) }
    defer { close(input) }
    // Inside the kernel where it can (no copy through this process), else through a buffer.
    var kernelOffset = Int64(offset)
    while true {
      let count = cfilecopy_copy_file_range(input, &kernelOffset, descriptor, 64 << 20)
      if count > 0 {
        written += Int64(count)
        writeback.written(upTo: written, descriptor: descriptor)
        copied?(kernelOffset)
        continue
      }
      if count == 0 { return }
      if errno == EINTR { continue }
      if kernelOffset != Int64(offset) && errno != EXDEV && errno != EINVAL && errno != ENOSYS {
        throw AtomicFileError.write(temporaryPath)
      }
      break
    }
    var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
    var position = off_t(kernelOffset)
    while true {
      let count = chunk.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, position) }
      if count < 0 {
        if errno == EINTR { continue }
        throw AtomicFileError.read(sourcePath)
      }
      if count == 0 { return }
      try chunk.withUnsafeBytes { try writeAll(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
      position += off_t(count)
      copied?(Int64(position))
    }
  }

  /// Flushes, `fsync`s and renames the temporary file over the destination.
  ///
  /// - Throws: ``AtomicFileError``; the temporary file is then removed.
  public func commit() throws {
    try checkOpen()
    do {
      try flush()
      guard fsync(descriptor) == 0 else { throw AtomicFileError.sync(temporaryPath) }
    } catch {
      abort()
      throw error
    }
    close(descriptor)
    descriptor = -1
    guard rename(temporaryPath, destination.path) == 0 else {
      let failure = AtomicFileError.rename(destination.path)
      unlink(temporaryPath)
      throw failure
    }
    syncDirectory()
  }

  /// Discards everything written and removes the temporary file. Does nothing after commit.
  public func abort() {
    guard descriptor >= 0 else { return }
    close(descriptor)
    descriptor = -1
    buffer = []
    unlink(temporaryPath)
  }

  private func checkOpen() throws {
    guard descriptor >= 0 else { throw AtomicFileError.closed(temporaryPath) }
  }

  private func flush() throws {
    guard !buffer.isEmpty else { return }
    try buffer.withUnsafeBytes { try writeAll($0) }
    buffer.removeAll(keepingCapacity: true)
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
    var remaining = bytes
    while !remaining.isEmpty {
      let count = systemWrite(descriptor, remaining)
      if count < 0 {
        if errno == EINTR { continue }
        throw AtomicFileError.write(temporaryPath)
      }
      remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
      written += Int64(count)
    }
    writeback.written(upTo: written, descriptor: descriptor)
  }

  /// Makes the rename durable; best effort, as some file systems refuse `fsync` on directories.
  private func syncDirectory() {
    let directory = open(destination.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
    guard directory >= 0 else { return }
    _ = fsync(directory)
    close(directory)
  }
}

/// `write(2)`, outside the class so the name does not resolve to ``AtomicFileWriter/write(_:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
  write(descriptor, bytes.baseAddress, bytes.count)
}

/// Starts disk writes of a file's bytes as they are written, 8 MiB at a time, so that the
/// `fsync` publishing it finds little left to write: the disk works while the export computes.
/// (Linux `sync_file_range(2)`; nothing elsewhere.)
struct WritebackCursor {
  /// Where the bytes not yet sent to disk start.
  private(set) var start: Int64
  static let step: Int64 = 8 << 20

  init(from start: Int64) { self.start = start }

  /// The file now holds bytes up to `end`: starts writing them when 8 MiB are waiting.
  mutating func written(upTo end: Int64, descriptor: Int32) {
    guard end - start >= Self.step else { return }
    _ = cfilecopy_start_writeback(descriptor, start, end - start)
    start = end
  }

  /// The file was cut back to `length`.
  mutating func truncated(to length: Int64) { start = min(start, length) }
}
