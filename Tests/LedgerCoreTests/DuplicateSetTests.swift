import Foundation
import Testing

@testable import LedgerCore

/// The duplicate check keeps 128-bit fingerprints of entry keys: every repeat is found, no two of
/// many near-identical entries are confused, and the memory stays at 21–43 bytes per entry.
@Suite struct DuplicateSetTests {
  /// `count` entries that differ from each other in one field only: the pspReference's last
  /// digits, the amount by one øre, the balances, the time's microseconds or the type.
  static func nearTwins(_ count: Int) -> RawEntries {
    RawEntries(
      (0..<count).map { index in
        let variant = index % 5
        let step = Int64(index / 5)
        return makeEntry(
          variant == 4 ? .refund : .capture, amount: 100 + (variant == 1 ? step : 0),
          before: 5_000 + (variant == 2 ? step : 0),
          psp: variant == 0 ? "10000\(index)" : "1000",
          time: variant == 3
            ? "2025-10-20T10:00:00.\(String(100_000 + index).suffix(6))+0200"
            : "2025-10-20T10:00:00.000000+0200")
      })
  }

  @Test func findsEveryRepeatAndConfusesNoTwoEntries() throws {
    let count = 100_000
    var set = DuplicateSet()
    try Self.expectEveryRepeatFound(count: count, in: &set)
    // 16 bytes a slot, at most three quarters full and at least three eighths after growing.
    #expect(set.capacity * 16 <= 43 * count)
    #expect(set.scratchCapacity == 0)
  }

  /// Inserts `count` near twins twice into `set`: each distinct key is new once, every second
  /// insert is found.
  static func expectEveryRepeatFound(count: Int, in set: inout DuplicateSet) throws {
    let page = Self.nearTwins(count)
    try page.bytes.withUnsafeBufferPointer { bytes in
      var firstTime = Set<Int>()
      for (index, entry) in page.entries.enumerated() where try set.insert(entry, bytes: bytes) {
        firstTime.insert(index)
      }
      // At step 0 some variants make the same entry: the distinct keys are counted as text.
      let distinct = Set(
        page.entries.map {
          "\($0.amount) \($0.balanceBefore) \($0.entryType) \(bytes.text($0.pspReference)) \(bytes.text($0.time))"
        })
      #expect(firstTime.count == distinct.count)
      #expect(distinct.count > count / 2)
      var repeatsFound = 0
      for entry in page.entries where try !set.insert(entry, bytes: bytes) { repeatsFound += 1 }
      #expect(repeatsFound == count)
    }
  }

