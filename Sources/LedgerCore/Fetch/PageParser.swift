/// Why a Report API page could not be parsed: where, and what is wrong there.
struct PageParseError: Error, Equatable {
  /// The field path, e.g. `items[3].amount`, or `document` for the document as a whole.
  var path: String
  /// What is wrong, worded as `PageDecoding.describe(_:)` words Foundation's decoding errors,
  /// e.g. `required field is missing`, or `not valid JSON` for a syntax error.
  var problem: String
  /// For a syntax error, the offset of the first byte found wrong.
  var byteOffset: Int? = nil

  /// A syntax error at `offset`.
  static func notValidJSON(at offset: Int) -> PageParseError {
    PageParseError(path: "document", problem: "not valid JSON", byteOffset: offset)
  }

  /// The text that follows "malformed page: " in a `ReportSourceError.malformed` message:
  /// `path: problem`, or just `not valid JSON` for a syntax error, as `PageDecoding` says today.
  var summary: String {
    path == "document" && problem == "not valid JSON" ? problem : "\(path): \(problem)"
  }
}

/// A byte-level parser for Report API pages, used instead of `JSONDecoder` for ``ReportPage``.
///
/// It gives what `JSONDecoder().decode(ReportPage.self, from:)` gives for every well-formed page
/// (the same values, the same defaults, the first of duplicate keys), and for a page it rejects the
/// problem that `PageDecoding.describe(_:)` reports, found in the same order: fields in the order
/// `init(from:)` decodes them, items in array order, syntax errors before all others.
///
/// Syntax is RFC 8259 for the whole document, values it skips included (Foundation checks skipped
/// values only loosely), except that a trailing comma in an object or array is accepted, as
/// Foundation accepts it and Vipps' documentation shows one. Amounts must be integers without
/// fraction or exponent (Foundation accepts `1.0` and `1e2`, rounding through `Double`). UTF-8 only,
/// with an optional byte-order mark.
enum PageParser {
  /// Parses one page of `GET /report/v2/ledgers/{id}/{topic}/dates/{date}` (or of the feed).
  ///
  /// - Parameter bytes: The response body, UTF-8 JSON.
  /// - Returns: The page, equal to what `JSONDecoder` decodes.
  /// - Throws: ``PageParseError`` naming the first problem.
  static func parseReportPage(_ bytes: UnsafeRawBufferPointer) throws(PageParseError) -> ReportPage
  {
    guard var scanner = Scanner(bytes) else { throw .notValidJSON(at: 0) }
    scanner.skipWhitespace()
    let result: Result<ReportPage, PageParseError>
    if scanner.current == UInt8(ascii: "{") {
      result = try page(&scanner)
    } else {
      let problem = notAnObject(scanner.current)
      try scanner.skipValue(depth: 0)
      result = .failure(PageParseError(path: "document", problem: problem))
    }
    scanner.skipWhitespace()
    guard scanner.isAtEnd else { throw scanner.syntaxError }
    return try result.get()
  }

  /// A field's value as found: semantic checks wait until the whole document has been scanned.
  enum Slot<Value> {
    case missing, null, wrongType
    case value(Value)

    /// Whether the key has not been seen yet (a later duplicate is skipped, as Foundation does).
    var isMissing: Bool {
      if case .missing = self { return true }
      return false
    }
  }

  /// The fields of a page as found.
  private static func page(_ scanner: inout Scanner) throws(PageParseError) -> Result<
    ReportPage, PageParseError
  > {
    var cursor = Slot<String>.missing
    var hasMore = Slot<Bool>.missing
    var tryLater = Slot<Bool>.missing
    var items = Slot<RawEntries>.missing
    var itemsFailure: PageParseError?
    if scanner.enter(closing: UInt8(ascii: "}")) {
      repeat {
        let key = try scanner.key()
        switch scanner.withBytes(of: key, PageField.init) {
        case .cursor: try scanner.fill(&cursor, depth: 1)
        case .hasMore: try scanner.fill(&hasMore, depth: 1)
        case .tryLater: try scanner.fill(&tryLater, depth: 1)
        case .items where items.isMissing:
          (items, itemsFailure) = try self.items(&scanner)
        case .items, nil: try scanner.skipValue(depth: 1)
        }
      } while try scanner.next(closing: UInt8(ascii: "}"))
    }
    func failure(_ path: String, _ problem: String) -> Result<ReportPage, PageParseError> {
      .failure(PageParseError(path: path, problem: problem))
    }
    var page = ReportPage(items: [])
    switch cursor {
    case .value(let text): page.cursor = text
    case .wrongType: return failure("cursor", "expected a string")
    case .missing, .null: break
    }
    if case .wrongType = hasMore { return failure("hasMore", "expected a boolean") }
    if case .wrongType = tryLater { return failure("tryLater", "expected a boolean") }
    if case .value(true) = hasMore { page.hasMore = true }
    if case .value(true) = tryLater { page.tryLater = true }
    switch items {
    case .missing: return failure("items", "required field is missing")
    case .null: return failure("items", "expected an array, found null")
    case .wrongType: return failure("items", "expected an array")
    case .value(let entries):
      if let itemsFailure { return .failure(itemsFailure) }
      page.rawEntries = entries
      return .success(page)
    }
  }

