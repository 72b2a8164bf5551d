import Foundation

/// The mapper's hot path: maps a ``RawEntry`` into a reused ``VoucherFrame`` with no string per
/// entry, giving exactly what ``Mapper/map(_:ledger:topic:date:position:)`` gives (the property
/// tests compare the two on random ledgers and profiles).
///
/// Text comparisons are byte comparisons when both sides are ASCII; otherwise they go through
/// `String`, so canonically equivalent Unicode compares equal, as it does in ``Mapper``.
struct FrameMapper {
  /// An account with its text (in ``constants``), and its index in ``accounts`` for the totals.
  struct Account {
    var id: UnsafeBufferPointer<UInt8>
    var name: UnsafeBufferPointer<UInt8>
    var index: Int
    /// The ID as spelled here, in ``spellings`` (one account may be spelled in two Unicode
    /// forms; totals keep the spelling that reached them first, as a `Dictionary` does).
    var spelling: Int
  }

  /// ``MappingProfile/Dimension/value(for:)`` on bytes: a short list of sales units is searched
  /// by their NFC bytes (canonically equivalent texts have equal NFC bytes, as `String`
  /// compares), a long one through the dimension's `String` dictionary.
  struct DimensionTable {
    let dimension: MappingProfile.Dimension
    private var keys: [(key: [UInt8], value: [UInt8])] = []
    private let searchesBytes: Bool

    init(_ dimension: MappingProfile.Dimension) {
      self.dimension = dimension
      searchesBytes = dimension.bySalesUnit.count <= 16
      for (key, value) in dimension.bySalesUnit {
        keys.append((canonicalBytes(key), Array(value.utf8)))
      }
    }

    /// Appends the value for the sales unit `handle` to `frame`; `nil` when there is none.
    func value(for handle: UnsafeBufferPointer<UInt8>?, into frame: inout VoucherFrame)
      -> TextRange?
    {
      guard let handle, searchesBytes else {
        let text = handle.map { String(decoding: $0, as: UTF8.self) }
        return dimension.value(for: text).map { frame.add($0) }
      }
      return withCanonicalBytes(handle) { handle in
        for (key, value) in keys where key.count == handle.count {
          if key.withUnsafeBufferPointer({ $0.elementsEqual(handle) }) {
            return value.withUnsafeBufferPointer { frame.add($0) }
          }
        }
        return dimension.defaultValue.map { frame.add($0) }
      }
    }
  }

  /// A set of texts, held as NFC bytes so that canonically equivalent texts match, as in a
  /// `Set<String>` (U+212A KELVIN SIGN is the ASCII `K`).
  struct TextSet {
    var members: [[UInt8]] = []

    init(_ members: Set<String>) {
      self.members = members.map(canonicalBytes)
    }

