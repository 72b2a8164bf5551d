import Foundation

extension NightlyRunner {
  /// Lookback, fetch, write and record for one ledger.
  func runLedger(
    _ ledger: LedgerID, context: ClientContext, asOf: LedgerDate, runID: String
  ) async -> RunManifest.LedgerResult {
    let client = context.client
    var result = RunManifest.LedgerResult(
      client: client.id, ledgerId: ledger.rawValue, status: "ok", datesExported: [], datesOpen: [],
      datesPending: [], datesVerified: [], files: [], controlTotals: [], vouchers: 0,
      diagnostics: [])
    do {
      let exported = try store.exportedDates(ledger: ledger)
      let exportedByDate = Dictionary(exported.map { ($0.date, $0) }, uniquingKeysWith: { $1 })
      // 1. Lookback: Vipps' closed dates are immutable; a difference is an error, not a re-export.
      for record in exported.suffix(configuration.lookback) {
        let fresh = try await contentSHA256(ledger: ledger, date: record.date, fresh: true)
        if fresh.sha256 != record.contentSHA256 {
          result.diagnostics.append(
            "error: ledger \(ledger) \(record.date): Vipps' data differs from what was exported in run \(record.runID) (documented as immutable); not re-exported — investigate"
          )
          result.status = "failed"
        } else {
          result.datesVerified.append(record.date)
        }
      }
      // 2. Fetch due dates in order until the first open one.
      let yesterday = asOf.adding(days: -1)
      var due = client.start.through(yesterday).filter { force || exportedByDate[$0] == nil }
      var closed: [LedgerDate] = []
      while let date = due.first {
        due.removeFirst()
        let state = try await fetchState(ledger: ledger, date: date)
        switch state {
        case .closed:
          closed.append(date)
          checkpoint("after-fetch")
        case .open:
          try store.recordOpen(ledger: ledger, date: date, runID: runID)
          result.datesOpen.append(date)
          result.datesPending = due
          due.removeAll()
        }
      }
      guard !closed.isEmpty else {
        if result.status == "ok" { result.status = "nothing-new" }
        return result
      }
      // 3. Write the files of every group of closed dates, from the cache.
      var filesByDate: [LedgerDate: [ExportedFile]] = [:]
      var totalsByDate: [LedgerDate: [RunReport.AccountTotal]] = [:]
      for group in groups(closed, exported: exportedByDate) {
        let carried = try await closingBalances(
          ledger: ledger, before: group.dates[0], exported: exportedByDate)
        let (files, report) = try await write(
          group, ledger: ledger, context: context, carried: carried)
        guard let ledgerReport = report.ledgers.first, ledgerReport.status != "failed" else {
          result.status = "failed"
          result.diagnostics += report.ledgers.flatMap(\.diagnostics) + report.diagnostics
          break
        }
        result.files += files
        result.controlTotals = Self.adding(result.controlTotals, ledgerReport.controlTotals)
        for date in group.dates where closed.contains(date) {
          filesByDate[date] = files
          totalsByDate[date] = ledgerReport.controlTotals
        }
        checkpoint("after-write")
      }
      // 4. Record what is durably in place.
      var previous = try await closingBalances(
        ledger: ledger, before: closed[0], exported: exportedByDate)
      for date in closed {
        guard let files = filesByDate[date] else { break }
        let content = try await contentSHA256(ledger: ledger, date: date, fresh: false)
        var closing = previous
        for (topic, balance) in content.closing { closing[topic] = balance }
        try store.recordExported(
          ExportedDate(
            ledgerID: ledger, date: date, runID: runID, files: files, entries: content.entries,
            vouchers: context.client.aggregate == .daily
              ? (content.entries > 0 ? 1 : 0) : content.entries,
            controlTotals: totalsByDate[date] ?? [], contentSHA256: content.sha256,
            closingBalances: closing))
        previous = closing
        result.datesExported.append(date)
        result.vouchers +=
          context.client.aggregate == .daily ? (content.entries > 0 ? 1 : 0) : content.entries
        checkpoint("after-commit")
      }
    } catch {
      result.status = "failed"
      result.diagnostics.append("error: ledger \(ledger): \(error)")
    }
    return result
  }

  private enum DateState { case closed, open }

  /// Control totals of several files of one ledger, summed per account.
  static func adding(_ a: [RunReport.AccountTotal], _ b: [RunReport.AccountTotal])
    -> [RunReport.AccountTotal]
  {
    var sums: [String: (name: String, debit: Int64, credit: Int64)] = [:]
    for total in a + b {
      var sum = sums[total.account] ?? (total.name, 0, 0)
      sum.debit &+= MoneyFormat.parse(total.debit) ?? 0
      sum.credit &+= MoneyFormat.parse(total.credit) ?? 0
      sums[total.account] = sum
    }
    return sums.keys.sorted().compactMap { account in
      guard let sum = sums[account] else { return nil }
      return RunReport.AccountTotal(
        account: account, name: sum.name, debit: MoneyFormat.decimal(sum.debit),
        credit: MoneyFormat.decimal(sum.credit), net: MoneyFormat.decimal(sum.debit &- sum.credit))
    }
  }

