#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The entries of one ledger date seen so far, to find one delivered twice: same pspReference,
/// entry type, time text, amount and balances.
///
/// ASCII keys are stored as bytes in one buffer with an open-addressing table over them (no
/// allocation per entry once grown); keys with other text go to a `Set` of strings, where
/// canonically equivalent text compares equal as it does in `String` (an ASCII text is
/// equivalent only to itself, so the two never need comparing).
struct DuplicateSet: Sendable {
  private struct Key: Hashable {
    var pspReference: String
    var entryType: EntryType
    var time: String
    var amount: Int64
    var balanceBefore: Int64
    var balanceAfter: Int64
  }

  /// Every ASCII key: `[length: UInt32][amount, before, after][psp count: UInt32][psp][type count:
  /// UInt32][type][time]`.
  private var keys: [UInt8] = []
  /// Offsets into `keys` (`-1` = empty slot); the table's size is a power of two.
  private var slots: [Int32] = Array(repeating: -1, count: 1024)
  private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
  private var count = 0
  private var others: Set<Key> = []

  /// Forgets every key, keeping the storage.
  mutating func removeAll() {
    if count > 0 {
      keys.removeAll(keepingCapacity: true)
      for index in slots.indices { slots[index] = -1 }
      count = 0
    }
    others.removeAll()
  }

  /// Adds the key of `entry`; returns `false` when it was already there.
  mutating func insert(_ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let psp = bytes.slice(entry.pspReference)
    let time = bytes.slice(entry.time)
    let typeName = entry.entryType.knownName
    var typeText = typeName == nil ? entry.entryType.rawValue : ""
    let typeIsASCII = typeName != nil || typeText.utf8.allSatisfy { $0 < 0x80 }
    guard psp.isASCII, time.isASCII, typeIsASCII else {
      return others.insert(
        Key(
          pspReference: String(decoding: psp, as: UTF8.self), entryType: entry.entryType,
          time: String(decoding: time, as: UTF8.self), amount: entry.amount,
          balanceBefore: entry.balanceBefore, balanceAfter: entry.balanceAfter)
      ).inserted
    }
    let start = keys.count
    append(UInt32(0))
    append(entry.amount)
    append(entry.balanceBefore)
    append(entry.balanceAfter)
    append(UInt32(psp.count))
    keys.append(contentsOf: psp)
    if let typeName {
      append(UInt32(typeName.utf8CodeUnitCount))
      keys.append(
        contentsOf: UnsafeBufferPointer(
          start: typeName.utf8Start, count: typeName.utf8CodeUnitCount)
      )
    } else {
      typeText.withUTF8 { type in
        append(UInt32(type.count))
        keys.append(contentsOf: type)
      }
    }
    keys.append(contentsOf: time)
    let length = keys.count - start
    withUnsafeBytes(of: UInt32(length).littleEndian) { length in
      for offset in 0..<4 { keys[start + offset] = length[offset] }
    }
    let hash = keys.withUnsafeBufferPointer {
      Self.hash(UnsafeBufferPointer(rebasing: $0[start...]))
    }
    let mask = slots.count - 1
    var index = Int(truncatingIfNeeded: hash) & mask
    while slots[index] >= 0 {
      if hashes[index] == hash && sameKey(at: Int(slots[index]), start, length: length) {
        keys.removeSubrange(start...)
        return false
      }
      index = (index + 1) & mask
    }
    slots[index] = Int32(start)
    hashes[index] = hash
    count += 1
    if count * 2 > slots.count { grow() }
    return true
  }

  private mutating func append(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { keys.append(contentsOf: $0) }
  }

  private mutating func append(_ value: Int64) {
    withUnsafeBytes(of: value.littleEndian) { keys.append(contentsOf: $0) }
  }

  private func sameKey(at offset: Int, _ start: Int, length: Int) -> Bool {
    keys.withUnsafeBufferPointer { keys in
      memcmp(keys.baseAddress! + offset, keys.baseAddress! + start, length) == 0
    }
  }

  private mutating func grow() {
    let size = slots.count * 2
    var newSlots = [Int32](repeating: -1, count: size)
    var newHashes = [UInt64](repeating: 0, count: size)
    for index in slots.indices where slots[index] >= 0 {
      var target = Int(truncatingIfNeeded: hashes[index]) & (size - 1)
      while newSlots[target] >= 0 { target = (target + 1) & (size - 1) }
      newSlots[target] = slots[index]
      newHashes[target] = hashes[index]
    }
    slots = newSlots
    hashes = newHashes
  }

  /// FNV-1a over 8-byte words, finished with a mixer (a good spread for the table's low bits).
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var offset = 0
    let base = UnsafeRawPointer(bytes.baseAddress!)
    while bytes.count - offset >= 8 {
      hash = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
      offset += 8
    }
    while offset < bytes.count {
      hash = (hash ^ UInt64(bytes[offset])) &* 0x100_0000_01b3
      offset += 1
    }
    hash ^= hash >> 33
    hash &*= 0xff51_afd7_ed55_8ccd
    hash ^= hash >> 33
    return hash
  }
}
