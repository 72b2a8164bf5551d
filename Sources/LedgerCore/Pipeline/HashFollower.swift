import Foundation

/// Hashes the file that will become an output (the first ledger's CSV / JSON Lines spill file,
/// continued by the ledgers after it) while ledgers still append to it, on a thread of its own,
/// so that publishing has only the rest of the output left to hash. With ledgers side by side
/// that hash no longer waits for all of them: the first ledger's bytes are hashed while the
/// others run.
///
/// It hashes only bytes that can no longer change: before the last date mark of the ledger
/// writing (a date is only ever rolled back to its own mark) and already flushed. A ledger that
/// fails cuts the file back to where it started (its origin): the hash state saved there is
/// restored. Anything else that would take back hashed bytes cancels the follower, and
/// publishing then hashes the whole file as before.
final class HashFollower: @unchecked Sendable {
  private let state: State

  /// Follows the file at `path` (created later, by its first flush), from its first byte.
  init(path: String) {
    state = State(path: path)
    let state = self.state
    let thread = Thread { state.run() }
    thread.start()
  }

  // Nobody will ask for the result: the thread stops.
  deinit { state.cancel() }

  /// A ledger continues the file at `origin`: the hash state there is kept, in case it fails.
  func addOrigin(_ origin: Int64) { state.addOrigin(origin) }

  /// Bytes before `end` are final.
  func advance(to end: Int64) { state.advance(to: end) }

  /// The file was cut back to `length`, below what may have been hashed.
  func cutBack(to length: Int64) { state.cutBack(to: length) }

  /// Stops following: publishing hashes the file itself.
  func cancel() { state.cancel() }

  /// How many bytes are hashed so far.
  var hashedLength: Int64 { state.condition.withLock { state.position } }

  /// Waits until the first `end` bytes are hashed and returns the hasher, or `nil` when the
  /// follower was cancelled (or cannot read the file). Stops the thread.
  func finish(at end: Int64) -> SHA256.Hasher? { state.finish(at: end) }

  /// Everything the thread and the writers share, under `condition`.
  private final class State: @unchecked Sendable {
    let path: String
    let condition = NSCondition()
    /// Bytes known to be final.
    var final: Int64 = 0
    /// Origins of continuing ledgers not yet reached, ascending.
    var origins: [Int64] = []
    /// Hash states saved at origins passed.
    var saved: [(offset: Int64, hasher: SHA256.Hasher)] = [(0, SHA256.Hasher())]
    /// A cut-back to an origin that the thread has to apply.
    var cut: Int64?
    var cancelled = false
    /// The thread is reading the file outside the lock; a cut-back waits for it to stop.
    var reading = false
    /// Set by ``finish(at:)``: stop once this many bytes are hashed.
    var target: Int64?
    // Read and written under `condition`; the thread hashes a copy outside it.
    var hasher = SHA256.Hasher()
    var position: Int64 = 0
    var done = false

    init(path: String) { self.path = path }

    func addOrigin(_ origin: Int64) {
      condition.withLock {
        if origin > position {
          if !origins.contains(origin) {
            origins.append(origin)
            origins.sort()
          }
        } else if origin == position {
          if !saved.contains(where: { $0.offset == origin }) { saved.append((origin, hasher)) }
        } else if !saved.contains(where: { $0.offset == origin }) {
          // Passed without a saved state: a cut back there could not be undone.
          cancelled = true
        }
        condition.broadcast()
      }
    }

    func advance(to end: Int64) {
      condition.withLock {
        final = max(final, end)
        condition.broadcast()
      }
    }

    /// Returns once the thread no longer reads the file, so that the caller may truncate it (a
    /// mapped page cut off the file would fault).
    func cutBack(to length: Int64) {
      condition.withLock {
        final = min(final, length)
        if saved.contains(where: { $0.offset == length }) || length >= position {
          cut = min(cut ?? length, length)
        } else {
          cancelled = true
        }
        condition.broadcast()
        while reading { condition.wait() }
      }
    }

    func cancel() {
      condition.withLock {
        cancelled = true
        condition.broadcast()
      }
    }

    func finish(at end: Int64) -> SHA256.Hasher? {
      condition.withLock {
        target = end
        final = max(final, end)
        condition.broadcast()
        while !done { condition.wait() }
        return cancelled || position != end ? nil : hasher
      }
    }

    /// The thread: hashes final bytes as they come, up to each origin, saving the state there.
    func run() {
      var descriptor: Int32 = -1
      defer { if descriptor >= 0 { close(descriptor) } }
      condition.lock()
      defer {
        done = true
        condition.broadcast()
        condition.unlock()
      }
      while !cancelled {
        if let length = cut {
          cut = nil
          if position > length {
            // The failed ledger's bytes were hashed: back to the state at its origin.
            guard let state = saved.last(where: { $0.offset == length }) else {
              cancelled = true
              break
            }
            hasher = state.hasher
            position = length
          }
          saved.removeAll { $0.offset > length }
        }
        if let target, position >= target { break }
        var end = min(final, target ?? .max)
        if let origin = origins.first(where: { $0 > position }) { end = min(end, origin) }
        guard end > position else {
          condition.wait()
          continue
        }
        // Hash [position, end) outside the lock, on a copy, mapped 2 MiB at a time. A cut-back
        // meanwhile stops it after the current piece and waits (`reading`) before the file is
        // truncated; what was hashed is then discarded.
        var copy = hasher
        let start = position
        reading = true
        condition.unlock()
        var reached = start
        if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        if descriptor >= 0 {
          try? SpillFile.withMappedBytes(descriptor: descriptor, path: path, from: start, to: end) {
            if condition.withLock({ cut != nil || cancelled }) { throw CancellationError() }
            copy.update($0)
            reached += Int64($0.count)
          }
        }
        condition.lock()
        reading = false
        condition.broadcast()
        guard cut == nil, !cancelled, position == start else { continue }
        guard reached == end else {
          cancelled = true
          break
        }
        hasher = copy
        position = end
        if let index = origins.firstIndex(of: end) {
          origins.remove(at: index)
          saved.append((end, hasher))
        }
      }
    }
  }
}
