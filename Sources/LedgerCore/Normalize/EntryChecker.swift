/// The normalize stage's checks for one ledger and topic, fed entries in order across dates.
///
/// Checks `balanceAfter == balanceBefore + amount`, continuity from entry to entry and from one date
/// to the next, the currency against the ledger's, the entry's `ledgerDate` against the requested
/// date, and entries delivered twice within a date (e.g. repeated across pages).
public struct EntryChecker: Sendable {
  public let ledgerID: LedgerID
  public let topic: Topic
  /// The ledger's currency; when `nil` the first entry's currency is adopted.
  public private(set) var currency: String?
  /// `balanceAfter` of the last entry seen, carried across dates.
  public private(set) var lastBalance: Int64?
  private var lastWhere: String?
  private var seen: Set<EntryKey> = []
  private var seenDate: LedgerDate?

  private struct EntryKey: Hashable {
    var pspReference: String
    var entryType: EntryType
    var time: String
    var amount: Int64
    var balanceBefore: Int64
    var balanceAfter: Int64
  }

  /// - Parameter lastBalance: The balance the previous (already exported) date ended with, so the
  ///   chain is checked across runs too.
  public init(ledgerID: LedgerID, topic: Topic, currency: String?, lastBalance: Int64? = nil) {
    self.ledgerID = ledgerID
    self.topic = topic
    self.currency = currency
    self.lastBalance = lastBalance
    if lastBalance != nil { lastWhere = "the last exported date" }
  }

  /// Checks one entry; returns the problems found (empty when the entry is sound).
  ///
  /// - Parameters:
  ///   - entry: The decoded entry.
  ///   - date: The ledger date that was requested.
  ///   - position: 1-based position within the date and topic.
  public mutating func check(_ entry: LedgerEntry, date: LedgerDate, position: Int) -> [Diagnostic]
  {
    var problems: [Diagnostic] = []
    func fail(_ code: String, _ message: String) {
      problems.append(
        Diagnostic(
          .error, code: code, message, ledgerID: ledgerID, topic: topic, date: date,
          position: position))
    }
    if seenDate != date {
      seen.removeAll(keepingCapacity: true)
      seenDate = date
    }
    let key = EntryKey(
      pspReference: entry.pspReference, entryType: entry.entryType, time: entry.time.raw,
      amount: entry.amount, balanceBefore: entry.balanceBefore, balanceAfter: entry.balanceAfter)
    if !seen.insert(key).inserted {
      fail(
        "duplicate-entry",
        "entry \(entry.entryType) \(entry.pspReference) at \(entry.time.raw) was delivered twice")
      return problems
    }
    if let ledgerDate = entry.ledgerDate, ledgerDate != date {
      fail("ledger-date", "entry has ledgerDate \(ledgerDate), but date \(date) was requested")
    }
    if let currency {
      if entry.currency != currency {
        fail("currency", "entry currency \(entry.currency) differs from the ledger's \(currency)")
      }
    } else {
      currency = entry.currency
    }
    let (sum, overflow) = entry.balanceBefore.addingReportingOverflow(entry.amount)
    if overflow || sum != entry.balanceAfter {
      fail(
        "balance-arithmetic",
        "balanceBefore \(entry.balanceBefore) + amount \(entry.amount) != balanceAfter \(entry.balanceAfter) (\(entry.entryType) \(entry.pspReference))"
      )
    }
    if let lastBalance, entry.balanceBefore != lastBalance {
      fail(
        "balance-chain",
        "balance chain broken: balanceBefore \(entry.balanceBefore) but the previous entry (\(lastWhere ?? "?")) ended at \(lastBalance)"
      )
    }
    lastBalance = entry.balanceAfter
    lastWhere = "\(date) entry \(position)"
    return problems
  }
}
