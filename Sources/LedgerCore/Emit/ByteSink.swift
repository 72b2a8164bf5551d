#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A growable byte buffer for the encoders' hot path: appends are a capacity check and a
/// `memcpy`, with no copy-on-write or uniqueness checks. Owned by one writer at a time.
struct ByteSink: ~Copyable {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int = 1 << 16) {
    self.capacity = max(capacity, 64)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  /// The bytes appended so far.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// The bytes appended so far, typed.
  var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

  /// The byte at `index` (< ``count``).
  subscript(index: Int) -> UInt8 { base[index] }

  /// Appends `value` in decimal, zero-padded to `width` digits (more when it is longer).
  @inline(__always)
  mutating func appendDigits(_ value: Int, width: Int) {
    var digits = 1
    var probe = value
    while probe >= 10 {
      probe /= 10
      digits += 1
    }
    let total = max(width, digits)
    reserve(total)
    var rest = value
    for position in stride(from: count + total - 1, through: count, by: -1) {
      base[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
      rest /= 10
    }
    count += total
  }

  /// Forgets the content, keeping the allocation.
  mutating func removeAll() { count = 0 }

  /// Makes room for `extra` more bytes.
  @inline(__always)
  mutating func reserve(_ extra: Int) {
    if count + extra > capacity { grow(count + extra) }
  }

  private mutating func grow(_ needed: Int) {
    var newCapacity = capacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.update(from: base, count: count)
    base.deallocate()
    base = newBase
    capacity = newCapacity
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count += 1
  }

  @inline(__always)
  mutating func append(_ first: UInt8, _ second: UInt8) {
    reserve(2)
    base[count] = first
    base[count + 1] = second
    count += 2
  }

  @inline(__always)
  mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    reserve(bytes.count)
    memcpy(base + count, source, bytes.count)
    count += bytes.count
  }

  @inline(__always)
  mutating func append(_ literal: StaticString) {
    append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }

  mutating func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { append($0) }
  }

  /// Appends a non-negative integer in decimal.
  @inline(__always)
  mutating func appendDecimal(_ value: UInt64) {
    reserve(20)
    var digits = 1
    var probe = value
    while probe >= 10 {
      probe /= 10
      digits += 1
    }
    var rest = value
    var position = count + digits - 1
    repeat {
      base[position] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
      rest /= 10
      position -= 1
    } while rest > 0
    count += digits
  }

  /// Appends a signed integer in decimal.
  mutating func appendDecimal(_ value: Int) {
    if value < 0 { append(UInt8(ascii: "-")) }
    appendDecimal(UInt64(value.magnitude))
  }

  /// Appends the magnitude of `minorUnits` with two decimals (`12345` → `123.45`), the text of
  /// ``MoneyFormat/decimal(_:separator:)`` without its sign.
  @inline(__always)
  mutating func appendMagnitude(_ minorUnits: Int64, separator: UInt8 = UInt8(ascii: ".")) {
    let magnitude = minorUnits.magnitude
    appendDecimal(magnitude / 100)
    let cents = magnitude % 100
    reserve(3)
    base[count] = separator
    base[count + 1] = UInt8(truncatingIfNeeded: 48 &+ cents / 10)
    base[count + 2] = UInt8(truncatingIfNeeded: 48 &+ cents % 10)
    count += 3
  }

  /// Appends a date as `YYYY-MM-DD`.
  @inline(__always)
  mutating func appendDate(_ date: LedgerDate) {
    reserve(10)
    let year = date.year
    let month = date.month
    let day = date.day
    base[count] = UInt8(truncatingIfNeeded: 48 + year / 1000 % 10)
    base[count + 1] = UInt8(truncatingIfNeeded: 48 + year / 100 % 10)
    base[count + 2] = UInt8(truncatingIfNeeded: 48 + year / 10 % 10)
    base[count + 3] = UInt8(truncatingIfNeeded: 48 + year % 10)
    base[count + 4] = UInt8(ascii: "-")
    base[count + 5] = UInt8(truncatingIfNeeded: 48 + month / 10)
    base[count + 6] = UInt8(truncatingIfNeeded: 48 + month % 10)
    base[count + 7] = UInt8(ascii: "-")
    base[count + 8] = UInt8(truncatingIfNeeded: 48 + day / 10)
    base[count + 9] = UInt8(truncatingIfNeeded: 48 + day % 10)
    count += 10
  }

  /// Appends `bytes` when none of them is special, checking and copying eight bytes at a time
  /// (`word` tells whether a word holds a special byte, `byte` whether a byte is one; they must
  /// agree); else appends nothing and returns `false` (the caller then escapes the text byte by
  /// byte). The encoders' fast path for text that needs no quoting or escaping.
  @inline(__always)
  mutating func appendUnlessSpecial(
    _ bytes: UnsafeBufferPointer<UInt8>, word isSpecialWord: (UInt64) -> Bool,
    byte isSpecial: (UInt8) -> Bool
  ) -> Bool {
    guard let source = bytes.baseAddress else { return true }
    let length = bytes.count
    reserve(length)
    let target = base + count
    if length >= 8 {
      let from = UnsafeRawPointer(source)
      let to = UnsafeMutableRawPointer(target)
      var offset = 0
      while length - offset > 8 {
        let word = from.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        if isSpecialWord(word) { return false }
        to.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
        offset += 8
      }
      // The last eight bytes, overlapping the words before when the length is not a multiple.
      let last = from.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
      if isSpecialWord(last) { return false }
      to.storeBytes(of: last, toByteOffset: length - 8, as: UInt64.self)
    } else {
      for index in 0..<length {
        let byte = source[index]
        if isSpecial(byte) { return false }
        target[index] = byte
      }
    }
    count += length
    return true
  }

  /// Appends a copy of bytes already in the sink.
  @inline(__always)
  mutating func appendCopy(of range: Range<Int>) {
    reserve(range.count)
    memcpy(base + count, base + range.lowerBound, range.count)
    count += range.count
  }

  /// Drops bytes from the end back to `length`.
  mutating func truncate(to length: Int) {
    count = min(count, length)
  }
}

/// Byte-in-word tests for the encoders' eight-bytes-at-a-time paths. Each is exact: it is true
/// when, and only when, some byte of the word is the one asked for.
enum WordBytes {
  static let ones: UInt64 = 0x0101_0101_0101_0101
  static let highs: UInt64 = 0x8080_8080_8080_8080

  /// The high bit of each byte of `word` that equals `byte` (and maybe of bytes above one).
  @inline(__always)
  static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
    let difference = word ^ (ones &* UInt64(byte))
    return (difference &- ones) & ~difference & highs
  }

  /// The high bit of exactly the bytes of `word` that equal `byte`, for a word of ASCII bytes
  /// (none above 0x7F), so that neighbouring matches can be told apart.
  @inline(__always)
  static func exactlyEqual(_ word: UInt64, _ byte: UInt8) -> UInt64 {
    let difference = word ^ (ones &* UInt64(byte))
    let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    return ~(((difference & low) &+ low) | difference) & highs
  }

  /// The high bit of each byte of `word` below `bound` (at most 0x80; maybe of bytes above one).
  @inline(__always)
  static func below(_ word: UInt64, _ bound: UInt8) -> UInt64 {
    (word &- ones &* UInt64(bound)) & ~word & highs
  }
}