  /// Fetches (or finds cached) both topics of a date.
  private func fetchState(ledger: LedgerID, date: LedgerDate) async throws -> DateState {
    for topic in Topic.allCases {
      let pages = try await CachingSource.load(
        inner: source, store: store, refetch: refetch, ledger: ledger, topic: topic, date: date)
      if pages.last?.page.tryLater ?? true { return .open }
    }
    return .closed
  }

  /// A set of consecutive dates written to one file per format.
  struct Group {
    var dates: [LedgerDate]
    var stem: String
  }

  /// The output groups for newly closed dates.
  func groups(_ closed: [LedgerDate], exported: [LedgerDate: ExportedDate]) -> [Group] {
    switch configuration.groupBy {
    case .day:
      return closed.map { Group(dates: [$0], stem: $0.description) }
    case .run:
      guard let first = closed.first, let last = closed.last else { return [] }
      return [Group(dates: first.through(last), stem: "\(first)_\(last)")]
    case .month:
      var months: [String: [LedgerDate]] = [:]
      for date in closed { months[String(date.description.prefix(7)), default: []].append(date) }
      return months.keys.sorted().compactMap { month in
        guard let dates = months[month], let last = dates.max() else { return nil }
        let earlier = exported.keys.filter { $0.description.hasPrefix(month) && $0 < last }
        let first = (earlier + dates).min() ?? last
        return Group(dates: first.through(last), stem: month)
      }
    }
  }

  /// Runs the pipeline for one group from the cache and returns the files written.
  private func write(
    _ group: Group, ledger: LedgerID, context: ClientContext, carried: [Topic: Int64]
  ) async throws -> ([ExportedFile], RunReport) {
    var cached = CachingSource(inner: source, store: store, refetch: false)
    cached.knownLedgers = [Ledger(ledgerId: ledger, currency: nil)]
    let relative = "\(context.client.id)/\(ledger.rawValue)"
    var request = ExportRequest(
      source: cached, ledgers: [ledger], from: group.dates[0],
      to: group.dates[group.dates.count - 1],
      profile: context.profile, aggregation: context.client.aggregate,
      encoders: context.client.formats.compactMap { $0.encoder(saft: context.saft) },
      outputDirectory: (configuration.output as NSString).appendingPathComponent(relative),
      fileStem: group.stem, saft: context.saft, concurrency: 1)
    request.carriedBalances = [ledger: carried]
    request.writesReport = false
    let report = try await ExportPipeline().run(request)
    let files = report.outputs.map {
      ExportedFile(path: "\(relative)/\($0.path)", sha256: $0.sha256, bytes: $0.bytes)
    }
    return (files, report)
  }

  /// The balances the day before `date` ended with: from the state or the cached pages.
  private func closingBalances(
    ledger: LedgerID, before date: LedgerDate, exported: [LedgerDate: ExportedDate]
  ) async throws -> [Topic: Int64] {
    let previous = date.adding(days: -1)
    if let record = exported[previous] { return record.closingBalances }
    // Exported earlier in this run: its pages are cached.
    var balances: [Topic: Int64] = [:]
    for topic in Topic.allCases {
      guard let pages = try store.cachedPages(ledger: ledger, topic: topic, date: previous) else {
        continue
      }
      for data in pages {
        if let last = try ReportDecoding.page(data, context: "state cache").lastBalanceAfter {
          balances[topic] = last
        }
      }
    }
    return balances
  }

  /// Hash, entry count and closing balances of a date's pages (cached, or fresh for the lookback).
  private func contentSHA256(ledger: LedgerID, date: LedgerDate, fresh: Bool) async throws -> (
    sha256: String, entries: Int, closing: [Topic: Int64]
  ) {
    var hasher = SHA256.Hasher()
    var entries = 0
    var closing: [Topic: Int64] = [:]
    for topic in Topic.allCases {
      let pages: [LocatedPage]
      if fresh {
        var collected: [LocatedPage] = []
        for try await page in source.pages(ledger: ledger, topic: topic, date: date) {
          collected.append(page)
        }
        pages = collected
      } else {
        pages = try await CachingSource.load(
          inner: source, store: store, refetch: false, ledger: ledger, topic: topic, date: date)
      }
      hasher.update(Array(topic.rawValue.utf8))
      for page in pages {
        let items = page.page.items
        hasher.update(Array(try CachingSource.canonical(ReportPage(items: items))))
        entries += items.count
        if let last = items.last { closing[topic] = last.balanceAfter }
      }
    }
    return (SHA256.hexString(hasher.finalize()), entries, closing)
  }
}
