import Foundation
import Testing

@testable import LedgerCore

/// The follower hashes an output-to-be while ledgers append to it: only final bytes, undoing a
/// failed ledger's bytes from the state saved at its origin, and giving up (so that publishing
/// hashes the file itself) when bytes it hashed are taken back anywhere else.
@Suite struct HashFollowerTests {
  /// A scratch file written with `pwrite`, as a spill file is.
  final class File {
    let directory: String
    let path: String
    let descriptor: Int32
    private(set) var bytes: [UInt8] = []

    init() throws {
      directory = try temporaryDirectory()
      path = directory + "/output.csv"
      descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    }

    deinit {
      close(descriptor)
      try? FileManager.default.removeItem(atPath: directory)
    }

    func append(_ count: Int, seed: UInt64) {
      var random = SplitMix64(seed: seed)
      var more = [UInt8](repeating: 0, count: count)
      more.withUnsafeMutableBytes { buffer in
        for offset in stride(from: 0, to: count, by: 8) {
          withUnsafeBytes(of: random.next()) { word in
            for index in 0..<min(8, count - offset) { buffer[offset + index] = word[index] }
          }
        }
      }
      _ = more.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
      bytes += more
    }

    func cut(to length: Int) {
      _ = ftruncate(descriptor, off_t(length))
      bytes.removeLast(bytes.count - length)
    }
  }

  /// Waits (without a deadline: the suite's own time limit applies) until `length` bytes are
  /// hashed.
  static func waitUntil(_ follower: HashFollower, hashed length: Int64) {
    while follower.hashedLength < length { usleep(1_000) }
  }

  static func hex(_ hasher: SHA256.Hasher?) -> String? {
    guard var hasher else { return nil }
    return SHA256.hexString(hasher.finalize())
  }

  @Test func hashesFinalBytesAsTheyCome() throws {
    let file = try File()
    let follower = HashFollower(path: file.path)
    for round in 0..<5 {
      file.append(700_000 + round, seed: UInt64(round))
      follower.advance(to: Int64(file.bytes.count - 1_000))
    }
    Self.waitUntil(follower, hashed: Int64(file.bytes.count - 1_000))
    #expect(Self.hex(follower.finish(at: Int64(file.bytes.count))) == SHA256.hex(file.bytes))
  }

  @Test func aFailedLedgersHashedBytesAreUndoneFromItsOrigin() throws {
    let file = try File()
    let follower = HashFollower(path: file.path)
    file.append(300_000, seed: 1)
    follower.advance(to: 300_000)
    // The next ledger continues the file; the follower hashes its first date before it fails.
    follower.addOrigin(300_000)
    file.append(500_000, seed: 2)
    follower.advance(to: 800_000)
    Self.waitUntil(follower, hashed: 800_000)
    follower.cutBack(to: 300_000)
    file.cut(to: 300_000)
    // The ledger after it continues at the same place.
    follower.addOrigin(300_000)
    file.append(200_001, seed: 3)
    #expect(Self.hex(follower.finish(at: 500_001)) == SHA256.hex(file.bytes))
  }

  /// The follower maps the file; a cut-back while it reads must wait for it, or the truncated
  /// pages would fault (SIGBUS) under it.
  @Test(arguments: 0..<4)
  func aCutBackWhileReadingWaitsForTheReader(round: Int) throws {
    let file = try File()
    let follower = HashFollower(path: file.path)
    file.append(1 << 20, seed: 10)
    follower.advance(to: 1 << 20)
    follower.addOrigin(1 << 20)
    file.append(16 << 20, seed: 11)
    follower.advance(to: 17 << 20)
    // Give the reader a moment to be inside the 16 MiB (no wait in round 0).
    usleep(UInt32(round * 3_000))
    follower.cutBack(to: 1 << 20)
    file.cut(to: 1 << 20)
    follower.addOrigin(1 << 20)
    file.append(3_000, seed: 12)
    #expect(Self.hex(follower.finish(at: (1 << 20) + 3_000)) == SHA256.hex(file.bytes))
  }

  @Test func aCutBackThatWasNotAnOriginGivesUp() throws {
    let file = try File()
    let follower = HashFollower(path: file.path)
    file.append(100_000, seed: 4)
    follower.advance(to: 100_000)
    Self.waitUntil(follower, hashed: 100_000)
    follower.cutBack(to: 60_000)
    file.cut(to: 60_000)
    #expect(follower.finish(at: 60_000) == nil)
  }

  @Test func aMissingFileGivesUp() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let follower = HashFollower(path: directory + "/never-written")
    #expect(follower.finish(at: 10) == nil)
  }
}
