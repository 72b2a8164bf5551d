/// The export's hot path for one ledger: entries mapped by ``FrameMapper`` into one reused
/// ``VoucherFrame``, encoded straight into the spill files' buffers, and summed per account in
/// arrays — no string, array or dictionary per entry.
///
/// Used when every format is a ``FrameEncoder`` and vouchers are written one per entry; it gives
/// the bytes and totals ``Mapper`` and ``JournalEncoder/encode(_:into:)`` give (tested on random
/// ledgers). An entry it declines (one that cannot be mapped) goes through ``Mapper``, which words
/// the error.
final class FrameLane {
  let mapper: FrameMapper
  let encoders: [any FrameEncoder]
  // One task owns the lane: no dynamic exclusivity checks on the hot path.
  @exclusivity(unchecked) private var frame = VoucherFrame()
  /// The rule of the entry last mapped; `nil` for suspense.
  private(set) var ruleName: String?
  /// Debit and credit per account of ``FrameMapper/accounts``, and whether
  /// any line touched the side (a zero-amount line counts as a debit, as in ``Voucher`` totals).
  @exclusivity(unchecked) private var debit: [Int64]
  @exclusivity(unchecked) private var credit: [Int64]
  @exclusivity(unchecked) private var debitTouched: [Bool]
  @exclusivity(unchecked) private var creditTouched: [Bool]
  /// The spelling (``FrameMapper/spellings``) of the line that first touched a side this date.
  @exclusivity(unchecked) private var debitSpelling: [Int]
  @exclusivity(unchecked) private var creditSpelling: [Int]

  init(mapper: FrameMapper, encoders: [any FrameEncoder]) {
    self.mapper = mapper
    self.encoders = encoders
    let count = mapper.accounts.count
    debit = Array(repeating: 0, count: count)
    credit = Array(repeating: 0, count: count)
    debitTouched = Array(repeating: false, count: count)
    creditTouched = Array(repeating: false, count: count)
    debitSpelling = Array(repeating: -1, count: count)
    creditSpelling = Array(repeating: -1, count: count)
  }

  /// Starts the per-account sums from the date's totals so far, so that every voucher is added
  /// to the same running sums (and overflows at the same voucher) as in ``Voucher`` totals.
  func startTopic(from totals: LedgerProcessor.Totals) {
    for (index, account) in mapper.accounts.enumerated() {
      debit[index] = totals.accountDebit[account] ?? 0
      credit[index] = totals.accountCredit[account] ?? 0
      debitTouched[index] = totals.accountDebit[account] != nil
      creditTouched[index] = totals.accountCredit[account] != nil
      debitSpelling[index] = -1
      creditSpelling[index] = -1
    }
  }

  /// Maps an entry into the frame; `false` when ``FrameMapper`` declines it.
  func map(
    _ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>, topic: Topic, date: LedgerDate,
    position: Int
  ) -> Bool {
    switch mapper.map(
      entry, bytes: bytes, topic: topic, date: date, position: position, into: &frame)
    {
    case .mapped(let rule):
      ruleName = rule
      return true
    case .failed:
      return false
    }
  }

  /// Sums the mapped voucher's lines per account, then encodes it into every spill file.
  func emit(into spills: [SpillFile], totals: inout LedgerProcessor.Totals) throws {
    for line in frame.lines {
      let index = line.accountIndex
      if line.amount >= 0 {
        debit[index] = try checkedAdd(debit[index], line.amount)
        if !debitTouched[index] {
          debitTouched[index] = true
          debitSpelling[index] = line.accountSpelling
        }
      } else {
        let (magnitude, overflow) = Int64(0).subtractingReportingOverflow(line.amount)
        if overflow { throw AmountOverflowError() }
        credit[index] = try checkedAdd(credit[index], magnitude)
        if !creditTouched[index] {
          creditTouched[index] = true
          creditSpelling[index] = line.accountSpelling
        }
      }
    }
    totals.vouchers += 1
    totals.lines += frame.lines.count
    let text = frame.text.buffer
    for (encoder, spill) in zip(encoders, spills) {
      try spill.append { sink in encoder.encode(frame, text: text, into: &sink) }
    }
  }

  /// Puts the per-account sums back into `totals`.
  func finishTopic(into totals: inout LedgerProcessor.Totals) {
    // A key already in `totals` keeps its spelling; a new one takes its first line's.
    for (index, account) in mapper.accounts.enumerated() {
      if debitTouched[index] {
        let key = debitSpelling[index] >= 0 ? mapper.spellings[debitSpelling[index]] : account
        totals.accountDebit[key] = debit[index]
      }
      if creditTouched[index] {
        let key = creditSpelling[index] >= 0 ? mapper.spellings[creditSpelling[index]] : account
        totals.accountCredit[key] = credit[index]
      }
    }
  }
}