  /// The keys of the last entry, by position (the first 16): entries of a page almost always
  /// list the same keys in the same order. Held as raw values, a byte each, in two words.
  struct KeyOrder {
    private var low = UInt64.max
    private var high = UInt64.max

    /// The raw value of the field at `position`, `0xFF` for none.
    @inline(__always)
    func raw(at position: Int) -> UInt8 {
      guard position < 16 else { return .max }
      let word = position < 8 ? low : high
      return UInt8(truncatingIfNeeded: word >> UInt64((position & 7) * 8))
    }

    @inline(__always)
    mutating func set(_ raw: UInt8, at position: Int) {
      guard position < 16 else { return }
      let shift = UInt64((position & 7) * 8)
      let mask = ~(UInt64(0xFF) << shift)
      if position < 8 {
        low = low & mask | UInt64(raw) << shift
      } else {
        high = high & mask | UInt64(raw) << shift
      }
    }
  }

  /// The `items` array, with the first entry's problem (the rest of the array is only scanned).
  private static func items(_ scanner: inout Scanner) throws(PageParseError) -> (
    Slot<RawEntries>, PageParseError?
  ) {
    guard scanner.current == UInt8(ascii: "[") else {
      var slot = Slot<RawEntries>.missing
      try scanner.fillNullOrWrongType(&slot, depth: 1)
      return (slot, nil)
    }
    var builder = RawEntries.Builder(copying: scanner.bytes)
    var entries: [RawEntry] = []
    var failure: PageParseError?
    guard scanner.enter(closing: UInt8(ascii: "]")) else {
      return (.value(RawEntries(bytes: [], entries: [])), nil)
    }
    var index = 0
    var order = KeyOrder()
    repeat {
      if failure == nil, scanner.current == UInt8(ascii: "{") {
        let slots = try EntrySlots(&scanner, order: &order)
        do {
          entries.append(try slots.entry(at: index, scanner: scanner, builder: &builder))
        } catch {
          failure = error
        }
      } else {
        if failure == nil {
          failure = PageParseError(path: "items[\(index)]", problem: notAnObject(scanner.current))
        }
        try scanner.skipValue(depth: 2)
      }
      index += 1
    } while try scanner.next(closing: UInt8(ascii: "]"))
    return (.value(RawEntries(bytes: builder.bytes, entries: entries)), failure)
  }

  /// Foundation's problem for a value starting with `byte` where an object is required.
  private static func notAnObject(_ byte: UInt8) -> String {
    byte == UInt8(ascii: "n")
      ? "expected Dictionary<String, Any>, found null" : "expected Dictionary<String, Any>"
  }

  /// Whether `key` is the bytes of `literal`.
  @inline(__always)
  static func matches(_ key: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard key.count == literal.utf8CodeUnitCount else { return false }
    let expected = literal.utf8Start
    for offset in 0..<key.count where key[offset] != expected[offset] { return false }
    return true
  }

  /// The keys of a page that are read.
  private enum PageField {
    case cursor, hasMore, tryLater, items

    init?(_ key: UnsafeBufferPointer<UInt8>) {
      if matches(key, "items") {
        self = .items
      } else if matches(key, "cursor") {
        self = .cursor
      } else if matches(key, "hasMore") {
        self = .hasMore
      } else if matches(key, "tryLater") {
        self = .tryLater
      } else {
        return nil
      }
    }
  }
}

extension PageParser {
  /// The fields of one entry as found.
  struct EntrySlots {
    var pspReference = Slot<StringToken>.missing
    var time = Slot<StringToken>.missing
    var ledgerDate = Slot<StringToken>.missing
    var entryType = Slot<StringToken>.missing
    var reference = Slot<StringToken>.missing
    var currency = Slot<StringToken>.missing
    var amount = Slot<Int64>.missing
    var balanceBefore = Slot<Int64>.missing
    var balanceAfter = Slot<Int64>.missing
    var recipientHandle = Slot<StringToken>.missing
    var name = Slot<StringToken>.missing
    var message = Slot<StringToken>.missing
    var maskedPhoneNo = Slot<StringToken>.missing

