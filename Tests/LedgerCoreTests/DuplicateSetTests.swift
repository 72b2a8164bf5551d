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

  @Test func findsEveryRepeatAndConfusesNoTwoEntries() {
    let count = 100_000
    let page = Self.nearTwins(count)
    var set = DuplicateSet()
    page.bytes.withUnsafeBufferPointer { bytes in
      var firstTime = Set<Int>()
      for (index, entry) in page.entries.enumerated() where set.insert(entry, bytes: bytes) {
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
      for entry in page.entries where !set.insert(entry, bytes: bytes) { repeatsFound += 1 }
      #expect(repeatsFound == count)
    }
    // 16 bytes a slot, at most three quarters full and at least three eighths after growing.
    #expect(set.capacity * 16 <= 43 * count)
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

  @Test func forgettingKeepsTheTableAndFindsNothing() {
    let page = Self.nearTwins(5_000)
    var set = DuplicateSet()
    page.bytes.withUnsafeBufferPointer { bytes in
      for entry in page.entries { _ = set.insert(entry, bytes: bytes) }
      let grown = set.capacity
      set.removeAll()
      #expect(set.capacity == grown)
      let new = set.insert(page.entries[0], bytes: bytes)
      #expect(new)
    }
  }
}

extension UnsafeBufferPointer<UInt8> {
  fileprivate func text(_ range: TextRange) -> String {
    String(decoding: slice(range), as: UTF8.self)
  }
}
