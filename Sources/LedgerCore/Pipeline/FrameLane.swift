/// The export's hot path for one ledger: entries mapped by ``FrameMapper`` into one reused
/// ``VoucherFrame``, encoded straight into the spill files' buffers, and summed per account in
/// arrays — no string, array or dictionary per entry.
///
/// Used when every format is a ``FrameEncoder`` and vouchers are written one per entry; it gives
/// the bytes and totals ``Mapper`` and ``JournalEncoder/encode(_:into:)`` give (tested on random
/// ledgers). An entry it declines (one that cannot be mapped) goes through ``Mapper``, which words
/// the error.
///
/// With a reporting currency (a SAF-T export) it also keeps the SAF-T totals
/// (``LedgerProcessor/Totals/reportingDebit`` and the VAT codes used), but only for vouchers in
/// that currency, whose reporting amounts are their amounts: it declines an entry in any other
/// currency (byte for byte), so ``Mapper`` and ``ReportingCurrency`` convert it — or word the
/// error when they cannot — exactly as without the lane.
final class FrameLane {
  /// Debit and credit per account of ``FrameMapper/accounts``, and whether any line touched the
  /// side (a zero-amount line counts as a debit, as in ``Voucher`` totals).
  struct Sums {
    var debit: [Int64]
    var credit: [Int64]
    var debitTouched: [Bool]
    var creditTouched: [Bool]
    /// The spelling (``FrameMapper/spellings``) of the line that first touched a side this date.
    var debitSpelling: [Int]
    var creditSpelling: [Int]

    init(count: Int) {
      debit = Array(repeating: 0, count: count)
      credit = Array(repeating: 0, count: count)
      debitTouched = Array(repeating: false, count: count)
      creditTouched = Array(repeating: false, count: count)
      debitSpelling = Array(repeating: -1, count: count)
      creditSpelling = Array(repeating: -1, count: count)
    }

    /// Starts from the sums so far in `debits` and `credits`.
    mutating func start(
      from debits: [AccountID: Int64], _ credits: [AccountID: Int64], accounts: [AccountID]
    ) {
      for (index, account) in accounts.enumerated() {
        let debitSoFar = debits[account]
        let creditSoFar = credits[account]
        debit[index] = debitSoFar ?? 0
        credit[index] = creditSoFar ?? 0
        debitTouched[index] = debitSoFar != nil
        creditTouched[index] = creditSoFar != nil
        debitSpelling[index] = -1
        creditSpelling[index] = -1
      }
    }

    /// Adds a line, checking for overflow as ``LedgerProcessor/Totals/add(_:)`` does.
    @inline(__always)
    mutating func add(_ line: VoucherFrame.Line) throws {
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

    /// Puts the sums back into `debits` and `credits`.
    func finish(
      into debits: inout [AccountID: Int64], _ credits: inout [AccountID: Int64],
      mapper: FrameMapper
    ) {
      // A key already there keeps its spelling; a new one takes its first line's.
      for (index, account) in mapper.accounts.enumerated() {
        if debitTouched[index] {
          let key = debitSpelling[index] >= 0 ? mapper.spellings[debitSpelling[index]] : account
          debits[key] = debit[index]
        }
        if creditTouched[index] {
          let key = creditSpelling[index] >= 0 ? mapper.spellings[creditSpelling[index]] : account
          credits[key] = credit[index]
        }
      }
    }
  }

  let mapper: FrameMapper
  let encoders: [any FrameEncoder]
  /// The reporting currency's bytes; `nil` when no SAF-T totals are kept.
  private let reportingCurrency: [UInt8]?
  // One task owns the lane: no dynamic exclusivity checks on the hot path.
  @exclusivity(unchecked) private var frame = VoucherFrame()
  /// The rule of the entry last mapped; `nil` for suspense.
  private(set) var ruleName: String?
  /// ``LedgerProcessor/Totals/accountDebit`` and `accountCredit` as arrays.
  @exclusivity(unchecked) private var sums: Sums
  /// ``LedgerProcessor/Totals/reportingDebit`` and `reportingCredit` as arrays.
  @exclusivity(unchecked) private var reportingSums: Sums
  /// Every VAT code (as bytes) a VAT line carried; and the ones seen since the topic started (or
  /// went on after a voucher of ``Mapper``), in the order first seen, for
  /// ``LedgerProcessor/Totals/taxCodes``.
  @exclusivity(unchecked) private var taxCodeSpellings: [[UInt8]] = []
  @exclusivity(unchecked) private var taxCodesSeen: [Int] = []

