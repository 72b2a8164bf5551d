import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The entries of one ledger date seen so far, to find one delivered twice: same pspReference,
/// entry type, time text, amount and balances.
///
/// Each entry's key (those fields as bytes) is put together on the stack and kept only as a
/// 128-bit fingerprint in an open-addressing table: 16 bytes a slot, at most three quarters full,
/// so 21–43 bytes per entry of the date (no allocation per entry once grown). A date that would
/// need more than `memorySlots` slots moves its table to a scratch file
/// (``ScratchFingerprints``), so memory stays flat whatever the number of entries in one date. The same key always
/// gives the same fingerprint, so a duplicate is never missed; two different keys would have to
/// share all 128 bits to be taken for one (for a million entries in a date, a chance of about
/// 10^-27). Text that is not ASCII is keyed in Unicode Normalization Form C, so canonically
/// equivalent texts make equal keys, as they compare equal as `String`s.
struct DuplicateSet: Sendable {
  /// Two words per slot (the fingerprint); `0, 0` is an empty slot. The slot count is a power of
  /// two.
  private var slots: [UInt64] = Array(repeating: 0, count: 2 * Self.initialSlots)
  private var count = 0
  /// The table of a date that outgrew `memorySlots`.
  private var scratch: ScratchFingerprints?
  /// The most slots kept in memory (16 bytes each).
  let memorySlots: Int
  /// Where a scratch table goes.
  private let scratchDirectory: String

  private static let initialSlots = 1024

  /// - Parameters:
  ///   - memorySlots: The most slots kept in memory (a power of two): 1 Mi slots, 16 MiB, hold
  ///     about 786,000 entries of one date and topic.
  ///   - scratchDirectory: Where a bigger date's table goes (an unlinked file); the temporary
  ///     directory when `nil`.
  init(memorySlots: Int = 1 << 19, scratchDirectory: String? = nil) {
    self.memorySlots = max(Self.initialSlots, memorySlots)
    self.scratchDirectory = scratchDirectory ?? NSTemporaryDirectory()
  }

  /// The number of slots in memory (for tests: the memory the set holds is 16 bytes a slot).
  var capacity: Int { slots.count / 2 }

  /// The number of slots in the scratch file, 0 when there is none (for tests).
  var scratchCapacity: Int { scratch?.capacity ?? 0 }

  /// Forgets every key, keeping the memory (and dropping a scratch file); with `releasing`, a
  /// table bigger than 1 MiB is freed instead (a big date's table is not held while the other
  /// topic's grows).
  mutating func removeAll(releasing: Bool = false) {
    if releasing && capacity > Self.keptSlots {
      slots = Array(repeating: 0, count: 2 * Self.initialSlots)
      count = 0
    } else if count > 0 {
      slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      count = 0
    }
    scratch = nil
  }

  /// The largest table ``removeAll(releasing:)`` keeps: 64 Ki slots, 1 MiB.
  private static let keptSlots = 1 << 16

  /// Adds the key of `entry`; returns `false` when it was already there.
  ///
  /// - Throws: ``ScratchFingerprints/Failure`` when a date's scratch file cannot be written.
  mutating func insert(_ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>) throws -> Bool {
    let psp = bytes.slice(entry.pspReference)
    let time = bytes.slice(entry.time)
    if let typeName = entry.entryType.knownName, psp.isASCII, time.isASCII {
      return try insert(
        entry, psp: psp, time: time,
        type: UnsafeBufferPointer(start: typeName.utf8Start, count: typeName.utf8CodeUnitCount))
    }
    let type = canonicalBytes(entry.entryType.rawValue)
    return try withCanonicalBytes(psp) { psp in
      try withCanonicalBytes(time) { time in
        try type.withUnsafeBufferPointer { try insert(entry, psp: psp, time: time, type: $0) }
      }
    }
  }

