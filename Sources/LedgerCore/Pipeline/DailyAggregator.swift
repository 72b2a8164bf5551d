/// Sums one ledger date's entry vouchers into a single daily voucher.
///
/// Lines are summed per topic, entry type, account, VAT code and dimensions, so account balances
/// are exactly those of the entry vouchers.
struct DailyAggregator {
  private struct Key: Hashable, Comparable {
    var topic: Topic
    var entryType: EntryType
    var role: LineRole
    var account: AccountID
    var vatCode: String?
    var vatRate: Int64?
    var dimensions: [String]

    static func < (lhs: Key, rhs: Key) -> Bool {
      if lhs.topic != rhs.topic { return lhs.topic < rhs.topic }
      if lhs.entryType != rhs.entryType { return lhs.entryType < rhs.entryType }
      if lhs.role != rhs.role { return lhs.role < rhs.role }
      if lhs.account != rhs.account { return lhs.account < rhs.account }
      if lhs.vatCode != rhs.vatCode { return (lhs.vatCode ?? "") < (rhs.vatCode ?? "") }
      if lhs.vatRate != rhs.vatRate { return (lhs.vatRate ?? -1) < (rhs.vatRate ?? -1) }
      return lhs.dimensions.lexicographicallyPrecedes(rhs.dimensions)
    }
  }

  private struct Sum {
    var line: JournalLine
    var amount: Int64
    var base: Int64
    var entries: Set<Int>
    var salesUnits: Set<String?>
  }

  let ledgerID: LedgerID
  let date: LedgerDate
  private var sums: [Key: Sum] = [:]
  private(set) var entryCount = 0

  init(ledgerID: LedgerID, date: LedgerDate) {
    self.ledgerID = ledgerID
    self.date = date
  }

  /// Adds one entry's voucher.
  mutating func add(_ voucher: Voucher) throws {
    entryCount += 1
    for line in voucher.lines {
      let key = Key(
        topic: line.source.topic, entryType: line.source.entryType, role: line.role,
        account: line.account,
        vatCode: line.vat?.code, vatRate: line.vat?.rateBasisPoints,
        dimensions: line.dimensions.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] })
      let position = line.source.position ?? 0
      if var sum = sums[key] {
        sum.amount = try checkedAdd(sum.amount, line.amount)
        sum.base = try checkedAdd(sum.base, line.vat?.baseMinorUnits ?? 0)
        sum.entries.insert(position)
        sum.salesUnits.insert(line.source.salesUnit)
        sums[key] = sum
      } else {
        sums[key] = Sum(
          line: line, amount: line.amount, base: line.vat?.baseMinorUnits ?? 0,
          entries: [position], salesUnits: [line.source.salesUnit])
      }
    }
  }

  /// The daily voucher, or `nil` when the date had no entries.
  func voucher() -> Voucher? {
    guard entryCount > 0 else { return nil }
    var lines: [JournalLine] = []
    for key in sums.keys.sorted() {
      guard let sum = sums[key] else { continue }
      var line = sum.line
      line.amount = sum.amount
      if var vat = line.vat {
        vat.baseMinorUnits = sum.base
        line.vat = vat
      }
      let salesUnit = sum.salesUnits.count == 1 ? sum.salesUnits.first ?? nil : nil
      line.source = LineSource(
        ledgerID: ledgerID, topic: key.topic, ledgerDate: date, entryType: key.entryType,
        pspReference: nil, reference: nil, salesUnit: salesUnit, position: nil,
        entryCount: sum.entries.count)
      let unit = sum.entries.count == 1 ? "entry" : "entries"
      line.description = "Vipps \(key.topic) \(key.entryType), \(sum.entries.count) \(unit)"
      lines.append(line)
    }
    let unit = entryCount == 1 ? "entry" : "entries"
    return Voucher(
      id: "\(ledgerID)-\(date.compact)", date: date, ledgerID: ledgerID,
      description: "Vipps ledger \(ledgerID) \(date), \(entryCount) \(unit)", lines: lines)
  }
}

/// Adds two amounts, throwing when the sum leaves `Int64`.
func checkedAdd(_ a: Int64, _ b: Int64) throws -> Int64 {
  let (sum, overflow) = a.addingReportingOverflow(b)
  if overflow { throw AmountOverflowError() }
  return sum
}

/// A sum of amounts does not fit in 64 bits.
struct AmountOverflowError: Error, CustomStringConvertible {
  var description: String { "amount total exceeds the 64-bit range" }
}
