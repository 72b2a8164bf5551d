#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The entries of one ledger date seen so far, to find one delivered twice: same pspReference,
/// entry type, time text, amount and balances.
///
/// Keys are stored as bytes in one buffer with an open-addressing table over them (no allocation
/// per entry once grown). Text that is not ASCII is stored in Unicode Normalization Form C, so
/// canonically equivalent texts make equal keys, as they compare equal as `String`s.
struct DuplicateSet: Sendable {
  /// Every key: `[length: UInt32][amount, before, after][psp count: UInt32][psp][type count:
  /// UInt32][type][time]`.
  private var keys: [UInt8] = []
  /// Offsets into `keys` (`-1` = empty slot); the table's size is a power of two.
  private var slots: [Int32] = Array(repeating: -1, count: 1024)
  private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
  private var count = 0

  /// Forgets every key, keeping the storage.
  mutating func removeAll() {
    if count > 0 {
      keys.removeAll(keepingCapacity: true)
      for index in slots.indices { slots[index] = -1 }
      count = 0
    }
  }

  /// Adds the key of `entry`; returns `false` when it was already there.
  mutating func insert(_ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let psp = bytes.slice(entry.pspReference)
    let time = bytes.slice(entry.time)
    if let typeName = entry.entryType.knownName, psp.isASCII, time.isASCII {
      return insert(
        entry, psp: psp, time: time,
        type: UnsafeBufferPointer(start: typeName.utf8Start, count: typeName.utf8CodeUnitCount))
    }
    let type = canonicalBytes(entry.entryType.rawValue)
    return withCanonicalBytes(psp) { psp in
      withCanonicalBytes(time) { time in
        type.withUnsafeBufferPointer { insert(entry, psp: psp, time: time, type: $0) }
      }
    }
  }

  private mutating func insert(
    _ entry: RawEntry, psp: UnsafeBufferPointer<UInt8>, time: UnsafeBufferPointer<UInt8>,
    type: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    let length = 4 + 24 + 4 + psp.count + 4 + type.count + time.count
    // The key is put together on the stack, and copied into `keys` only when it is new.
    return withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { key in
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
      return insert(key: bytes, hash: Self.hash(bytes))
    }
  }

  /// Adds `key` unless it is there already.
  private mutating func insert(key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
    let mask = slots.count - 1
    var index = Int(truncatingIfNeeded: hash) & mask
    while slots[index] >= 0 {
      if hashes[index] == hash && isKey(at: Int(slots[index]), key) { return false }
      index = (index + 1) & mask
    }
    slots[index] = Int32(keys.count)
    hashes[index] = hash
    keys.append(contentsOf: key)
    count += 1
    if count * 2 > slots.count { grow() }
    return true
  }

  /// Whether the key stored at `offset` is `key` (each key starts with its length).
  private func isKey(at offset: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
    keys.withUnsafeBufferPointer { keys in
      offset + key.count <= keys.count
        && memcmp(keys.baseAddress! + offset, key.baseAddress!, key.count) == 0
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