    func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
      withCanonicalBytes(bytes) { bytes in
        for member in members where member.count == bytes.count {
          if member.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) { return true }
        }
        return false
      }
    }
  }

  struct Rule {
    var name: String
    var topic: Topic?
    /// Known entry types by ``EntryType/knownIndex`` bit, plus the unknown ones by value.
    var typeMask: UInt32
    var unknownTypes: Set<EntryType>
    var anyType: Bool
    var sign: MappingProfile.Sign
    var currencies: TextSet?
    var salesUnits: TextSet?
    var reference: MappingProfile.ReferencePattern?
    var contra: Account
    var vat:
      (
        code: UnsafeBufferPointer<UInt8>, rate: Int64, account: Account,
        accountName: UnsafeBufferPointer<UInt8>
      )?
    var template: FrameTemplate
    /// The rule's dimensions, sorted by name in UTF-8 byte order, without repeats.
    var dimensions: [(name: [UInt8], dimension: DimensionTable)]
  }

  let ledger: LedgerID
  /// Owns the constant text the mapper copies into frames (accounts, VAT codes, template
  /// literals), so that reading a rule's parts costs no reference counting per entry.
  private let constants: ConstantBytes
  private let ledgerBytes: [UInt8]
  /// Whether the ledger ID is ASCII without CR (one character per byte, so a voucher ID's length
  /// is its byte count).
  private let ledgerIsPlain: Bool
  /// Every account the mapper can post to, indexed by ``Account/index``.
  let accounts: [AccountID]
  /// Every spelling of an account ID the mapper writes.
  let spellings: [AccountID]
  private let home: [Account]
  private let suspense: [Account]
  private let rules: [Rule]
  private let suspenseTemplate: FrameTemplate

  init(profile: MappingProfile, ledger: LedgerID) {
    self.ledger = ledger
    let constants = ConstantBytes()
    self.constants = constants
    ledgerBytes = Array(ledger.rawValue.utf8)
    ledgerIsPlain = ledger.rawValue.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D }
    var indices: [AccountID: Int] = [:]
    var accounts: [AccountID] = []
    var spellings: [AccountID] = []
    func account(_ id: AccountID, name: String? = nil) -> Account {
      let index: Int
      if let known = indices[id] {
        index = known
      } else {
        index = accounts.count
        indices[id] = index
        accounts.append(id)
      }
      let bytes = Array(id.rawValue.utf8)
      let spelling =
        spellings.firstIndex { Array($0.rawValue.utf8) == bytes }
        ?? {
          spellings.append(id); return spellings.count - 1
        }()
      return Account(
        id: constants.store(bytes),
        name: constants.store(Array((name ?? profile.accounts[id]?.name ?? "").utf8)),
        index: index, spelling: spelling)
    }
    home = Topic.allCases.map { account(profile.clearing[$0]) }
    suspense = Topic.allCases.map { account(profile.suspense[$0]) }
    rules = profile.rules.map { rule in
      var mask: UInt32 = 0
      var unknown: Set<EntryType> = []
      for type in rule.match.entryTypes ?? [] {
        if let index = type.knownIndex { mask |= 1 << index } else { unknown.insert(type) }
      }
      let vat = rule.vat.map { vat in
        let target = account(vat.account ?? rule.contra)
        return (
          code: constants.store(Array(vat.code.utf8)),
          rate: vat.rateBasisPoints ?? profile.vatCodes[vat.code]?.rateBasisPoints ?? 0,
          account: target,
          accountName: constants.store(
            Array((vat.account.flatMap { profile.accounts[$0]?.name } ?? "").utf8))
        )
      }
      var names: [String] = []
      for name in rule.dimensions where profile.dimensions[name] != nil && !names.contains(name) {
        names.append(name)
      }
      names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      return Rule(
        name: rule.name, topic: rule.match.topic, typeMask: mask, unknownTypes: unknown,
        anyType: rule.match.entryTypes == nil, sign: rule.match.sign,
        currencies: rule.match.currencies.map(TextSet.init),
        salesUnits: rule.match.salesUnits.map(TextSet.init), reference: rule.match.reference,
        contra: account(rule.contra), vat: vat,
        template: FrameTemplate(rule.description ?? .ruleDefault, constants: constants),
        dimensions: names.map { (Array($0.utf8), DimensionTable(profile.dimensions[$0]!)) })
    }
    self.accounts = accounts
    self.spellings = spellings
    suspenseTemplate = FrameTemplate(.suspense, constants: constants)
  }

  private static let noSalesUnit = Array(MappingProfile.Match.noSalesUnit.utf8)

  private func matches(
    _ ruleIndex: Int, _ entry: RawEntry, topic: Topic, bytes: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    if let wanted = rules[ruleIndex].topic, wanted != topic { return false }
    if !rules[ruleIndex].anyType {
      if let index = entry.entryType.knownIndex {
        if rules[ruleIndex].typeMask & (1 << index) == 0 { return false }
      } else if !rules[ruleIndex].unknownTypes.contains(entry.entryType) {
        return false
      }
    }
    if !rules[ruleIndex].sign.matches(entry.amount) { return false }
    if rules[ruleIndex].currencies != nil,
      !rules[ruleIndex].currencies!.contains(bytes.slice(entry.currency))
    {
      return false
    }
    if rules[ruleIndex].salesUnits != nil {
      let found =
        entry.recipientHandle.isAbsent
        ? Self.noSalesUnit.withUnsafeBufferPointer { rules[ruleIndex].salesUnits!.contains($0) }
        : rules[ruleIndex].salesUnits!.contains(bytes.slice(entry.recipientHandle))
      if !found { return false }
    }
    if rules[ruleIndex].reference != nil {
      let text = String(decoding: bytes.slice(entry.reference), as: UTF8.self)
      if !rules[ruleIndex].reference!.matches(text) { return false }
    }
    return true
  }

  /// The outcome of mapping one entry.
  enum Outcome {
    /// The frame holds the voucher; the rule's name, `nil` for suspense.
    case mapped(rule: String?)
    /// The entry cannot be mapped; ``Mapper`` gives the error (same conditions).
    case failed
  }

  /// Maps entry `entry` (whose text is in `bytes`) into `frame`.
  func map(
    _ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>, topic: Topic, date: LedgerDate,
    position: Int, into frame: inout VoucherFrame
  ) -> Outcome {
    guard position >= 0, entry.amount != .min else { return .failed }
    let contraAmount = 0 - entry.amount
    let positionDigits = max(5, decimalDigits(position))
    if ledgerIsPlain {
      guard ledgerBytes.count + 11 + positionDigits <= 70 else { return .failed }
    } else {
      let id = Mapper.voucherID(ledger: ledger, topic: topic, date: date, position: position)
      guard id.count <= 70 else { return .failed }
    }
    frame.reset()
    frame.date = date
    // Voucher ID: <ledger>-<YYYYMMDD>-<F|G><position, at least 5 digits>.
    let idStart = frame.text.count
    frame.text.append(ledgerBytes)
    frame.text.append(UInt8(ascii: "-"))
    frame.text.appendDigits(date.year, width: 4)
    frame.text.appendDigits(date.month, width: 2)
    frame.text.appendDigits(date.day, width: 2)
    frame.text.append(UInt8(ascii: "-"), topic == .funds ? UInt8(ascii: "F") : UInt8(ascii: "G"))
    frame.text.appendDigits(position, width: 5)
    frame.id = TextRange(start: Int32(idStart), count: Int32(frame.text.count - idStart))
    frame.ledgerID = TextRange(start: Int32(idStart), count: Int32(ledgerBytes.count))

    let currency = frame.add(bytes.slice(entry.currency))
    let entryType = frame.addEntryType(entry.entryType)
    let source = VoucherFrame.Source(
      ledgerID: frame.ledgerID, topic: topic, ledgerDate: date, entryType: entryType,
      pspReference: frame.add(bytes.slice(entry.pspReference)),
      reference: entry.reference.isAbsent ? .absent : frame.add(bytes.slice(entry.reference)),
      salesUnit: entry.recipientHandle.isAbsent
        ? .absent : frame.add(bytes.slice(entry.recipientHandle)),
      position: position, entryCount: 1)

    var matchedIndex = -1
    for index in rules.indices where matches(index, entry, topic: topic, bytes: bytes) {
      matchedIndex = index
      break
    }
    let description = (matchedIndex >= 0 ? rules[matchedIndex].template : suspenseTemplate).render(
      entry, bytes: bytes, ledger: ledgerBytes, topic: topic, date: date, into: &frame)
    frame.description = description

    let template = LineTemplate(currency: currency, description: description, source: source)
    let topicIndex = topic == .funds ? 0 : 1
    template.append(home[topicIndex], entry.amount, role: .home, to: &frame)
    guard matchedIndex >= 0 else {
      template.append(suspense[topicIndex], contraAmount, role: .contra, to: &frame)
      return .mapped(rule: nil)
    }
    let dimensionStart = frame.dimensions.count
    if !rules[matchedIndex].dimensions.isEmpty {
      let handle = entry.recipientHandle.isAbsent ? nil : bytes.slice(entry.recipientHandle)
      for (name, dimension) in rules[matchedIndex].dimensions {
        guard let value = dimension.value(for: handle, into: &frame) else { continue }
        let nameRange = name.withUnsafeBufferPointer { frame.add($0) }
        frame.dimensions.append((nameRange, value))
      }
    }
    let dimensions = dimensionStart..<frame.dimensions.count
    if let vat = rules[matchedIndex].vat {
      let (net, vatAmount) = Mapper.splitVAT(gross: contraAmount, rateBasisPoints: vat.rate)
      let code = frame.add(vat.code)
      template.append(
        rules[matchedIndex].contra, net, role: .contra, vat: (code, vat.rate), base: net,
        dimensions: dimensions, to: &frame)
      if vatAmount != 0 {
        template.append(
          vat.account, vatAmount, role: .vat, vat: (code, vat.rate), base: net,
          name: vat.accountName, to: &frame)
      }
    } else {
      template.append(
        rules[matchedIndex].contra, contraAmount, role: .contra, dimensions: dimensions,
        to: &frame)
    }
    return .mapped(rule: rules[matchedIndex].name)
  }

  /// What the lines of one voucher share.
  private struct LineTemplate {
    var currency: TextRange
    var description: TextRange
    var source: VoucherFrame.Source

    @inline(__always)
    func append(
      _ account: Account, _ amount: Int64, role: LineRole,
      vat: (code: TextRange, rate: Int64)? = nil, base: Int64 = 0,
      dimensions: Range<Int> = 0..<0, name: UnsafeBufferPointer<UInt8>? = nil,
      to frame: inout VoucherFrame
    ) {
      var line = VoucherFrame.Line(
        account: frame.add(account.id), accountName: frame.add(name ?? account.name),
        amount: amount, currency: currency, role: role, vatCode: vat?.code ?? .absent,
        vatRate: vat?.rate ?? 0, vatBase: base, description: description,
        dimensions: dimensions, source: source)
      line.accountIndex = account.index
      line.accountSpelling = account.spelling
      frame.lines.append(line)
    }
  }

  private func decimalDigits(_ value: Int) -> Int {
    var digits = 1
    var rest = value
    while rest >= 10 {
      rest /= 10
      digits += 1
    }
    return digits
  }

}

