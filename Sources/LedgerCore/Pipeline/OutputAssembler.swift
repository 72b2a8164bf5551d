import CFileCopy
import Foundation

/// Publishes one output file from per-ledger spill files, atomically.
enum OutputAssembler {
  /// A run of the output's bytes: in memory, or a range of a finished spill file.
  private enum Segment: Sendable {
    case bytes([UInt8])
    case file(path: String, from: Int64, to: Int64)
  }

  /// Writes `prologue + spills + epilogue` to a temporary file, dropping the separator in front of
  /// the file's first voucher, then renames it to `path`.
  ///
  /// The SHA-256 is computed on a thread of its own while the file is written (spill files are copied
  /// by the kernel, so the two proceed side by side).
  ///
  /// - Returns: The published file's size and SHA-256.
  static func publish(
    path: String, encoder: any JournalEncoder, metadata: ExportMetadata,
    spills: [LedgerProcessor.Spill]
  ) throws -> RunReport.OutputFile {
    let destination = URL(fileURLWithPath: path)
    var segments: [Segment] = []
    var rest = spills[...]
    let writer: AtomicFileWriter
    // The adopted file's hash, when a follower hashed it while ledgers wrote it.
    var followed: (follower: HashFollower, end: Int64)?
    if let spill = spills.first, spill.includesPrologue, let spillPath = spill.path {
      // The first ledger's spill file starts with the prologue: it becomes the output file,
      // with the ledgers that continued it already in it.
      var end = spill.length
      rest = rest.dropFirst()
      while let next = rest.first, next.path == spillPath, next.start == end {
        end = next.length
        rest = rest.dropFirst()
      }
      writer = try AtomicFileWriter(adopting: spillPath, destination: destination)
      segments.append(.file(path: spillPath, from: 0, to: end))
      followed = spill.follower.map { ($0, end) }
    } else {
      writer = try AtomicFileWriter(destination: destination)
      if !(spills.first?.includesPrologue ?? false) {
        segments.append(.bytes(encoder.prologue(metadata)))
      }
    }
    var first = rest.startIndex == spills.startIndex
    for spill in rest where spill.length > 0 {
      let skip = first ? encoder.separator.count : 0
      if let path = spill.path {
        segments.append(.file(path: path, from: spill.start + Int64(skip), to: spill.length))
      } else {
        segments.append(.bytes(Array(spill.bytes.dropFirst(skip))))
      }
      first = false
    }
    segments.append(.bytes(encoder.epilogue(metadata)))

    // Files are opened here, before anything can rename them (the adopted one is renamed into
    // place on commit, maybe before the hashing thread gets to it).
    var descriptors: [Int32] = []
    defer { for descriptor in descriptors { close(descriptor) } }
    for segment in segments {
      guard case .file(let path, _, _) = segment else { continue }
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw SpillFileError(path: path, operation: "open") }
      descriptors.append(descriptor)
    }
    let hashing = HashJob(segments: segments, descriptors: descriptors, followed: followed)
    var release = SpillRelease()
    defer { release.finish() }
    let done = DispatchSemaphore(value: 0)
    // A thread of its own, started now: a work item on Dispatch's global queue could wait for a
    // free worker for half a second while this one blocks in the kernel (seen on one CPU).
    let thread = Thread {
      hashing.run()
      done.signal()
    }
    thread.start()
    var bytes: Int64 = 0
    do {
      for (index, segment) in segments.enumerated() {
        switch segment {
        case .bytes(let content):
          try writer.write(content)
          bytes += Int64(content.count)
        case .file(let path, let from, let to):
          // The adopted file already holds its bytes.
          if index > 0 || !writer.isAdopted {
            // Never the output's own file (only spill files are freed behind the copy).
            if path != writer.temporaryPath {
              release.track(path: path, segment: index, from: from, to: to)
            }
            try writer.write(contentsOf: URL(fileURLWithPath: path), from: UInt64(from)) {
              release.advance(copied: (index, $0), hashed: hashing.progress)
            }
            release.advance(copied: (index, to), hashed: hashing.progress)
          }
          bytes += to - from
        }
      }
      try writer.commit()
    } catch {
      done.wait()
      throw error
    }
    done.wait()
    let digest = try hashing.result.get()
    return RunReport.OutputFile(
      path: (path as NSString).lastPathComponent, format: encoder.fileExtension, bytes: bytes,
      sha256: SHA256.hexString(digest))
  }

  /// Hashes the segments in order; its result is read after the thread running it signalled.
  private final class HashJob: @unchecked Sendable {
    let segments: [Segment]
    /// An open descriptor per file segment, in order.
    let descriptors: [Int32]
    /// A follower that hashed the first segment (the adopted file, up to `end`).
    let followed: (follower: HashFollower, end: Int64)?
    var result: Result<[UInt8], any Error> = .success([])

    init(
      segments: [Segment], descriptors: [Int32], followed: (follower: HashFollower, end: Int64)?
    ) {
      self.segments = segments
      self.descriptors = descriptors
      self.followed = followed
    }

    func run() {
      result = Result {
        var hasher = SHA256.Hasher()
        var files = descriptors.makeIterator()
        var first = segments.startIndex
        if let followed, let state = followed.follower.finish(at: followed.end) {
          hasher = state
          _ = files.next()
          first += 1
          setProgress((first, 0))
        }
        for (index, segment) in segments.enumerated() where index >= first {
          switch segment {
          case .bytes(let content): hasher.update(content)
          case .file(let path, let from, let to):
            var position = from
            try SpillFile.withMappedBytes(
              descriptor: files.next()!, path: path, from: from, to: to
            ) {
              hasher.update($0)
              position += Int64($0.count)
              setProgress((index, position))
            }
          }
          setProgress((index + 1, 0))
        }
        return hasher.finalize()
      }
    }

    private let lock = NSLock()
    private var hashed: (segment: Int, offset: Int64) = (0, 0)

    private func setProgress(_ progress: (segment: Int, offset: Int64)) {
      lock.withLock { hashed = progress }
    }

    /// How far the hash has read: the segment it is in and the offset reached there.
    var progress: (segment: Int, offset: Int64) { lock.withLock { hashed } }
  }

  /// Frees the pages of spill files whose bytes are both copied into the output and hashed
  /// (`fallocate(2)` punching holes; the work directory is removed after publishing anyway), so
  /// that a spilled ledger is not held twice in the page cache, and the output's pages can reuse
  /// the spill's.
  struct SpillRelease {
    private struct Tracked {
      var descriptor: Int32
      var segment: Int
      /// Freed up to here (a page boundary).
      var freed: Int64
      /// The segment's end in the file.
      var end: Int64
    }
    private var tracked: [Tracked] = []
    private static let page: Int64 = 4096

    /// Starts tracking segment `segment`, `path` from `from`; nothing is freed if the file cannot
    /// be opened for writing.
    mutating func track(path: String, segment: Int, from: Int64, to: Int64) {
      let descriptor = open(path, O_RDWR | O_CLOEXEC)
      guard descriptor >= 0 else { return }
      let freed = (from + Self.page - 1) / Self.page * Self.page
      tracked.append(Tracked(descriptor: descriptor, segment: segment, freed: freed, end: to))
    }

    /// Frees what both the copy and the hash have passed: the copy is at offset `copied.offset`
    /// of segment `copied.segment` (earlier segments are copied whole), the hash at `hashed`.
    mutating func advance(
      copied: (segment: Int, offset: Int64), hashed: (segment: Int, offset: Int64)
    ) {
      for index in tracked.indices {
        let segment = tracked[index].segment
        let copiedTo = segment < copied.segment ? Int64.max : copied.offset
        let hashedTo =
          segment < hashed.segment ? Int64.max : segment == hashed.segment ? hashed.offset : 0
        let end = min(copiedTo, hashedTo, tracked[index].end)
        let to = end / Self.page * Self.page
        guard to > tracked[index].freed else { continue }
        let from = tracked[index].freed
        _ = cfilecopy_punch_hole(tracked[index].descriptor, from, to - from)
        tracked[index].freed = to
      }
    }

    /// Closes the files.
    mutating func finish() {
      for file in tracked { close(file.descriptor) }
      tracked.removeAll()
    }
  }
}
