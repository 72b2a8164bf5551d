/// A small deterministic pseudo-random generator (SplitMix64), so synthetic data is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// One generated ledger date on both topics.
public struct SyntheticDay: Sendable {
  public var date: LedgerDate
  public var funds: [LedgerEntry]
  public var fees: [LedgerEntry]
}

/// Generates a realistic, valid ledger day by day, lazily: captures and refunds across sales
/// units, a capture fee per capture (some landing a day late), `fees-retained` mirrored on both
/// topics, and a `payout-scheduled` closing each day with a positive balance. Balances chain
/// exactly. Used by the benchmark, the property tests and (later) the mock server.
public struct SyntheticLedger: Sendable {
  public let ledgerID: LedgerID
  public let currency: String
  public let salesUnits: [String]
  /// Approximate entries per day over both topics.
  public let entriesPerDay: Int
  private var random: SplitMix64
  private var date: LedgerDate
  private var fundsBalance: Int64 = 0
  private var feesBalance: Int64 = 0
  private var nextPSP: Int64 = 3_000_000_000
  private var payoutNumber = 2_000_001
  private var delayedFees:
    [(psp: String, reference: String, handle: String, time: String, amount: Int64)] = []
  private var recentCaptures: [(psp: String, reference: String, handle: String, amount: Int64)] = []

  public init(
    seed: UInt64, ledgerID: LedgerID = "300119", currency: String = "NOK",
    salesUnits: [String] = ["NO:123455", "NO:123456", "api:654321"], start: LedgerDate,
    entriesPerDay: Int
  ) {
    random = SplitMix64(seed: seed)
    self.ledgerID = ledgerID
    self.currency = currency
    self.salesUnits = salesUnits
    self.entriesPerDay = max(entriesPerDay, 4)
    date = start
  }

  /// The next ledger date's entries.
  public mutating func nextDay() -> SyntheticDay {
    let today = date
    date = date.adding(days: 1)
    var funds: [LedgerEntry] = []
    var fees: [LedgerEntry] = []
    func stamp(_ secondOfDay: Int) -> String {
      let h = secondOfDay / 3600
      let m = (secondOfDay / 60) % 60
      let s = secondOfDay % 60
      func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
      return
        "\(today)T\(two(h)):\(two(m)):\(two(s)).\(String(100_000 + secondOfDay % 900_000))+0100"
    }
    func add(
      _ topic: Topic, _ type: EntryType, psp: String, reference: String, handle: String?,
      time: String, amount: Int64
    ) {
      let before = topic == .funds ? fundsBalance : feesBalance
      let entry = LedgerEntry(
        pspReference: psp, time: EntryTime(time)!, ledgerDate: today, entryType: type,
        reference: reference, currency: currency, amount: amount, balanceBefore: before,
        balanceAfter: before + amount, recipientHandle: handle)
      if topic == .funds {
        fundsBalance += amount
        funds.append(entry)
      } else {
        feesBalance += amount
        fees.append(entry)
      }
    }
    for fee in delayedFees {
      add(
        .fees, .captureFee, psp: fee.psp, reference: fee.reference, handle: fee.handle,
        time: fee.time, amount: fee.amount)
    }
    delayedFees.removeAll()
    let payments = max(1, (entriesPerDay - 3) / 2)
    for index in 0..<payments {
      let second = 6 * 3600 + index * (16 * 3600) / payments
      let handle = salesUnits[Int(random.next() % UInt64(salesUnits.count))]
      nextPSP += 1 + Int64(random.next() % 7)
      let psp = String(nextPSP)
      if random.next() % 100 < 6, let original = recentCaptures.randomElement(using: &random) {
        let amount = -min(original.amount, Int64(1000 + random.next() % 20_000))
        add(
          .funds, .refund, psp: psp, reference: original.reference, handle: original.handle,
          time: stamp(second), amount: amount)
        continue
      }
      let amount = Int64(4_500 + random.next() % 145_500)
      let reference =
        handle.hasPrefix("api:") ? "web-\(nextPSP % 1_000_000)" : "kiosk-\(nextPSP % 1_000_000)"
      add(
        .funds, .capture, psp: psp, reference: reference, handle: handle, time: stamp(second),
        amount: amount)
      let fee = -(amount * 175 / 10_000 + 75)
      if random.next() % 100 < 2 {
        delayedFees.append((psp, reference, handle, stamp(second), fee))
      } else {
        add(
          .fees, .captureFee, psp: psp, reference: reference, handle: handle, time: stamp(second),
          amount: fee)
      }
      recentCaptures.append((psp, reference, handle, amount))
      if recentCaptures.count > 50 { recentCaptures.removeFirst() }
    }
    let closing = "\(date)T00:00:00.000000+0100"
    if feesBalance != 0 {
      let retained = -feesBalance
      let psp = "01K\(String(random.next() % 1_000_000_000_000, radix: 36).uppercased())"
      add(
        .funds, .feesRetained, psp: psp, reference: "", handle: nil, time: closing,
        amount: -retained)
      add(
        .fees, .feesRetained, psp: psp, reference: "", handle: nil, time: closing, amount: retained)
    }
    if fundsBalance > 0 {
      payoutNumber += 1
      add(
        .funds, .payoutScheduled, psp: "\(ledgerID)-\(payoutNumber)",
        reference: "Utb. \(payoutNumber) Vippsnr \(salesUnits[0].split(separator: ":").last ?? "")",
        handle: nil, time: closing, amount: -fundsBalance)
    }
    return SyntheticDay(date: today, funds: funds, fees: fees)
  }
}