  /// - Parameter reportingCurrency: The SAF-T reporting currency, when the export keeps its
  ///   totals (``ExportRequest/saft`` is set).
  init(mapper: FrameMapper, encoders: [any FrameEncoder], reportingCurrency: String? = nil) {
    self.mapper = mapper
    self.encoders = encoders
    self.reportingCurrency = reportingCurrency.map { Array($0.utf8) }
    sums = Sums(count: mapper.accounts.count)
    reportingSums = Sums(count: reportingCurrency == nil ? 0 : mapper.accounts.count)
    taxCodesSeen.reserveCapacity(16)
  }

  /// Starts the per-account sums from the date's totals so far, so that every voucher is added
  /// to the same running sums (and overflows at the same voucher) as in ``Voucher`` totals.
  func startTopic(from totals: LedgerProcessor.Totals) {
    sums.start(from: totals.accountDebit, totals.accountCredit, accounts: mapper.accounts)
    if reportingCurrency != nil {
      reportingSums.start(
        from: totals.reportingDebit, totals.reportingCredit, accounts: mapper.accounts)
      taxCodesSeen.removeAll(keepingCapacity: true)
    }
  }

  /// Maps an entry into the frame; `false` when ``FrameMapper`` declines it, or when it is not
  /// in the reporting currency.
  func map(
    _ entry: RawEntry, bytes: UnsafeBufferPointer<UInt8>, topic: Topic, date: LedgerDate,
    position: Int
  ) -> Bool {
    switch mapper.map(
      entry, bytes: bytes, topic: topic, date: date, position: position, into: &frame)
    {
    case .mapped(let rule):
      if let reportingCurrency {
        let text = frame.text.buffer
        for line in frame.lines where !text.slice(line.currency).elementsEqual(reportingCurrency) {
          return false
        }
      }
      ruleName = rule
      return true
    case .failed:
      return false
    }
  }

  /// Sums the mapped voucher's lines per account, then encodes it into every spill file.
  func emit(into spills: [SpillFile], totals: inout LedgerProcessor.Totals) throws {
    // All lines to the account totals first, then to the reporting ones, as the reference path
    // adds them (so the same sum overflows first).
    for line in frame.lines { try sums.add(line) }
    if reportingCurrency != nil {
      for line in frame.lines {
        try reportingSums.add(line)
        if line.role == .vat, !line.vatCode.isAbsent {
          noteTaxCode(frame.text.buffer.slice(line.vatCode))
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

  /// Records that a VAT line carried `code`.
  @inline(__always)
  private func noteTaxCode(_ code: UnsafeBufferPointer<UInt8>) {
    let index: Int
    if let known = taxCodeSpellings.firstIndex(where: {
      $0.withUnsafeBufferPointer { $0.elementsEqual(code) }
    }) {
      index = known
    } else {
      index = taxCodeSpellings.count
      taxCodeSpellings.append(Array(code))
    }
    if !taxCodesSeen.contains(index) { taxCodesSeen.append(index) }
  }

  /// Puts the per-account sums back into `totals`.
  func finishTopic(into totals: inout LedgerProcessor.Totals) {
    sums.finish(into: &totals.accountDebit, &totals.accountCredit, mapper: mapper)
    if reportingCurrency != nil {
      reportingSums.finish(into: &totals.reportingDebit, &totals.reportingCredit, mapper: mapper)
      // In the order first seen: of canonically equivalent codes, the set keeps the first.
      for index in taxCodesSeen {
        totals.taxCodes.insert(String(decoding: taxCodeSpellings[index], as: UTF8.self))
      }
    }
  }
}
