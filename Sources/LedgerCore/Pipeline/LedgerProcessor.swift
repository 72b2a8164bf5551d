import Foundation

/// Processes one ledger over the period into spill files, a report and diagnostics.
struct LedgerProcessor {
  /// A finished spill file: one ledger's encoded vouchers in one format.
  struct Spill: Sendable {
    /// The file, or `nil` when the content stayed in memory (`bytes`).
    var path: String?
    var bytes: [UInt8]
    var length: Int64
    /// The content starts with the format's prologue (see ``FrameEncoder/fixedPrologue``).
    var includesPrologue = false
    /// Where the ledger's content starts in `path`: after the bytes of the ledgers before it
    /// when the ledger continued their file (see ``LedgerProcessor/init(request:ledgerID:currency:workDirectory:memoryLimit:isFirst:continuing:)``).
    var start: Int64 = 0

    /// Hashes the file while ledgers write it, when it will become an output file.
    var follower: HashFollower?

    /// Whether the ledger continued another ledger's file.
    var continuesFile: Bool { start > 0 }
  }

  /// What processing one ledger produced.
  struct Outcome: Sendable {
    var report: RunReport.LedgerReport
    var diagnostics: [Diagnostic]
    /// One spill file per encoder, in request order; empty when the ledger failed.
    var spills: [Spill]
    /// The exported totals (for the SAF-T summary).
    var totals: Totals
  }

  /// Stops the ledger: it is left out of every output.
  private struct LedgerFailed: Error {
    var diagnostics: [Diagnostic]
  }

  /// Per-date running totals, committed only when the date is exported.
  struct Totals: Sendable {
    var entries = 0
    var vouchers = 0
    var lines = 0
    var suspense: [String: Int] = [:]
    var unknownTypes: [String: Int] = [:]
    var accountDebit: [AccountID: Int64] = [:]
    var accountCredit: [AccountID: Int64] = [:]
    var amountSum: [Topic: Int64] = [:]
    var chainMovement: [Topic: Int64] = [:]
    /// Debit and credit per account in the reporting currency (SAF-T exports only).
    var reportingDebit: [AccountID: Int64] = [:]
    var reportingCredit: [AccountID: Int64] = [:]
    var taxCodes: Set<String> = []

    mutating func merge(_ other: Totals) throws {
      entries += other.entries
      vouchers += other.vouchers
      lines += other.lines
      suspense.merge(other.suspense, uniquingKeysWith: +)
      unknownTypes.merge(other.unknownTypes, uniquingKeysWith: +)
      for (account, value) in other.accountDebit {
        accountDebit[account] = try checkedAdd(accountDebit[account] ?? 0, value)
      }
      for (account, value) in other.accountCredit {
        accountCredit[account] = try checkedAdd(accountCredit[account] ?? 0, value)
      }
      for (topic, value) in other.amountSum {
        amountSum[topic] = try checkedAdd(amountSum[topic] ?? 0, value)
      }
      for (topic, value) in other.chainMovement {
        chainMovement[topic] = try checkedAdd(chainMovement[topic] ?? 0, value)
      }
      for (account, value) in other.reportingDebit {
        reportingDebit[account] = try checkedAdd(reportingDebit[account] ?? 0, value)
      }
      for (account, value) in other.reportingCredit {
        reportingCredit[account] = try checkedAdd(reportingCredit[account] ?? 0, value)
      }
      taxCodes.formUnion(other.taxCodes)
    }

    /// Adds a voucher's lines converted to the reporting currency.
    mutating func addReporting(_ lines: [ReportingCurrency.Line]) throws {
      for converted in lines {
        let account = converted.line.account
        if converted.amount >= 0 {
          reportingDebit[account] = try checkedAdd(reportingDebit[account] ?? 0, converted.amount)
        } else {
          reportingCredit[account] = try checkedAdd(
            reportingCredit[account] ?? 0, 0 - converted.amount)
        }
        if converted.line.role == .vat, let code = converted.line.vat?.code {
          taxCodes.insert(code)
        }
      }
    }

    mutating func add(_ voucher: Voucher) throws {
      for line in voucher.lines {
        if line.amount >= 0 {
          accountDebit[line.account] = try checkedAdd(accountDebit[line.account] ?? 0, line.amount)
        } else {
          let (credit, overflow) = Int64(0).subtractingReportingOverflow(line.amount)
          if overflow { throw AmountOverflowError() }
          accountCredit[line.account] = try checkedAdd(accountCredit[line.account] ?? 0, credit)
        }
      }
    }
  }

