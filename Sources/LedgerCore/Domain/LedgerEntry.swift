/// One entry of a Report API funds or fees ledger, with every field the API sends.
public struct LedgerEntry: Hashable, Sendable {
  /// Vipps' payment reference; not unique (fees share their capture's).
  public var pspReference: String
  /// Transaction time, raw text plus instant.
  public var time: EntryTime
  /// The ledger (accounting) date.
  public var ledgerDate: LedgerDate?
  public var entryType: EntryType
  /// The merchant's reference (order ID), or the bank text for payouts; may be empty.
  public var reference: String?
  public var currency: String
  /// Signed minor units; the sign is the effect on this ledger's balance.
  public var amount: Int64
  public var balanceBefore: Int64
  public var balanceAfter: Int64
  /// The sales unit (`NO:123455`, `api:123455`, `DK:90601`); `nil` for day-closing entries.
  public var recipientHandle: String?
  /// GDPR-sensitive fields, present only with `includeGDPRSensitiveData=true`.
  public var name: String?
  public var message: String?
  public var maskedPhoneNo: String?

  public init(
    pspReference: String, time: EntryTime, ledgerDate: LedgerDate?, entryType: EntryType,
    reference: String?, currency: String, amount: Int64, balanceBefore: Int64,
    balanceAfter: Int64, recipientHandle: String? = nil, name: String? = nil,
    message: String? = nil, maskedPhoneNo: String? = nil
  ) {
    self.pspReference = pspReference
    self.time = time
    self.ledgerDate = ledgerDate
    self.entryType = entryType
    self.reference = reference
    self.currency = currency
    self.amount = amount
    self.balanceBefore = balanceBefore
    self.balanceAfter = balanceAfter
    self.recipientHandle = recipientHandle
    self.name = name
    self.message = message
    self.maskedPhoneNo = maskedPhoneNo
  }

  /// The payout number of a payout entry (`<ledgerId>-<payoutNumber>`), if the reference has that shape.
  public var payoutNumber: String? {
    guard let dash = pspReference.lastIndex(of: "-") else { return nil }
    let number = pspReference[pspReference.index(after: dash)...]
    guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit) else { return nil }
    return String(number)
  }
}

extension LedgerEntry: Codable {
  enum CodingKeys: String, CodingKey {
    case pspReference, time, ledgerDate, entryType, reference, currency, amount, balanceBefore,
      balanceAfter, recipientHandle, name, message, maskedPhoneNo
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    pspReference = try c.decode(String.self, forKey: .pspReference)
    let timeText = try c.decode(String.self, forKey: .time)
    guard let time = EntryTime(timeText) else {
      throw DecodingError.dataCorruptedError(
        forKey: .time, in: c, debugDescription: "unrecognised date-time '\(timeText)'")
    }
    self.time = time
    ledgerDate = try c.decodeIfPresent(LedgerDate.self, forKey: .ledgerDate)
    entryType = try c.decode(EntryType.self, forKey: .entryType)
    reference = try c.decodeIfPresent(String.self, forKey: .reference)
    currency = try c.decode(String.self, forKey: .currency)
    amount = try c.decodeMinorUnits(forKey: .amount)
    balanceBefore = try c.decodeMinorUnits(forKey: .balanceBefore)
    balanceAfter = try c.decodeMinorUnits(forKey: .balanceAfter)
    recipientHandle = try c.decodeIfPresent(String.self, forKey: .recipientHandle)
    name = try c.decodeIfPresent(String.self, forKey: .name)
    message = try c.decodeIfPresent(String.self, forKey: .message)
    maskedPhoneNo = try c.decodeIfPresent(String.self, forKey: .maskedPhoneNo)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(pspReference, forKey: .pspReference)
    try c.encode(time.raw, forKey: .time)
    try c.encodeIfPresent(ledgerDate, forKey: .ledgerDate)
    try c.encode(entryType, forKey: .entryType)
    try c.encodeIfPresent(reference, forKey: .reference)
    try c.encode(currency, forKey: .currency)
    try c.encode(amount, forKey: .amount)
    try c.encode(balanceBefore, forKey: .balanceBefore)
    try c.encode(balanceAfter, forKey: .balanceAfter)
    try c.encode(recipientHandle, forKey: .recipientHandle)
    try c.encodeIfPresent(name, forKey: .name)
    try c.encodeIfPresent(message, forKey: .message)
    try c.encodeIfPresent(maskedPhoneNo, forKey: .maskedPhoneNo)
  }
}

