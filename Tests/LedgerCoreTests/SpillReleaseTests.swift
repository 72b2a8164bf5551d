import Foundation
import Testing

@testable import LedgerCore

/// While spill files are copied into the output, their pages are freed behind the copy, but
/// never ahead of the hash, which reads the same bytes (a freed range reads as zeros).
@Suite struct SpillReleaseTests {
  static let page = 4096

  /// A file of five pages and a bit, every byte non-zero.
  static func spill() throws -> String {
    let path = try temporaryDirectory() + "/spill"
    let bytes = (0..<(5 * page + 300)).map { UInt8(1 + $0 % 251) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The pages of the file at `path` that read as zeros.
  static func freedPages(_ path: String) throws -> [Int] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    return stride(from: 0, to: bytes.count, by: page).filter { start in
      bytes[start..<min(start + page, bytes.count)].allSatisfy { $0 == 0 }
    }.map { $0 / page }
  }

  @Test func freesOnlyWhatBothTheCopyAndTheHashHavePassed() throws {
    let path = try Self.spill()
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    var release = OutputAssembler.SpillRelease()
    defer { release.finish() }
    // Segment 1 is bytes 100..<21_000 of the file: its first and last pages are shared.
    release.track(path: path, segment: 1, from: 100, to: 21_000)

    // The hash is still in an earlier segment: nothing goes, however far the copy is.
    release.advance(copied: (2, 0), hashed: (0, 0))
    #expect(try Self.freedPages(path) == [])

    // Copied to 16 384, hashed to 9 000: the whole pages below 9 000 after the first one.
    release.advance(copied: (1, 16_384), hashed: (1, 9_000))
    #expect(try Self.freedPages(path) == [1])

    // Hashed further than copied: the copy decides.
    release.advance(copied: (1, 13_000), hashed: (1, 20_000))
    #expect(try Self.freedPages(path) == [1, 2])

    // Both past the segment: every whole page up to its end, never the page it shares with
    // what follows.
    release.advance(copied: (2, 0), hashed: (3, 0))
    #expect(try Self.freedPages(path) == [1, 2, 3, 4])
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(bytes.count == 5 * Self.page + 300)
    #expect(bytes[..<Self.page].allSatisfy { $0 != 0 })
    #expect(bytes[(5 * Self.page)...].allSatisfy { $0 != 0 })
  }

  @Test func aFileThatCannotBeOpenedIsLeftAlone() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var release = OutputAssembler.SpillRelease()
    release.track(path: directory + "/missing", segment: 0, from: 0, to: 10_000)
    release.advance(copied: (1, 0), hashed: (1, 0))
    release.finish()
    #expect(!FileManager.default.fileExists(atPath: directory + "/missing"))
  }
}