extension UnsafeBufferPointer<UInt8> {
  /// Whether every byte is ASCII.
  var isASCII: Bool {
    for byte in self where byte >= 0x80 { return false }
    return true
  }
}

/// A ``DescriptionTemplate`` prepared for ``FrameMapper``: renders into a frame's bytes exactly
/// what ``DescriptionTemplate/render(_:ledger:topic:date:)`` gives.
struct FrameTemplate {
  enum Segment {
    /// Literal bytes (owned by the mapper's ``ConstantBytes``), and whether the literal is all
    /// whitespace.
    case literal(UnsafeBufferPointer<UInt8>, whitespace: Bool)
    case placeholder(DescriptionTemplate.Placeholder)
  }

  let segments: [Segment]

  init(_ template: DescriptionTemplate, constants: ConstantBytes) {
    segments = template.segments.map { segment in
      switch segment {
      case .literal(let text):
        .literal(
          constants.store(Array(text.utf8)), whitespace: text.allSatisfy(\.isWhitespace))
      case .placeholder(let placeholder): .placeholder(placeholder)
      }
    }
  }

  /// Appends the description to `frame` and returns its range.
  func render(
    _ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>, ledger: [UInt8], topic: Topic,
    date: LedgerDate, into frame: inout VoucherFrame
  ) -> TextRange {
    let start = frame.text.count
    var endsWithEmptyValue = false
    for segment in segments {
      switch segment {
      case .literal(let text, let whitespace):
        frame.text.append(text)
        endsWithEmptyValue = endsWithEmptyValue && whitespace
      case .placeholder(let placeholder):
        let before = frame.text.count
        switch placeholder {
        case .pspReference: _ = frame.add(bytes.slice(entry.pspReference))
        case .reference: _ = frame.add(bytes.slice(entry.reference))
        case .entryType: _ = frame.addEntryType(entry.entryType)
        case .topic: frame.text.append(topic == .funds ? "funds" : "fees")
        case .salesUnit: _ = frame.add(bytes.slice(entry.recipientHandle))
        case .ledgerId: frame.text.append(ledger)
        case .ledgerDate:
          frame.text.appendDate(date)
        case .payoutNumber: Self.appendPayoutNumber(bytes.slice(entry.pspReference), to: &frame)
        case .name: _ = frame.add(bytes.slice(entry.name))
        case .message: _ = frame.add(bytes.slice(entry.message))
        case .currency: _ = frame.add(bytes.slice(entry.currency))
        }
        endsWithEmptyValue = frame.text.count == before
      }
    }
    if endsWithEmptyValue { Self.tidy(&frame.text, from: start) }
    return TextRange(start: Int32(start), count: Int32(frame.text.count - start))
  }