/// One page of `GET /report/v2/ledgers/{id}/{topic}/dates/{date}` (or of the feed).
///
/// A page decoded by the byte-level parser keeps its entries as ranges of the page's bytes
/// (``rawEntries``); ``items`` turns them into ``LedgerEntry`` values when asked. Pages compare
/// by their values, however they are stored.
public struct ReportPage: Hashable, Sendable, Codable {
  /// Present when `hasMore` is true (dates) or always (feed).
  public var cursor: String?
  /// More pages follow with `cursor`; absent on the feed (decoded as `false`).
  public var hasMore: Bool
  /// The date is still open (dates) or the end of the feed was reached.
  public var tryLater: Bool
  private var storedItems: [LedgerEntry]
  /// The entries as decoded by the byte-level parser, if the page came from it.
  var rawEntries: RawEntries?

  /// The page's entries.
  public var items: [LedgerEntry] {
    get { rawEntries?.items ?? storedItems }
    set {
      storedItems = newValue
      rawEntries = nil
    }
  }

  /// The number of entries, without decoding them.
  public var itemCount: Int { rawEntries?.entries.count ?? storedItems.count }

  /// The last entry's `balanceAfter`, without decoding the entries.
  var lastBalanceAfter: Int64? {
    rawEntries.map { $0.entries.last?.balanceAfter } ?? storedItems.last?.balanceAfter
  }

  /// The entries as ranges of bytes (built from ``items`` when the page was not parsed).
  var raw: RawEntries { rawEntries ?? RawEntries(storedItems) }

  public init(
    cursor: String? = nil, hasMore: Bool = false, tryLater: Bool = false, items: [LedgerEntry]
  ) {
    self.cursor = cursor
    self.hasMore = hasMore
    self.tryLater = tryLater
    self.storedItems = items
  }

  public static func == (lhs: ReportPage, rhs: ReportPage) -> Bool {
    lhs.cursor == rhs.cursor && lhs.hasMore == rhs.hasMore && lhs.tryLater == rhs.tryLater
      && lhs.items == rhs.items
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(cursor)
    hasher.combine(hasMore)
    hasher.combine(tryLater)
    hasher.combine(items)
  }

  enum CodingKeys: String, CodingKey { case cursor, hasMore, tryLater, items }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
    hasMore = try c.decodeIfPresent(Bool.self, forKey: .hasMore) ?? false
    tryLater = try c.decodeIfPresent(Bool.self, forKey: .tryLater) ?? false
    storedItems = try c.decode([LedgerEntry].self, forKey: .items)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeIfPresent(cursor, forKey: .cursor)
    try c.encode(hasMore, forKey: .hasMore)
    try c.encode(tryLater, forKey: .tryLater)
    try c.encode(items, forKey: .items)
  }
}

/// A ledger as listed by `GET /settlement/v1/ledgers`.
public struct Ledger: Hashable, Sendable, Codable {
  public struct Identifier: Hashable, Sendable, Codable {
    public var scheme: String
    public var id: String
    public init(scheme: String, id: String) {
      self.scheme = scheme
      self.id = id
    }
  }
  public struct SalesUnit: Hashable, Sendable, Codable {
    public var name: String?
    public var recipientHandle: String
    public var businessIdentifier: Identifier?
  }
  public var ledgerId: LedgerID
  /// Missing from the 2023 schema; present in every example.
  public var currency: String?
  public var payoutBankAccount: Identifier?
  public var owner: Identifier?
  public var settlesForRecipientHandles: [String]?
  public var salesUnits: [SalesUnit]?

  public init(ledgerId: LedgerID, currency: String?) {
    self.ledgerId = ledgerId
    self.currency = currency
  }
}

/// One page of `GET /settlement/v1/ledgers`.
public struct LedgerListPage: Hashable, Sendable, Codable {
  /// Empty or missing on the last page.
  public var cursor: String?
  public var items: [Ledger]
}

extension KeyedDecodingContainer {
  /// Decodes an integer amount in minor units, naming the field when the value is not one
  /// (Foundation reports a fractional number only as "not valid JSON", without a path).
  func decodeMinorUnits(forKey key: Key) throws -> Int64 {
    do {
      return try decode(Int64.self, forKey: key)
    } catch DecodingError.keyNotFound(let key, let context) {
      throw DecodingError.keyNotFound(key, context)
    } catch {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self,
        debugDescription: "expected an integer amount in minor units (64-bit)")
    }
  }
}
