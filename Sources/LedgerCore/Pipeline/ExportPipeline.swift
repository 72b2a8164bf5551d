import Foundation

/// The export pipeline: fetch → normalize → map → emit → reconcile → publish.
///
/// For each ledger, every date from `from` to `to` is fetched topic by topic (funds, then fees);
/// entries are checked (``EntryChecker``), mapped to balanced vouchers (``Mapper``), optionally
/// summed per day (``DailyAggregator``), and encoded straight into per-ledger spill files, so memory
/// does not grow with the number of entries. A ledger date is exported only when both topics are
/// closed; an open date's vouchers are rolled back and later dates are left pending. A ledger with
/// an error (broken balance chain, malformed page, unmapped entry under `strict`) is left out of
/// the outputs entirely; the other ledgers go on. After reconciling each ledger (clearing-account
/// movement = sum of amounts = balance-chain movement), the outputs are assembled into temporary
/// files and renamed into place, then the run report is written the same way.
public struct ExportPipeline: Sendable {
  public init() {}

  /// Runs an export.
  ///
  /// - Parameters:
  ///   - request: What to export and where.
  ///   - progress: Called as ledgers and dates complete.
  /// - Returns: The run report (also written to `<out>/<stem>.report.json`).
  /// - Throws: Only for problems that stop the whole run (output directory not writable, ledger
  ///   list unreadable); per-ledger problems are in the report.
  public func run(
    _ request: ExportRequest, progress: @escaping @Sendable (ExportProgress) -> Void = { _ in }
  ) async throws -> RunReport {
    let fileManager = FileManager.default
    try fileManager.createDirectory(
      atPath: request.outputDirectory, withIntermediateDirectories: true)
    let workDirectory =
      (request.outputDirectory as NSString).appendingPathComponent(
        ".vipps-ledger-work-\(ProcessInfo.processInfo.processIdentifier)")
    // Created by the first spill file that overflows its buffer (small exports never need it).
    defer { try? fileManager.removeItem(atPath: workDirectory) }

    var runDiagnostics: [Diagnostic] = []
    let (ledgerIDs, currencies) = try await resolveLedgers(request, diagnostics: &runDiagnostics)

    let processed = try await processLedgers(
      ledgerIDs, currencies: currencies, request: request, workDirectory: workDirectory,
      progress: progress)
    let published = processed.filter { $0.report.status != "failed" }
    let metadata = ExportMetadata(
      toolVersion: request.toolVersion, from: request.from, to: request.to,
      profileName: request.profile.name, profileSHA256: request.profile.sha256,
      aggregation: request.aggregation,
      ledgers: published.map { outcome in
        ExportMetadata.LedgerSummary(
          ledgerID: LedgerID(outcome.report.ledgerId), currency: outcome.report.currency ?? "",
          status: outcome.report.status, datesExported: outcome.report.datesExported,
          datesOpen: outcome.report.datesOpen, entries: outcome.report.entries,
          vouchers: outcome.report.vouchers)
      },
      reporting: try request.saft.map { try reportingSummary($0, request.profile, published) })

    var outputs: [RunReport.OutputFile] = []
    // When every ledger failed there is nothing to publish: no empty files that look like exports.
    let encoders = processed.isEmpty || !published.isEmpty ? request.encoders : []
    for (index, encoder) in encoders.enumerated() {
      let path = (request.outputDirectory as NSString).appendingPathComponent(
        "\(request.fileStem).\(encoder.fileExtension)")
      outputs.append(
        try OutputAssembler.publish(
          path: path, encoder: encoder, metadata: metadata,
          spills: published.map { $0.spills[index] }))
    }

    let ledgerReports = processed.map(\.report)
    let allDiagnostics = runDiagnostics + processed.flatMap(\.diagnostics)
    let report = RunReport(
      tool: "vipps-ledger", toolVersion: request.toolVersion, from: request.from, to: request.to,
      profile: request.profile.name, profileSHA256: request.profile.sha256,
      aggregation: request.aggregation, ledgers: ledgerReports, outputs: outputs,
      diagnostics: runDiagnostics.map(\.description),
      errors: allDiagnostics.filter { $0.severity == .error }.count,
      warnings: allDiagnostics.filter { $0.severity == .warning }.count)
    if request.writesReport {
      let reportPath = (request.outputDirectory as NSString).appendingPathComponent(
        "\(request.fileStem).report.json")
      let writer = try AtomicFileWriter(destination: URL(fileURLWithPath: reportPath))
      try writer.write(Array(try report.jsonData()))
      try writer.commit()
    }
    return report
  }