  /// ``LedgerEntry/payoutNumber``: the digits after the last `-` of the pspReference.
  private static func appendPayoutNumber(
    _ psp: UnsafeBufferPointer<UInt8>, to frame: inout VoucherFrame
  ) {
    // Characters are grapheme clusters there: with any non-ASCII byte, ask `String`.
    if !psp.isASCII {
      let entryText = String(decoding: psp, as: UTF8.self)
      let probe = LedgerEntry(
        pspReference: entryText, time: EntryTime(raw: "", epochMicroseconds: 0), ledgerDate: nil,
        entryType: .capture, reference: nil, currency: "", amount: 0, balanceBefore: 0,
        balanceAfter: 0)
      _ = frame.add(probe.payoutNumber)
      return
    }
    guard let dash = psp.lastIndex(of: UInt8(ascii: "-")) else { return }
    let number = UnsafeBufferPointer(rebasing: psp[(dash + 1)...])
    guard !number.isEmpty, number.allSatisfy({ $0 &- 48 < 10 }) else { return }
    _ = frame.add(number)
  }

  /// Drops the separator left dangling by an empty last value, as ``DescriptionTemplate`` does:
  /// trailing whitespace and `:–-,;`, character by character.
  static func tidy(_ text: inout ByteSink, from start: Int) {
    while text.count > start {
      let last = text[text.count - 1]
      // Only a lone ASCII character is decided here; anything else goes through `String`.
      guard last < 0x80, text.count - 1 == start || text[text.count - 2] < 0x80 else {
        var rest = String(
          decoding: UnsafeBufferPointer(rebasing: text.buffer[start...]), as: UTF8.self)
        while let character = rest.last, character.isWhitespace || ":–-,;".contains(character) {
          rest.removeLast()
        }
        text.truncate(to: start)
        rest.withUTF8 { text.append($0) }
        return
      }
      switch last {
      case 0x09...0x0D, 0x20, UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: ","),
        UInt8(ascii: ";"):
        text.truncate(to: text.count - 1)
      default:
        return
      }
    }
  }
}

