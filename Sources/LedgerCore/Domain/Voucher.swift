/// Where a journal line came from in the Vipps data.
public struct LineSource: Hashable, Sendable {
  public var ledgerID: LedgerID
  public var topic: Topic
  public var ledgerDate: LedgerDate
  public var entryType: EntryType
  /// The entry's `pspReference`; `nil` on aggregated (daily) lines.
  public var pspReference: String?
  /// The entry's `reference`; `nil` on aggregated lines.
  public var reference: String?
  /// The entry's `recipientHandle` (sales unit); on daily lines the shared handle, if any.
  public var salesUnit: String?
  /// 1-based position of the entry in its ledger date and topic; `nil` on aggregated lines.
  public var position: Int?
  /// How many entries the line sums (1 for entry vouchers).
  public var entryCount: Int

  public init(
    ledgerID: LedgerID, topic: Topic, ledgerDate: LedgerDate, entryType: EntryType,
    pspReference: String?, reference: String?, salesUnit: String?, position: Int?,
    entryCount: Int = 1
  ) {
    self.ledgerID = ledgerID
    self.topic = topic
    self.ledgerDate = ledgerDate
    self.entryType = entryType
    self.pspReference = pspReference
    self.reference = reference
    self.salesUnit = salesUnit
    self.position = position
    self.entryCount = entryCount
  }
}

/// VAT treatment of a journal line.
public struct VATInfo: Hashable, Sendable {
  /// The merchant's / SAF-T standard tax code, e.g. `3`.
  public var code: String
  /// Rate in hundredths of a percent: 2500 = 25 %.
  public var rateBasisPoints: Int64
  /// The base (net amount) the VAT was computed on, signed like the line.
  public var baseMinorUnits: Int64

  public init(code: String, rateBasisPoints: Int64, baseMinorUnits: Int64) {
    self.code = code
    self.rateBasisPoints = rateBasisPoints
    self.baseMinorUnits = baseMinorUnits
  }
}

/// What a journal line is in its voucher.
public enum LineRole: String, Hashable, Sendable, Comparable {
  /// The entry's amount on its topic's clearing account.
  case home
  /// The opposite on the contra account (net of VAT when VAT is split off).
  case contra
  /// The VAT split off the contra amount, on the VAT account.
  case vat

  public static func < (lhs: LineRole, rhs: LineRole) -> Bool {
    let order: [LineRole] = [.home, .contra, .vat]
    return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
  }
}

/// One line of a voucher: a signed amount on one account (positive = debit, negative = credit).
public struct JournalLine: Hashable, Sendable {
  public var account: AccountID
  public var accountName: String
  /// Signed minor units: > 0 debit, < 0 credit.
  public var amount: Int64
  public var currency: String
  public var role: LineRole
  /// Set on VAT lines and on net lines whose VAT was split off.
  public var vat: VATInfo?
  public var description: String
  /// Dimension name → value (e.g. `department` → `10`).
  public var dimensions: [String: String]
  public var source: LineSource

  public init(
    account: AccountID, accountName: String, amount: Int64, currency: String,
    role: LineRole = .contra, vat: VATInfo? = nil, description: String,
    dimensions: [String: String] = [:], source: LineSource
  ) {
    self.account = account
    self.accountName = accountName
    self.amount = amount
    self.currency = currency
    self.role = role
    self.vat = vat
    self.description = description
    self.dimensions = dimensions
    self.source = source
  }

  /// Debit amount (≥ 0), zero on credit lines.
  public var debit: Int64 { amount > 0 ? amount : 0 }
  /// Credit amount (≥ 0), zero on debit lines; `Int64.min` (whose magnitude has no `Int64`)
  /// saturates at `Int64.max` — the pipeline rejects such totals before they are written.
  public var credit: Int64 { amount < 0 ? (amount == .min ? .max : -amount) : 0 }
}

/// A balanced journal voucher: the lines' amounts sum to zero.
public struct Voucher: Hashable, Sendable {
  /// Stable, deterministic, at most 70 characters.
  public var id: String
  /// The ledger date the voucher is dated.
  public var date: LedgerDate
  public var ledgerID: LedgerID
  public var description: String
  public var lines: [JournalLine]

  public init(
    id: String, date: LedgerDate, ledgerID: LedgerID, description: String, lines: [JournalLine]
  ) {
    self.id = id
    self.date = date
    self.ledgerID = ledgerID
    self.description = description
    self.lines = lines
  }

  /// Whether debits equal credits (computed without overflow).
  public var isBalanced: Bool {
    var total: Int128 = 0
    for line in lines { total += Int128(line.amount) }
    return total == 0
  }
}