  /// Processes every ledger, up to `request.concurrency` at a time; outcomes in ledger order.
  private func processLedgers(
    _ ledgerIDs: [LedgerID], currencies: [LedgerID: String?], request: ExportRequest,
    workDirectory: String, progress: @escaping @Sendable (ExportProgress) -> Void
  ) async throws -> [LedgerProcessor.Outcome] {
    var outcomes = [LedgerProcessor.Outcome?](repeating: nil, count: ledgerIDs.count)
    var finishedInOrder = 0
    // Per format, the first ledger's spill file (which will become the output file) as long as
    // every finished ledger is in it: a ledger started when all before it are finished appends
    // to it (with one ledger at a time, every ledger does), so its bytes are written once.
    var outputFiles = [LedgerProcessor.Spill?](repeating: nil, count: request.encoders.count)
    let activity = LedgerActivity(cpus: request.readAheadCPUs ?? LedgerActivity.availableCPUs())
    try await withThrowingTaskGroup(of: (Int, LedgerProcessor.Outcome).self) { group in
      var next = 0
      func start() {
        let index = next
        let ledgerID = ledgerIDs[index]
        next += 1
        progress(.ledgerStarted(ledgerID, index: index + 1, count: ledgerIDs.count))
        let currency = currencies[ledgerID] ?? nil
        let continuing = finishedInOrder == index ? outputFiles : []
        group.addTask {
          // Small exports keep small spills in memory: no scratch files at all.
          var processor = try LedgerProcessor(
            request: request, ledgerID: ledgerID, currency: currency, workDirectory: workDirectory,
            memoryLimit: ledgerIDs.count <= 16 ? 64 << 10 : 0, isFirst: index == 0,
            continuing: continuing, activity: activity)
          activity.started()
          defer { activity.finished() }
          return (index, await processor.run(progress: progress))
        }
      }
      while next < ledgerIDs.count && next < max(1, request.concurrency) { start() }
      while let (index, outcome) = try await group.next() {
        progress(.ledgerFinished(outcome.report))
        outcomes[index] = outcome
        Self.track(outcome, first: index == 0, outputFiles: &outputFiles)
        while finishedInOrder < outcomes.count, outcomes[finishedInOrder] != nil {
          finishedInOrder += 1
        }
        if next < ledgerIDs.count { start() }
      }
    }
    return outcomes.compactMap { $0 }
  }

  /// Follows the files that will become output files as ledgers finish: the first ledger's
  /// spill file when it starts with the prologue, extended by every ledger that continued it; a
  /// ledger published from a file of its own ends it (later ledgers come after its bytes). A
  /// failed ledger changes nothing: it left no bytes.
  private static func track(
    _ outcome: LedgerProcessor.Outcome, first: Bool, outputFiles: inout [LedgerProcessor.Spill?]
  ) {
    guard outcome.report.status != "failed", outcome.spills.count == outputFiles.count else {
      return
    }
    for (index, spill) in outcome.spills.enumerated() {
      let starts = first && spill.includesPrologue
      if spill.path != nil, starts || spill.continuesFile {
        if starts || outputFiles[index] != nil { outputFiles[index] = spill }
      } else {
        // For good: a ledger still running in that file must not reopen it.
        outputFiles[index] = nil
      }
    }
  }