  let request: ExportRequest
  let ledgerID: LedgerID
  let mapper: Mapper
  private let reporting: ReportingCurrency?
  /// The funds and the fees checker.
  private var checkers: [EntryChecker]
  private let spills: [SpillFile]
  /// The prologue each spill file starts with, if any.
  private let prologues: [[UInt8]?]
  private var buffer: [UInt8] = []
  /// The hot path, when every format writes frames and entries are exported one by one (not
  /// summed per day), unless the ledger is listed in another currency than SAF-T reports in:
  /// see ``FrameLane``.
  private var lane: FrameLane?
  /// Whether the ledger goes through the frame lane (for the tests).
  var usesLane: Bool { lane != nil }

  /// The ledgers running beside this one (whether to read pages ahead).
  private let activity: LedgerActivity

  /// Largest spill kept in memory until assembly (so memory stays bounded however many ledgers).
  let memoryLimit: Int

  /// - Parameters:
  ///   - isFirst: The ledger comes first in the outputs: spill files of formats with a fixed
  ///     prologue start with it, so they can become the output files.
  ///   - continuing: Per format, the spill file that will become the output file, when every
  ///     ledger before this one is finished and in it: this ledger appends to it rather than to a
  ///     file of its own (its bytes are then written once), and cuts it back if it fails.
  init(
    request: ExportRequest, ledgerID: LedgerID, currency: String?, workDirectory: String,
    memoryLimit: Int = 0, isFirst: Bool = false, continuing: [Spill?] = [],
    activity: LedgerActivity = LedgerActivity()
  ) throws {
    self.memoryLimit = memoryLimit
    self.activity = activity
    self.request = request
    self.ledgerID = ledgerID
    mapper = Mapper(profile: request.profile)
    reporting = request.saft.map {
      ReportingCurrency(currency: $0.company.currency, rates: $0.company.exchangeRates)
    }
    let carried = request.carriedBalances[ledgerID] ?? [:]
    checkers = [
      EntryChecker(
        ledgerID: ledgerID, topic: .funds, currency: currency, lastBalance: carried[.funds],
        scratchDirectory: workDirectory),
      EntryChecker(
        ledgerID: ledgerID, topic: .fees, currency: currency, lastBalance: carried[.fees],
        scratchDirectory: workDirectory),
    ]
    let safeName = String(ledgerID.rawValue.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    let prologues = request.encoders.map { encoder in
      isFirst ? (encoder as? any FrameEncoder)?.fixedPrologue : nil
    }
    self.prologues = prologues
    spills = try request.encoders.enumerated().map { index, encoder in
      if index < continuing.count, let file = continuing[index], let path = file.path {
        return try SpillFile(continuing: path, at: file.length, follower: file.follower)
      }
      return try SpillFile(
        path: (workDirectory as NSString).appendingPathComponent(
          "\(safeName)-\(index).\(encoder.fileExtension)"),
        prefix: prologues[index] ?? [], writesBack: prologues[index] != nil)
    }
    let frameEncoders = request.encoders.compactMap { $0 as? any FrameEncoder }
    // A ledger listed in another currency than the reporting one has every voucher converted:
    // the lane would decline each entry, so it is not used.
    let reportingCurrency = reporting?.currency
    var convertsAll = false
    if let reportingCurrency, let currency {
      convertsAll = !currency.utf8.elementsEqual(reportingCurrency.utf8)
    }
    if request.usesFrameLane, request.aggregation == .entry, !convertsAll,
      frameEncoders.count == request.encoders.count
    {
      lane = FrameLane(
        mapper: FrameMapper(profile: request.profile, ledger: ledgerID), encoders: frameEncoders,
        reportingCurrency: reportingCurrency)
    }
  }

  mutating func run(progress: @Sendable (ExportProgress) -> Void) async -> Outcome {
    var exported: [LedgerDate] = []
    var open: [LedgerDate] = []
    var pending: [LedgerDate] = []
    var notAvailable: [LedgerDate] = []
    var totals = Totals()
    var diagnostics: [Diagnostic] = []
    var failed = false

    do {
      for date in request.from.through(request.to) {
        if !open.isEmpty || !notAvailable.isEmpty {
          pending.append(date)
          continue
        }
        let marks = spills.map { $0.mark() }
        switch try await processDate(date, diagnostics: &diagnostics) {
        case .closed(let dateTotals):
          try totals.merge(dateTotals)
          exported.append(date)
          progress(.dateFinished(ledgerID, date, entries: dateTotals.entries))
        case .open:
          open.append(date)
          for (spill, mark) in zip(spills, marks) { try spill.rollback(to: mark) }
        case .notAvailable(let detail):
          notAvailable.append(date)
          diagnostics.append(
            Diagnostic(.warning, code: "not-available", detail, ledgerID: ledgerID, date: date))
          for (spill, mark) in zip(spills, marks) { try spill.rollback(to: mark) }
        }
      }
      diagnostics += summaryWarnings(totals)
      diagnostics += try reconcile(totals)
      if diagnostics.contains(where: { $0.severity == .error }) { failed = true }
    } catch let failure as LedgerFailed {
      diagnostics += failure.diagnostics
      failed = true
    } catch {
      diagnostics.append(
        Diagnostic(.error, code: "ledger-failed", "\(error)", ledgerID: ledgerID))
      failed = true
    }

    let status: String
    if failed {
      status = "failed"
    } else if open.isEmpty && pending.isEmpty && notAvailable.isEmpty {
      status = "exported"
    } else {
      status = "partial"
    }
    var report = RunReport.LedgerReport(
      ledgerId: ledgerID.rawValue,
      currency: checkers[0].currency ?? checkers[1].currency,
      status: status, datesExported: failed ? [] : exported, datesOpen: open,
      datesPending: pending, datesNotAvailable: notAvailable, entries: totals.entries,
      vouchers: failed ? 0 : totals.vouchers, lines: failed ? 0 : totals.lines,
      suspenseEntries: totals.suspense.values.reduce(0, +),
      controlTotals: failed ? [] : controlTotals(totals),
      clearing: failed ? [] : clearingChecks(totals),
      diagnostics: diagnostics.map(\.description))
    var finished: [Spill] = []
    if !failed {
      do {
        finished = try zip(spills, prologues).map { spill, prologue in
          let (path, bytes, start, length) = try spill.finish(memoryLimit: memoryLimit)
          return Spill(
            path: path, bytes: bytes, length: length, includesPrologue: prologue != nil,
            start: start, follower: path == nil ? nil : spill.follower)
        }
      } catch {
        diagnostics.append(Diagnostic(.error, code: "spill", "\(error)", ledgerID: ledgerID))
        report.status = "failed"
        report.diagnostics.append("\(error)")
        finished = []
      }
    }
    // A failed ledger leaves nothing behind, in particular not in a file it continued.
    if finished.isEmpty { for spill in spills { spill.discard() } }
    return Outcome(report: report, diagnostics: diagnostics, spills: finished, totals: totals)
  }

  private enum DateResult {
    case closed(Totals)
    case open
    case notAvailable(String)
  }

  /// How many pages fetching, decoding and checking may run ahead of the mapping and encoding.
  static let pagesAhead = 2

  /// Fetches, checks, maps and encodes both topics of one date.
  ///
  /// While fewer ledgers run than there are CPUs, the date's pages are read ahead (fetched,
  /// decoded and checked) by a task of their own (``DatePages``), so that runs beside the mapping
  /// and encoding on another CPU.
  private mutating func processDate(
    _ date: LedgerDate, diagnostics: inout [Diagnostic]
  ) async throws -> DateResult {
    // Moved out, not copied: the checkers' duplicate tables stay unshared.
    var checkers: [EntryChecker] = []
    swap(&checkers, &self.checkers)
    defer { self.checkers = checkers }
    return try await DatePages.reading(
      request.source, ledger: ledgerID, date: date,
      ahead: activity.hasIdleCPU ? Self.pagesAhead : 0, checkers: &checkers
    ) { pages in
      try await processDate(date, pages: &pages, diagnostics: &diagnostics)
    }
  }

  /// ``processDate(_:diagnostics:)`` on `pages`.
  private mutating func processDate(
    _ date: LedgerDate, pages: inout DatePages, diagnostics: inout [Diagnostic]
  ) async throws -> DateResult {
    var totals = Totals()
    var aggregator = DailyAggregator(ledgerID: ledgerID, date: date)
    var closed = true
    for topic in Topic.allCases {
      var position = 0
      var firstBefore: Int64?
      var lastAfter: Int64?
      var lastPage: ReportPage?
      // Summed here, not in `totals`' dictionary: no hashing per entry.
      var amountSum: Int64?
      lane?.startTopic(from: totals)
      do {
        reading: while let item = try await pages.next() {
          let located: LocatedPage
          let problem: DatePages.Problem?
          switch item {
          case .page(let page, let pageProblem): (located, problem) = (page, pageProblem)
          case .topicEnd: break reading
          }
          let raw = located.page.raw
          try raw.bytes.withUnsafeBufferPointer { bytes in
            for entry in raw.entries {
              position += 1
              // Checked where the page was read: the first entry with problems ends the ledger.
              if let problem, problem.position == position {
                throw LedgerFailed(diagnostics: problem.diagnostics)
              }
              // Map (the frame lane, or `Mapper` when not in use or it declines), then count,
              // then emit: the order `Mapper`'s path has always had.
              let inLane =
                lane?.map(
                  entry, bytes: bytes, topic: topic, date: date, position: position) ?? false
              let mapped =
                inLane
                ? nil
                : try map(
                  LedgerEntry(entry, bytes: bytes), topic: topic, date: date, position: position)
              if inLane ? lane!.ruleName == nil : mapped!.ruleName == nil {
                totals.suspense["\(topic) \(entry.entryType)", default: 0] += 1
              }
              if !entry.entryType.isKnown {
                totals.unknownTypes["\(topic) \(entry.entryType)", default: 0] += 1
              }
              totals.entries += 1
              amountSum = try checkedAdd(amountSum ?? 0, entry.amount)
              if firstBefore == nil { firstBefore = entry.balanceBefore }
              lastAfter = entry.balanceAfter
              if let mapped {
                // The lane keeps the running account (and reporting) sums: hand them over
                // around the voucher.
                lane?.finishTopic(into: &totals)
                try totals.add(mapped.voucher)
                switch request.aggregation {
                case .entry: try emit(mapped.voucher, totals: &totals)
                case .daily: try aggregator.add(mapped.voucher)
                }
                lane?.startTopic(from: totals)
              } else {
                try lane!.emit(into: spills, totals: &totals)
              }
            }
          }
          lastPage = located.page
        }
      } catch let error as ReportSourceError where error.isNotAvailable {
        return .notAvailable(error.detail)
      } catch let error as ReportSourceError {
        throw LedgerFailed(diagnostics: [
          Diagnostic(
            .error, code: error.diagnosticCode, error.detail, ledgerID: ledgerID, topic: topic,
            date: date)
        ])
      }
      lane?.finishTopic(into: &totals)
      if let amountSum { totals.amountSum[topic] = amountSum }
      if lastPage?.tryLater ?? true { closed = false }
      if let firstBefore, let lastAfter {
        totals.chainMovement[topic] = try checkedAdd(
          totals.chainMovement[topic] ?? 0, lastAfter &- firstBefore)
      }
    }
    guard closed else { return .open }
    if request.aggregation == .daily, let voucher = aggregator.voucher() {
      try emit(voucher, totals: &totals)
    }
    return .closed(totals)
  }

  /// Maps one entry with ``Mapper``.
  private func map(_ entry: LedgerEntry, topic: Topic, date: LedgerDate, position: Int) throws
    -> MappedEntry
  {
    do {
      return try mapper.map(entry, ledger: ledgerID, topic: topic, date: date, position: position)
    } catch {
      throw LedgerFailed(diagnostics: [
        Diagnostic(
          .error, code: "mapping", "\(error)", ledgerID: ledgerID, topic: topic,
          date: date, position: position)
      ])
    }
  }

  /// Encodes a voucher into every format's spill file and counts it.
  private mutating func emit(_ voucher: Voucher, totals: inout Totals) throws {
    guard voucher.isBalanced else {
      throw LedgerFailed(diagnostics: [
        Diagnostic(
          .error, code: "unbalanced", "voucher \(voucher.id) does not balance",
          ledgerID: ledgerID, date: voucher.date)
      ])
    }
    if let reporting {
      do {
        try totals.addReporting(try reporting.convert(voucher))
      } catch let error as ReportingCurrencyError {
        throw LedgerFailed(diagnostics: [
          Diagnostic(
            .error, code: "currency", error.description, ledgerID: ledgerID, date: voucher.date)
        ])
      }
    }
    totals.vouchers += 1
    totals.lines += voucher.lines.count
    for (encoder, spill) in zip(request.encoders, spills) {
      buffer.removeAll(keepingCapacity: true)
      encoder.encode(voucher, into: &buffer)
      try spill.append(buffer)
    }
  }
}
