import Foundation
import Synchronization

/// The fingerprints of a ledger date too big for ``DuplicateSet``'s memory: the same
/// open-addressing table (16 bytes a slot, `0, 0` empty, at most three quarters full), kept in an
/// unlinked scratch file and read and written with `pread`/`pwrite`, so the process's memory
/// stays flat however many entries one date has (the kernel's page cache holds what it can).
///
/// Each insert reads the 1 KiB block around its slot and writes 16 bytes: a few microseconds,
/// paid only by entries past the memory limit.
final class ScratchFingerprints: Sendable {
  /// An I/O failure of the scratch file, naming it.
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private struct Table: ~Copyable {
    var descriptor: Int32
    var slots: Int
    var count = 0

    deinit { close(descriptor) }
  }

  private static let blockSlots = 64
  private let directory: String
  private let table: Mutex<Table>

  /// A table of `slots` slots (a power of two, at least 64) in a new file in `directory`.
  init(directory: String, slots: Int) throws(Failure) {
    self.directory = directory
    table = Mutex(Table(descriptor: try Self.create(in: directory, slots: slots), slots: slots))
  }

  /// A table of `slots` slots holding `sorted` (distinct fingerprints, none `0, 0`, in the order
  /// of their home slot `low & (slots - 1)`), written in one pass: each goes to the first free
  /// slot from its home, as one by one insertion in that order would put it.
  convenience init(
    directory: String, slots: Int, sorted: UnsafeBufferPointer<SIMD2<UInt64>>
  ) throws(Failure) {
    try self.init(directory: directory, slots: slots)
    try table.withLock { (table: inout Table) throws(Failure) in
      let chunkSlots = 4096
      let chunk = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 2 * chunkSlots)
      defer { chunk.deallocate() }
      chunk.update(repeating: 0)
      var chunkStart = 0
      var written = false
      func writeChunk() throws(Failure) {
        guard written else { return }
        // Never past the table's end (a table smaller than a chunk).
        let bytes = 16 * min(chunkSlots, slots - chunkStart)
        let got = pwrite(table.descriptor, chunk.baseAddress, bytes, off_t(chunkStart * 16))
        guard got == bytes else { throw Self.failure("write") }
        chunk.update(repeating: 0)
        written = false
      }
      var next = 0
      var wrapped: [SIMD2<UInt64>] = []
      for pair in sorted {
        let slot = max(Int(truncatingIfNeeded: pair[1]) & (slots - 1), next)
        guard slot < slots else {
          wrapped.append(pair)
          continue
        }
        while slot >= chunkStart + chunkSlots {
          try writeChunk()
          chunkStart += chunkSlots
        }
        chunk[2 * (slot - chunkStart)] = pair[0].littleEndian
        chunk[2 * (slot - chunkStart) + 1] = pair[1].littleEndian
        written = true
        next = slot + 1
      }
      try writeChunk()
      // Those whose run went past the last slot continue at the first.
      for pair in wrapped {
        _ = try Self.insert((pair[0], pair[1]), into: table.descriptor, slots: slots)
      }
      table.count = sorted.count
    }
  }

  /// The number of slots (16 bytes each, on disk).
  var capacity: Int { table.withLock { $0.slots } }

  /// Adds `fingerprint` (not `0, 0`) unless it is there already.
  func insert(_ fingerprint: (UInt64, UInt64)) throws(Failure) -> Bool {
    try table.withLock { (table: inout Table) throws(Failure) -> Bool in
      guard try Self.insert(fingerprint, into: table.descriptor, slots: table.slots) else {
        return false
      }
      table.count += 1
      if table.count * 4 > table.slots * 3 { try grow(&table) }
      return true
    }
  }

  private func grow(_ table: inout Table) throws(Failure) {
    let slots = table.slots * 2
    let descriptor = try Self.create(in: directory, slots: slots)
    let chunk = 4096
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * 16, alignment: 8)
    defer { buffer.deallocate() }
    let words = buffer.bindMemory(to: UInt64.self)
    var offset = 0
    do throws(Failure) {
      while offset < table.slots {
        let count = min(chunk, table.slots - offset)
        try Self.read(into: buffer, count: count, from: table.descriptor, slot: offset)
        for index in 0..<count where words[2 * index] != 0 || words[2 * index + 1] != 0 {
          _ = try Self.insert(
            (UInt64(littleEndian: words[2 * index]), UInt64(littleEndian: words[2 * index + 1])),
            into: descriptor, slots: slots)
        }
        offset += count
      }
    } catch {
      close(descriptor)
      throw error
    }
    close(table.descriptor)
    table.descriptor = descriptor
    table.slots = slots
  }

  /// Inserts into the file's table; `false` when the fingerprint is there.
  private static func insert(
    _ fingerprint: (UInt64, UInt64), into descriptor: Int32, slots: Int
  ) throws(Failure) -> Bool {
    let (high, low) = fingerprint
    let mask = slots - 1
    var index = Int(truncatingIfNeeded: low) & mask
    // One block of slots on the stack, read at a time.
    var block:
      (
        SIMD64<UInt64>, SIMD64<UInt64>
      ) = (.zero, .zero)
    return try withUnsafeMutableBytes(of: &block) { (raw) throws(Failure) -> Bool in
      let words = raw.bindMemory(to: UInt64.self)
      while true {
        let start = index & ~(blockSlots - 1)
        try read(into: raw, count: blockSlots, from: descriptor, slot: start)
        for slot in (index - start)..<blockSlots {
          let first = UInt64(littleEndian: words[2 * slot])
          let second = UInt64(littleEndian: words[2 * slot + 1])
          if first == 0 && second == 0 {
            var pair = (high.littleEndian, low.littleEndian)
            let written = withUnsafeBytes(of: &pair) {
              pwrite(descriptor, $0.baseAddress, 16, off_t((start + slot) * 16))
            }
            guard written == 16 else { throw failure("write") }
            return true
          }
          if first == high && second == low { return false }
        }
        index = (start + blockSlots) & mask
      }
    }
  }

  /// Reads `count` slots from `slot` into `buffer` (little-endian words).
  private static func read(
    into buffer: UnsafeMutableRawBufferPointer, count: Int, from descriptor: Int32, slot: Int
  ) throws(Failure) {
    let wanted = count * 16
    let got = pread(descriptor, buffer.baseAddress, wanted, off_t(slot * 16))
    guard got == wanted else { throw failure("read") }
  }

  /// A new zero-filled (sparse) file of `slots` slots, already unlinked: nothing is left behind,
  /// even after a crash.
  private static func create(in directory: String, slots: Int) throws(Failure) -> Int32 {
    try? FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    let path = (directory as NSString).appendingPathComponent(
      "duplicates-\(UUID().uuidString).scratch")
    let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw Failure(
        description:
          "cannot create a scratch file for the duplicate check in \(directory): \(String(cString: strerror(errno)))"
      )
    }
    unlink(path)
    guard ftruncate(descriptor, off_t(slots * 16)) == 0 else {
      let error = failure("size")
      close(descriptor)
      throw error
    }
    return descriptor
  }

  private static func failure(_ action: String) -> Failure {
    Failure(
      description:
        "cannot \(action) the duplicate check's scratch file: \(String(cString: strerror(errno)))")
  }
}