  /// Accounts with opening and closing balances, VAT codes and totals of the published ledgers.
  func reportingSummary(
    _ options: SAFTOptions, _ profile: MappingProfile, _ published: [LedgerProcessor.Outcome]
  ) throws -> ReportingSummary {
    var debit: [AccountID: Int64] = [:]
    var credit: [AccountID: Int64] = [:]
    var taxCodes: Set<String> = []
    var transactions = 0
    for outcome in published {
      for (account, value) in outcome.totals.reportingDebit {
        debit[account] = try checkedAdd(debit[account] ?? 0, value)
      }
      for (account, value) in outcome.totals.reportingCredit {
        credit[account] = try checkedAdd(credit[account] ?? 0, value)
      }
      taxCodes.formUnion(outcome.totals.taxCodes)
      transactions += outcome.totals.vouchers
    }
    let ids = Set(debit.keys).union(credit.keys)
      .union(options.openingBalances.filter { $0.value != 0 }.keys).sorted()
    let accounts = try ids.map { id in
      let opening = options.openingBalances[id] ?? 0
      let movement = try checkedAdd(debit[id] ?? 0, 0 - (credit[id] ?? 0))
      let master = profile.accounts[id]
      return ReportingSummary.AccountBalance(
        id: id, name: master?.name ?? id.rawValue,
        groupingCategory: master?.groupingCategory ?? "NA",
        groupingCode: master?.groupingCode ?? "NA", opening: opening, debit: debit[id] ?? 0,
        credit: credit[id] ?? 0, closing: try checkedAdd(opening, movement))
    }
    let codes = taxCodes.sorted().map { code in
      let master = profile.vatCodes[code]
      return ReportingSummary.TaxCode(
        code: code, description: master?.description ?? "MVA-kode \(code)",
        rateBasisPoints: master?.rateBasisPoints ?? 0,
        standardTaxCode: master?.standardTaxCode ?? code)
    }
    let summary = ReportingSummary(
      accounts: accounts, taxCodes: codes, transactionCount: transactions,
      totalDebit: try debit.values.reduce(0, checkedAdd),
      totalCredit: try credit.values.reduce(0, checkedAdd))
    // SAFmonetaryType has 18 digits, 2 of them decimals.
    let limit: Int64 = 1_000_000_000_000_000_000
    let largest =
      ([summary.totalDebit, summary.totalCredit]
      + accounts.flatMap { [$0.opening, $0.closing, $0.debit, $0.credit] }).map { $0.magnitude }
      .max() ?? 0
    if largest >= limit.magnitude {
      throw ReportingCurrencyError(
        "an amount (\(MoneyFormat.decimal(Int64(clamping: largest)))) exceeds the 18 digits SAF-T allows"
      )
    }
    return summary
  }

  /// The ledgers to export and their currencies from the ledger list.
  private func resolveLedgers(
    _ request: ExportRequest, diagnostics: inout [Diagnostic]
  ) async throws -> ([LedgerID], [LedgerID: String?]) {
    var listed: [Ledger] = []
    do {
      listed = try await request.source.ledgers()
    } catch let error as ReportSourceError where error.isNotAvailable && request.ledgers != nil {
      diagnostics.append(
        Diagnostic(.warning, code: "ledger-list", "\(error.detail); ledger currencies unchecked"))
    }
    var currencies: [LedgerID: String?] = [:]
    for ledger in listed { currencies[ledger.ledgerId] = ledger.currency }
    guard let requested = request.ledgers else {
      return (listed.map(\.ledgerId).sorted(), currencies)
    }
    var unique: [LedgerID] = []
    for id in requested where !unique.contains(id) { unique.append(id) }
    if !listed.isEmpty {
      for id in unique where currencies[id] == nil {
        diagnostics.append(
          Diagnostic(
            .warning, code: "ledger-not-listed",
            "ledger \(id) is not in the ledger list; the credentials may not have access",
            ledgerID: id))
      }
    }
    return (unique, currencies)
  }
}