  private mutating func insert(
    _ entry: RawEntry, psp: UnsafeBufferPointer<UInt8>, time: UnsafeBufferPointer<UInt8>,
    type: UnsafeBufferPointer<UInt8>
  ) throws -> Bool {
    let length = 4 + 24 + 4 + psp.count + 4 + type.count + time.count
    // The key is put together on the stack, and copied into `keys` only when it is new.
    return try withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { key in
      var offset = 0
      func put<T: FixedWidthInteger>(_ value: T) {
        key.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
      }
      func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let base = bytes.baseAddress { memcpy(key.baseAddress! + offset, base, bytes.count) }
        offset += bytes.count
      }
      put(UInt32(length))
      put(entry.amount)
      put(entry.balanceBefore)
      put(entry.balanceAfter)
      put(UInt32(psp.count))
      put(psp)
      put(UInt32(type.count))
      put(type)
      put(time)
      let bytes = UnsafeBufferPointer(key.assumingMemoryBound(to: UInt8.self))
      return try insert(Self.fingerprint(bytes))
    }
  }

  /// Adds `fingerprint` unless it is there already.
  private mutating func insert(_ fingerprint: (UInt64, UInt64)) throws -> Bool {
    // `0, 0` marks an empty slot: that one fingerprint is stored as `0, 1` (a second key
    // fingerprinted `0, 1` would be taken for it, at the same negligible odds as any other).
    let (high, low) = fingerprint == (0, 0) ? (0, 1) : fingerprint
    if let scratch { return try scratch.insert((high, low)) }
    let inserted = slots.withUnsafeMutableBufferPointer { slots in
      let mask = slots.count / 2 - 1
      var index = Int(truncatingIfNeeded: low) & mask
      while slots[2 * index] != 0 || slots[2 * index + 1] != 0 {
        if slots[2 * index] == high && slots[2 * index + 1] == low { return false }
        index = (index + 1) & mask
      }
      slots[2 * index] = high
      slots[2 * index + 1] = low
      return true
    }
    guard inserted else { return false }
    count += 1
    if count * 4 > capacity * 3 {
      if capacity * 2 > memorySlots { try moveToScratch() } else { grow() }
    }
    return true
  }

  /// Moves the table to a scratch file twice its size and frees the memory. The fingerprints
  /// are gathered at the front of the table, in place, and sorted by their slot in the file, so
  /// the file is written in one pass.
  private mutating func moveToScratch() throws {
    let size = capacity * 2
    let table = try slots.withUnsafeMutableBufferPointer { words in
      var count = 0
      for index in 0..<words.count / 2 where words[2 * index] != 0 || words[2 * index + 1] != 0 {
        (words[2 * count], words[2 * count + 1]) = (words[2 * index], words[2 * index + 1])
        count += 1
      }
      return try UnsafeMutableRawBufferPointer(words).withMemoryRebound(to: SIMD2<UInt64>.self) {
        pairs in
        var sorted = UnsafeMutableBufferPointer(rebasing: pairs[0..<count])
        let mask = UInt64(size - 1)
        sorted.sort { (first: SIMD2<UInt64>, second: SIMD2<UInt64>) -> Bool in
          first[1] & mask < second[1] & mask
        }
        return try ScratchFingerprints(
          directory: scratchDirectory, slots: size, sorted: UnsafeBufferPointer(sorted))
      }
    }
    scratch = table
    slots = Array(repeating: 0, count: 2 * Self.initialSlots)
    count = 0
  }

  private mutating func grow() {
    let size = capacity * 2
    var newSlots = [UInt64](repeating: 0, count: 2 * size)
    for index in 0..<capacity where slots[2 * index] != 0 || slots[2 * index + 1] != 0 {
      var target = Int(truncatingIfNeeded: slots[2 * index + 1]) & (size - 1)
      while newSlots[2 * target] != 0 || newSlots[2 * target + 1] != 0 {
        target = (target + 1) & (size - 1)
      }
      newSlots[2 * target] = slots[2 * index]
      newSlots[2 * target + 1] = slots[2 * index + 1]
    }
    slots = newSlots
  }

  /// A 128-bit fingerprint of `bytes`: two independent 64-bit lanes over 8-byte words (the
  /// last one zero-padded, the length mixed in), each a multiply-rotate round per word as in
  /// xxHash64, finished with the MurmurHash3 avalanche.
  static func fingerprint(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
    let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    var first = prime1 &+ prime2 &+ UInt64(bytes.count)
    var second = prime4 ^ (UInt64(bytes.count) &* prime3)
    @inline(__always) func round(_ word: UInt64) {
      first = (first &+ word &* prime2).rotated(31) &* prime1
      second = (second ^ word &* prime4).rotated(27) &* prime3 &+ prime2
    }
    let base = UnsafeRawPointer(bytes.baseAddress!)
    var offset = 0
    while bytes.count - offset >= 8 {
      round(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      offset += 8
    }
    if offset < bytes.count {
      var word: UInt64 = 0
      for index in offset..<bytes.count {
        word |= UInt64(bytes[index]) << (8 * UInt64(index - offset))
      }
      round(word)
    }
    @inline(__always) func avalanche(_ value: UInt64) -> UInt64 {
      var value = value
      value ^= value >> 33
      value &*= 0xff51_afd7_ed55_8ccd
      value ^= value >> 33
      value &*= 0xc4ce_b9fe_1a85_ec53
      value ^= value >> 33
      return value
    }
    return (avalanche(first), avalanche(second &+ first.rotated(17)))
  }
}

extension UInt64 {
  @inline(__always)
  fileprivate func rotated(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