    /// Scans the entry object at `{`; `order` is the previous entry's keys, and becomes this
    /// one's.
    init(_ scanner: inout Scanner, order: inout KeyOrder) throws(PageParseError) {
      guard scanner.enter(closing: UInt8(ascii: "}")) else { return }
      var position = 0
      repeat {
        // The key the previous entry had here, checked with one comparison; any other key (or
        // an escaped spelling of this one) is scanned.
        let predicted = order.raw(at: position)
        let field: Field?
        if Int(predicted) < Field.all.count,
          scanner.consumeKey(Field.quotedKeys[Int(predicted)])
        {
          field = Field.all[Int(predicted)]
        } else {
          let key = try scanner.key()
          field = scanner.withBytes(of: key, Field.init)
          // The order is written only when it changes.
          order.set(field?.rawValue ?? .max, at: position)
        }
        position += 1
        let depth = 3
        switch field {
        case .pspReference: try scanner.fill(&pspReference, depth: depth)
        case .time: try scanner.fill(&time, depth: depth)
        case .ledgerDate: try scanner.fill(&ledgerDate, depth: depth)
        case .entryType: try scanner.fill(&entryType, depth: depth)
        case .reference: try scanner.fill(&reference, depth: depth)
        case .currency: try scanner.fill(&currency, depth: depth)
        case .amount: try scanner.fill(&amount, depth: depth)
        case .balanceBefore: try scanner.fill(&balanceBefore, depth: depth)
        case .balanceAfter: try scanner.fill(&balanceAfter, depth: depth)
        case .recipientHandle: try scanner.fill(&recipientHandle, depth: depth)
        case .name: try scanner.fill(&name, depth: depth)
        case .message: try scanner.fill(&message, depth: depth)
        case .maskedPhoneNo: try scanner.fill(&maskedPhoneNo, depth: depth)
        case nil: try scanner.skipValue(depth: depth)
        }
      } while try scanner.next(closing: UInt8(ascii: "}"))
    }

    /// The entry, checking fields in the order `LedgerEntry.init(from:)` decodes them; text
    /// fields become ranges of `builder`'s bytes (a copy of the scanner's), escaped ones unescaped
    /// at its end.
    func entry(at index: Int, scanner: Scanner, builder: inout RawEntries.Builder)
      throws(PageParseError) -> RawEntry
    {
      func problem(_ field: String, _ text: String) -> PageParseError {
        PageParseError(path: "items[\(index)].\(field)", problem: text)
      }
      func range(_ token: StringToken) -> TextRange {
        if token.isEscaped { return builder.append(scanner.text(token)) }
        return TextRange(start: Int32(token.start), count: Int32(token.end - token.start))
      }
      func required(_ slot: Slot<StringToken>, _ field: String) throws(PageParseError)
        -> StringToken
      {
        switch slot {
        case .value(let token): return token
        case .missing: throw problem(field, "required field is missing")
        case .null: throw problem(field, "expected a string, found null")
        case .wrongType: throw problem(field, "expected a string")
        }
      }
      func optional(_ slot: Slot<StringToken>, _ field: String) throws(PageParseError)
        -> StringToken?
      {
        switch slot {
        case .value(let token): return token
        case .missing, .null: return nil
        case .wrongType: throw problem(field, "expected a string")
        }
      }
      func optionalRange(_ slot: Slot<StringToken>, _ field: String) throws(PageParseError)
        -> TextRange
      {
        try optional(slot, field).map(range) ?? .absent
      }
      func minorUnits(_ slot: Slot<Int64>, _ field: String) throws(PageParseError) -> Int64 {
        switch slot {
        case .value(let amount): return amount
        case .missing: throw problem(field, "required field is missing")
        case .null, .wrongType:
          throw problem(field, "expected an integer amount in minor units (64-bit)")
        }
      }
      let pspReference = range(try required(pspReference, "pspReference"))
      let timeToken = try required(time, "time")
      guard let timeMicroseconds = scanner.withBytes(of: timeToken, EntryTime.epochMicroseconds)
      else {
        throw problem("time", "unrecognised date-time '\(scanner.text(timeToken))'")
      }
      var ledgerDate: LedgerDate?
      if let token = try optional(self.ledgerDate, "ledgerDate") {
        guard let date = scanner.withBytes(of: token, LedgerDate.init(utf8:)) else {
          throw problem(
            "ledgerDate", "invalid date '\(scanner.text(token))', expected YYYY-MM-DD")
        }
        ledgerDate = date
      }
      let entryType = scanner.withBytes(
        of: try required(entryType, "entryType"), EntryType.init(utf8:))
      let reference = try optionalRange(reference, "reference")
      let currency = range(try required(currency, "currency"))
      let amount = try minorUnits(amount, "amount")
      let balanceBefore = try minorUnits(balanceBefore, "balanceBefore")
      let balanceAfter = try minorUnits(balanceAfter, "balanceAfter")
      return RawEntry(
        pspReference: pspReference, time: range(timeToken), reference: reference,
        currency: currency,
        recipientHandle: try optionalRange(recipientHandle, "recipientHandle"),
        name: try optionalRange(name, "name"), message: try optionalRange(message, "message"),
        maskedPhoneNo: try optionalRange(maskedPhoneNo, "maskedPhoneNo"), entryType: entryType,
        ledgerDate: ledgerDate, timeMicroseconds: timeMicroseconds, amount: amount,
        balanceBefore: balanceBefore, balanceAfter: balanceAfter)
    }