/// The UTF-8 bytes of `text` in Unicode Normalization Form C: two texts are equal as `String`s
/// exactly when these bytes are equal.
func canonicalBytes(_ text: String) -> [UInt8] {
  if text.utf8.allSatisfy({ $0 < 0x80 }) { return Array(text.utf8) }
  return Array(text.precomposedStringWithCanonicalMapping.utf8)
}

/// Calls `body` with the NFC bytes of `bytes` (the same bytes when they are ASCII, which is NFC).
@inline(__always)
func withCanonicalBytes<R>(
  _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
) rethrows -> R {
  if bytes.isASCII { return try body(bytes) }
  return try canonicalBytes(String(decoding: bytes, as: UTF8.self)).withUnsafeBufferPointer(body)
}

/// Bytes that live as long as their owner, handed out as buffer pointers: copying them around
/// costs no reference counting.
final class ConstantBytes {
  private var blocks: [UnsafeMutableBufferPointer<UInt8>] = []

  /// A copy of `bytes` that lives as long as this object.
  func store(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
    let block = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
    _ = block.initialize(from: bytes)
    blocks.append(block)
    return UnsafeBufferPointer(start: block.baseAddress, count: bytes.count)
  }

  deinit {
    for block in blocks { block.deallocate() }
  }
}
