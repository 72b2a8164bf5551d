/// The normalize stage's checks for one ledger and topic, fed entries in order across dates.
///
/// Checks `balanceAfter == balanceBefore + amount`, continuity from entry to entry and from one date
/// to the next, the currency against the ledger's, the entry's `ledgerDate` against the requested
/// date, and entries delivered twice within a date (e.g. repeated across pages).
///
/// The checks run on an entry's bytes (``RawEntry``); only a failing entry is turned into a
/// ``LedgerEntry`` to word the diagnostics.
public struct EntryChecker: Sendable {
  public let ledgerID: LedgerID
  public let topic: Topic
  /// The ledger's currency; when `nil` the first entry's currency is adopted.
  public private(set) var currency: String? {
    didSet { currencyBytes = currency.map { Array($0.utf8) } ?? [] }
  }
  private var currencyBytes: [UInt8] = []
  /// `balanceAfter` of the last entry seen, carried across dates.
  public private(set) var lastBalance: Int64?
  /// Where `lastBalance` came from: a date and position, or the last exported date (`nil`).
  private var lastPlace: (date: LedgerDate, position: Int)?
  private var seen: DuplicateSet
  private var seenDate: LedgerDate?

  /// - Parameters:
  ///   - lastBalance: The balance the previous (already exported) date ended with, so the chain
  ///     is checked across runs too.
  ///   - scratchDirectory: Where the duplicate check of a very big date keeps its table (see
  ///     ``DuplicateSet``); the temporary directory when `nil`.
  public init(
    ledgerID: LedgerID, topic: Topic, currency: String?, lastBalance: Int64? = nil,
    scratchDirectory: String? = nil
  ) {
    self.init(
      ledgerID: ledgerID, topic: topic, currency: currency, lastBalance: lastBalance,
      duplicates: DuplicateSet(scratchDirectory: scratchDirectory))
  }

  /// An entry checker with its duplicate check as given (the tests make its memory small).
  init(
    ledgerID: LedgerID, topic: Topic, currency: String?, lastBalance: Int64? = nil,
    duplicates: DuplicateSet
  ) {
    seen = duplicates
    self.ledgerID = ledgerID
    self.topic = topic
    self.currency = currency
    self.currencyBytes = currency.map { Array($0.utf8) } ?? []
    self.lastBalance = lastBalance
  }

  /// The date's entries of this topic are all checked: a big duplicate table is freed (the
  /// next date starts a new one anyway).
  mutating func dateEnded() {
    seen.removeAll(releasing: true)
    seenDate = nil
  }

  /// Checks one entry; returns the problems found (empty when the entry is sound).
  ///
  /// - Parameters:
  ///   - entry: The decoded entry.
  ///   - date: The ledger date that was requested.
  ///   - position: 1-based position within the date and topic.
  public mutating func check(_ entry: LedgerEntry, date: LedgerDate, position: Int) -> [Diagnostic]
  {
    let storage = RawEntries([entry])
    return storage.bytes.withUnsafeBufferPointer {
      check(storage.entries[0], bytes: $0, date: date, position: position)
    }
  }

  /// Checks the entry `entry` whose text is in `bytes`; returns the problems found.
  mutating func check(
    _ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>, date: LedgerDate, position: Int
  ) -> [Diagnostic] {
    if seenDate != date {
      seen.removeAll()
      seenDate = date
    }
    let new: Bool
    do {
      new = try seen.insert(entry, bytes: bytes)
    } catch {
      return [diagnostic("duplicate-check", "\(error)", date: date, position: position)]
    }
    if !new {
      let decoded = LedgerEntry(entry, bytes: bytes)
      return [
        diagnostic(
          "duplicate-entry",
          "entry \(decoded.entryType) \(decoded.pspReference) at \(decoded.time.raw) was delivered twice",
          date: date, position: position)
      ]
    }
    var sound = true
    if let ledgerDate = entry.ledgerDate, ledgerDate != date { sound = false }
    let entryCurrency = bytes.slice(entry.currency)
    if currency != nil {
      if !sameText(entryCurrency, currencyBytes) { sound = false }
    } else {
      currency = String(decoding: entryCurrency, as: UTF8.self)
    }
    let (sum, overflow) = entry.balanceBefore.addingReportingOverflow(entry.amount)
    if overflow || sum != entry.balanceAfter { sound = false }
    if let lastBalance, entry.balanceBefore != lastBalance { sound = false }
    let problems =
      sound ? [] : describe(LedgerEntry(entry, bytes: bytes), date: date, position: position)
    lastBalance = entry.balanceAfter
    lastPlace = (date, position)
    return problems
  }

  /// The problems of an entry found unsound, worded.
  private func describe(_ entry: LedgerEntry, date: LedgerDate, position: Int) -> [Diagnostic] {
    var problems: [Diagnostic] = []
    func fail(_ code: String, _ message: String) {
      problems.append(diagnostic(code, message, date: date, position: position))
    }
    if let ledgerDate = entry.ledgerDate, ledgerDate != date {
      fail("ledger-date", "entry has ledgerDate \(ledgerDate), but date \(date) was requested")
    }
    if let currency, entry.currency != currency {
      fail("currency", "entry currency \(entry.currency) differs from the ledger's \(currency)")
    }
    let (sum, overflow) = entry.balanceBefore.addingReportingOverflow(entry.amount)
    if overflow || sum != entry.balanceAfter {
      fail(
        "balance-arithmetic",
        "balanceBefore \(entry.balanceBefore) + amount \(entry.amount) != balanceAfter \(entry.balanceAfter) (\(entry.entryType) \(entry.pspReference))"
      )
    }
    if let lastBalance, entry.balanceBefore != lastBalance {
      let place = lastPlace.map { "\($0.date) entry \($0.position)" } ?? "the last exported date"
      fail(
        "balance-chain",
        "balance chain broken: balanceBefore \(entry.balanceBefore) but the previous entry (\(place)) ended at \(lastBalance)"
      )
    }
    return problems
  }

  private func diagnostic(_ code: String, _ message: String, date: LedgerDate, position: Int)
    -> Diagnostic
  {
    Diagnostic(
      .error, code: code, message, ledgerID: ledgerID, topic: topic, date: date,
      position: position)
  }
}

/// Whether two UTF-8 texts are equal as `String`s are: bytewise when both are ASCII, else
/// canonically (an ASCII text can equal a non-ASCII one: U+212A KELVIN SIGN is `K`).
@inline(__always)
func sameText(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
  other.withUnsafeBufferPointer { other in
    if bytes.elementsEqual(other) { return true }
    if bytes.isASCII && other.isASCII { return false }
    return String(decoding: bytes, as: UTF8.self) == String(decoding: other, as: UTF8.self)
  }
}