    /// The keys of an entry that are read.
    enum Field: UInt8 {
      case pspReference, time, ledgerDate, entryType, reference, currency, amount, balanceBefore,
        balanceAfter, recipientHandle, name, message, maskedPhoneNo

      /// Every field, by raw value.
      static let all: [Field] = [
        .pspReference, .time, .ledgerDate, .entryType, .reference, .currency, .amount,
        .balanceBefore, .balanceAfter, .recipientHandle, .name, .message, .maskedPhoneNo,
      ]

      /// Each field's key in quotes, by raw value.
      static let quotedKeys: [StaticString] = [
        #""pspReference""#, #""time""#, #""ledgerDate""#, #""entryType""#, #""reference""#,
        #""currency""#, #""amount""#, #""balanceBefore""#, #""balanceAfter""#,
        #""recipientHandle""#, #""name""#, #""message""#, #""maskedPhoneNo""#,
      ]

      init?(_ key: UnsafeBufferPointer<UInt8>) {
        let field: Field?
        switch key.count {
        case 4: field = matches(key, "time") ? .time : matches(key, "name") ? .name : nil
        case 6: field = matches(key, "amount") ? .amount : nil
        case 7: field = matches(key, "message") ? .message : nil
        case 8: field = matches(key, "currency") ? .currency : nil
        case 9:
          field =
            matches(key, "entryType") ? .entryType : matches(key, "reference") ? .reference : nil
        case 10: field = matches(key, "ledgerDate") ? .ledgerDate : nil
        case 12:
          field =
            matches(key, "pspReference")
            ? .pspReference : matches(key, "balanceAfter") ? .balanceAfter : nil
        case 13:
          field =
            matches(key, "balanceBefore")
            ? .balanceBefore : matches(key, "maskedPhoneNo") ? .maskedPhoneNo : nil
        case 15: field = matches(key, "recipientHandle") ? .recipientHandle : nil
        default: field = nil
        }
        guard let field else { return nil }
        self = field
      }
    }
  }
}

extension PageParser.Scanner {
  /// Fills a string slot that is still missing, else skips the value.
  @inline(__always)
  mutating func fill(_ slot: inout PageParser.Slot<String>, depth: Int) throws(PageParseError) {
    guard slot.isMissing, current == UInt8(ascii: "\"") else {
      return try fillNullOrWrongType(&slot, depth: depth)
    }
    slot = .value(text(try string()))
  }

  /// Fills a string-token slot that is still missing, else skips the value.
  @inline(__always)
  mutating func fill(_ slot: inout PageParser.Slot<PageParser.StringToken>, depth: Int)
    throws(PageParseError)
  {
    guard slot.isMissing, current == UInt8(ascii: "\"") else {
      return try fillNullOrWrongType(&slot, depth: depth)
    }
    slot = .value(try string())
  }

  /// Fills a boolean slot that is still missing, else skips the value.
  mutating func fill(_ slot: inout PageParser.Slot<Bool>, depth: Int) throws(PageParseError) {
    guard slot.isMissing else { return try skipValue(depth: depth) }
    switch current {
    case UInt8(ascii: "t"):
      try literal("true")
      slot = .value(true)
    case UInt8(ascii: "f"):
      try literal("false")
      slot = .value(false)
    default:
      try fillNullOrWrongType(&slot, depth: depth)
    }
  }

  /// Fills an integer slot that is still missing, else skips the value; a number that is not
  /// an `Int64` integer counts as the wrong type.
  @inline(__always)
  mutating func fill(_ slot: inout PageParser.Slot<Int64>, depth: Int) throws(PageParseError) {
    guard slot.isMissing, current == UInt8(ascii: "-") || current &- 48 < 10 else {
      return try fillNullOrWrongType(&slot, depth: depth)
    }
    slot = try number().map { .value($0) } ?? .wrongType
  }

  /// Fills a slot that is still missing with `null` or the wrong type, or skips the value.
  mutating func fillNullOrWrongType<Value>(_ slot: inout PageParser.Slot<Value>, depth: Int)
    throws(PageParseError)
  {
    let isMissing = slot.isMissing
    if isMissing { slot = current == UInt8(ascii: "n") ? .null : .wrongType }
    try skipValue(depth: depth)
  }
}