  /// A date bigger than the memory allows moves to a scratch file: the same answers, the memory
  /// no bigger, the file unlinked (nothing in the directory), and gone at the next date.
  @Test func aDateBiggerThanTheMemoryGoesToAScratchFile() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var set = DuplicateSet(memorySlots: 1024, scratchDirectory: directory + "/scratch")
    try Self.expectEveryRepeatFound(count: 20_000, in: &set)
    #expect(set.capacity <= 1024)
    // About 13,000 distinct keys, at most three quarters of the slots.
    #expect(set.scratchCapacity >= 16_384)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/scratch") == [])
    set.removeAll()
    #expect(set.scratchCapacity == 0)
    try Self.expectEveryRepeatFound(count: 2_000, in: &set)
  }

  /// A table written in one pass from sorted fingerprints holds each where one-by-one insertion
  /// would: runs that pass the last slot go on at the first, and everything is found again.
  @Test func aScratchTableWrittenInOnePassFindsEveryFingerprint() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let slots = 8192
    var pairs: [SIMD2<UInt64>] = []
    // Twelve with the last slot as home (eleven wrap to the start), a run in the middle, and
    // some spread out.
    for index in 0..<12 { pairs.append([UInt64(index + 1), UInt64(slots - 1)]) }
    for index in 0..<300 { pairs.append([UInt64(index + 100), 4000]) }
    for index in 0..<2000 { pairs.append([UInt64(index + 5000), UInt64(index * 7 % slots)]) }
    pairs.sort { $0[1] & UInt64(slots - 1) < $1[1] & UInt64(slots - 1) }
    let table = try pairs.withUnsafeBufferPointer {
      try ScratchFingerprints(directory: directory, slots: slots, sorted: $0)
    }
    for pair in pairs { #expect(try !table.insert((pair[0], pair[1]))) }
    #expect(try table.insert((99_999, UInt64(slots - 1))))
    #expect(try table.insert((99_998, 4000)))
    #expect(try !table.insert((99_998, 4000)))
  }

  /// A scratch file that cannot be made is an error of the entry that needed it, naming where.
  @Test func aScratchFileThatCannotBeMadeIsReported() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // A regular file where the scratch directory should be.
    FileManager.default.createFile(atPath: directory + "/file", contents: Data())
    var checker = EntryChecker(
      ledgerID: "1", topic: .funds, currency: "NOK",
      duplicates: DuplicateSet(memorySlots: 1024, scratchDirectory: directory + "/file/scratch"))
    let page = Self.nearTwins(2_000)
    var problems: [Diagnostic] = []
    page.bytes.withUnsafeBufferPointer { bytes in
      for (index, entry) in page.entries.enumerated() where problems.isEmpty {
        problems = checker.check(
          entry, bytes: bytes, date: LedgerDate("2025-10-20")!, position: index + 1
        )
        .filter { $0.code == "duplicate-check" }
      }
    }
    let problem = try #require(problems.first)
    #expect(problem.message.contains(directory + "/file/scratch"))
  }

  /// A big date's table is freed when its topic ends, so the other topic's table does not grow
  /// beside it; a small one is kept for the next date.
  @Test func aBigTableIsFreedWhenItsDateEnds() throws {
    var big = DuplicateSet()
    try Self.expectEveryRepeatFound(count: 120_000, in: &big)
    #expect(big.capacity > 1 << 16)
    big.removeAll(releasing: true)
    #expect(big.capacity == 1024)
    var small = DuplicateSet()
    try Self.expectEveryRepeatFound(count: 20_000, in: &small)
    let grown = small.capacity
    small.removeAll(releasing: true)
    #expect(small.capacity == grown)
  }

  @Test func everyBitOfTheKeyCountsInBothHalvesOfTheFingerprint() {
    var key = [UInt8](repeating: 0x5A, count: 61)
    var seen: [Set<UInt64>] = [[], []]
    var total = 0
    for position in 0..<key.count * 8 {
      key[position / 8] ^= 1 << (position % 8)
      let fingerprint = key.withUnsafeBufferPointer { DuplicateSet.fingerprint($0) }
      key[position / 8] ^= 1 << (position % 8)
      seen[0].insert(fingerprint.0)
      seen[1].insert(fingerprint.1)
      total += 1
    }
    #expect(seen[0].count == total)
    #expect(seen[1].count == total)
    // A key one byte longer, of zeros, is not the same key.
    let short = [UInt8](repeating: 0, count: 7)
    let long = [UInt8](repeating: 0, count: 8)
    let a = short.withUnsafeBufferPointer { DuplicateSet.fingerprint($0) }
    let b = long.withUnsafeBufferPointer { DuplicateSet.fingerprint($0) }
    #expect(a != b)
  }

  @Test func forgettingKeepsTheTableAndFindsNothing() throws {
    let page = Self.nearTwins(5_000)
    var set = DuplicateSet()
    try page.bytes.withUnsafeBufferPointer { bytes in
      for entry in page.entries { _ = try set.insert(entry, bytes: bytes) }
      let grown = set.capacity
      set.removeAll()
      #expect(set.capacity == grown)
      let new = try set.insert(page.entries[0], bytes: bytes)
      #expect(new)
    }
  }
}

extension UnsafeBufferPointer<UInt8> {
  fileprivate func text(_ range: TextRange) -> String {
    String(decoding: slice(range), as: UTF8.self)
  }
}
