/// A recorded response body, scanned just enough to cut it up without re-encoding it: the byte
/// ranges of its `items` elements, and of the GDPR-sensitive members inside them.
///
/// Everything else stays as recorded (layout, key order, escapes), so a page served without
/// `includeGDPRSensitiveData=true` is the recording minus the `name`, `message` and
/// `maskedPhoneNo` members.
struct RawPage: Sendable {
  /// The whole body.
  let bytes: [UInt8]
  /// The elements of the top-level `items` array.
  let itemRanges: [Range<Int>]
  /// Ranges to delete to remove the GDPR-sensitive members (a member plus its separating comma
  /// and whitespace), ascending and disjoint.
  let sensitiveRanges: [Range<Int>]

  /// The member names removed without `includeGDPRSensitiveData=true`.
  static let sensitiveKeys: [[UInt8]] = [
    Array("name".utf8), Array("message".utf8), Array("maskedPhoneNo".utf8),
  ]

  /// Scans `bytes`; `nil` when the body is not a JSON object of the expected shape.
  init?(_ bytes: [UInt8]) {
    var scanner = RawScanner(bytes: bytes)
    var items: [Range<Int>] = []
    var sensitive: [Range<Int>] = []
    guard (try? scanner.scanPage(items: &items, sensitive: &sensitive)) != nil else { return nil }
    self.bytes = bytes
    self.itemRanges = items
    self.sensitiveRanges = sensitive
  }

  /// The body, without the sensitive members unless `gdpr`.
  func body(gdpr: Bool) -> [UInt8] {
    gdpr ? bytes : Self.cut(bytes, in: 0..<bytes.count, removing: sensitiveRanges)
  }

  /// The text of item `index`, without the sensitive members unless `gdpr`.
  func item(_ index: Int, gdpr: Bool) -> ArraySlice<UInt8> {
    let range = itemRanges[index]
    if gdpr { return bytes[range] }
    let inside = sensitiveRanges.filter { range.contains($0.lowerBound) }
    return ArraySlice(Self.cut(bytes, in: range, removing: inside))
  }

  /// `bytes[range]` without the (ascending, disjoint) `removals`.
  private static func cut(_ bytes: [UInt8], in range: Range<Int>, removing removals: [Range<Int>])
    -> [UInt8]
  {
    var result: [UInt8] = []
    result.reserveCapacity(range.count)
    var position = range.lowerBound
    for removal in removals {
      result += bytes[position..<removal.lowerBound]
      position = removal.upperBound
    }
    result += bytes[position..<range.upperBound]
    return result
  }
}

/// A minimal JSON scanner over bytes: finds value boundaries, checks structure loosely (a
/// trailing comma in an object or array is accepted, as in Vipps' own examples).
private struct RawScanner {
  struct Malformed: Error {}

  let bytes: [UInt8]
  var position = 0

  var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
      position += 1
    }
  }

  mutating func expect(_ byte: UInt8) throws(Malformed) {
    guard current == byte else { throw Malformed() }
    position += 1
  }

  /// Skips a string at `"`, returning the range of its raw contents.
  mutating func string() throws(Malformed) -> Range<Int> {
    try expect(UInt8(ascii: "\""))
    let start = position
    while let byte = current {
      if byte == UInt8(ascii: "\\") {
        position += 2
      } else if byte == UInt8(ascii: "\"") {
        position += 1
        return start..<(position - 1)
      } else {
        position += 1
      }
    }
    throw Malformed()
  }

  /// Skips one value of any kind.
  mutating func skipValue() throws(Malformed) {
    skipWhitespace()
    guard let byte = current else { throw Malformed() }
    switch byte {
    case UInt8(ascii: "\""):
      _ = try string()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      while let byte = current {
        switch byte {
        case UInt8(ascii: "\""):
          _ = try string()
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
        default: break
        }
        position += 1
        if depth == 0 { return }
      }
      throw Malformed()
    default:
      let start = position
      while let byte = current, !Self.delimiters.contains(byte) { position += 1 }
      guard position > start else { throw Malformed() }
    }
  }

  static let delimiters: Set<UInt8> = [
    UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09,
  ]

  /// Walks the members of the object at `{`, calling `member` with the key's raw contents,
  /// the key's start and the value's position; `member` must consume the value.
  mutating func object(
    _ member: (inout RawScanner, Range<Int>, Int) throws(Malformed) -> Void
  ) throws(Malformed) {
    skipWhitespace()
    try expect(UInt8(ascii: "{"))
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "}") {
        position += 1
        return
      }
      let keyStart = position
      let key = try string()
      skipWhitespace()
      try expect(UInt8(ascii: ":"))
      skipWhitespace()
      try member(&self, key, keyStart)
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != UInt8(ascii: "}") {
        throw Malformed()
      }
    }
  }

  func key(_ range: Range<Int>, is literal: [UInt8]) -> Bool {
    range.count == literal.count && bytes[range].elementsEqual(literal)
  }

  /// The top-level object: records `items` elements and their sensitive members.
  mutating func scanPage(items: inout [Range<Int>], sensitive: inout [Range<Int>])
    throws(Malformed)
  {
    let itemsKey = Array("items".utf8)
    var found = false
    try object { scanner, key, _ throws(Malformed) in
      guard !found, scanner.key(key, is: itemsKey), scanner.current == UInt8(ascii: "[") else {
        return try scanner.skipValue()
      }
      found = true
      try scanner.items(&items, sensitive: &sensitive)
    }
    skipWhitespace()
    guard current == nil, found else { throw Malformed() }
  }

  /// The `items` array at `[`.
  mutating func items(_ items: inout [Range<Int>], sensitive: inout [Range<Int>])
    throws(Malformed)
  {
    try expect(UInt8(ascii: "["))
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "]") {
        position += 1
        return
      }
      let start = position
      if current == UInt8(ascii: "{") {
        try entry(&sensitive)
      } else {
        try skipValue()
      }
      items.append(start..<position)
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != UInt8(ascii: "]") {
        throw Malformed()
      }
    }
  }

  /// One entry object: the removal range of each sensitive member.
  ///
  /// A member after a kept one is removed from the end of the previous value (taking the comma
  /// before it); a member before any kept one from its key to the next key (taking the comma
  /// after it), so the result stays valid JSON with the recorded layout.
  mutating func entry(_ sensitive: inout [Range<Int>]) throws(Malformed) {
    var members: [(keyStart: Int, valueEnd: Int, isSensitive: Bool)] = []
    try object { scanner, key, keyStart throws(Malformed) in
      try scanner.skipValue()
      let isSensitive = RawPage.sensitiveKeys.contains { scanner.key(key, is: $0) }
      members.append((keyStart, scanner.position, isSensitive))
    }
    var keptBefore = false
    for (index, member) in members.enumerated() {
      guard member.isSensitive else {
        keptBefore = true
        continue
      }
      if keptBefore {
        sensitive.append(members[index - 1].valueEnd..<member.valueEnd)
      } else if index + 1 < members.count {
        sensitive.append(member.keyStart..<members[index + 1].keyStart)
      } else {
        sensitive.append(member.keyStart..<member.valueEnd)
      }
    }
  }
}
