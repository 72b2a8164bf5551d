extension LedgerProcessor {
  /// Warnings for suspense postings (errors under `strict`) and undocumented entry types.
  func summaryWarnings(_ totals: Totals) -> [Diagnostic] {
    var result: [Diagnostic] = []
    for (key, count) in totals.unknownTypes.sorted(by: { $0.key < $1.key }) {
      result.append(
        Diagnostic(
          .warning, code: "unknown-entry-type",
          "\(count) \(count == 1 ? "entry" : "entries") of undocumented type \(key)",
          ledgerID: ledgerID))
    }
    for (key, count) in totals.suspense.sorted(by: { $0.key < $1.key }) {
      let severity: Diagnostic.Severity = request.strict ? .error : .warning
      result.append(
        Diagnostic(
          severity, code: "unmapped-entry",
          "\(count) \(key) \(count == 1 ? "entry" : "entries") matched no rule and went to the suspense account",
          ledgerID: ledgerID))
    }
    return result
  }

  /// The reconcile stage for one ledger: every clearing account's movement must equal the sum of
  /// the exported amounts of its topics and the movement of Vipps' balance chain; debits must
  /// equal credits.
  func reconcile(_ totals: Totals) throws -> [Diagnostic] {
    var result: [Diagnostic] = []
    for check in clearingChecks(totals) where !check.ok {
      result.append(
        Diagnostic(
          .error, code: "reconcile",
          "clearing account \(check.account) moved \(check.movement), but the exported \(check.topics.map(\.rawValue).joined(separator: "+")) amounts sum to \(check.amountSum) and the balance chain moved \(check.balanceChainMovement)",
          ledgerID: ledgerID))
    }
    let debit = try totals.accountDebit.values.reduce(0, checkedAdd)
    let credit = try totals.accountCredit.values.reduce(0, checkedAdd)
    if debit != credit {
      result.append(
        Diagnostic(
          .error, code: "reconcile",
          "total debit \(MoneyFormat.decimal(debit)) differs from total credit \(MoneyFormat.decimal(credit))",
          ledgerID: ledgerID))
    }
    return result
  }

  /// One check per clearing account (one account may serve both topics).
  func clearingChecks(_ totals: Totals) -> [RunReport.ClearingCheck] {
    var topicsByAccount: [AccountID: [Topic]] = [:]
    for topic in Topic.allCases {
      topicsByAccount[request.profile.clearingAccount(for: topic), default: []].append(topic)
    }
    return topicsByAccount.keys.sorted().map { account in
      let topics = topicsByAccount[account] ?? []
      let movement =
        Int128(totals.accountDebit[account] ?? 0) - Int128(totals.accountCredit[account] ?? 0)
      let amountSum = topics.reduce(Int128(0)) { $0 + Int128(totals.amountSum[$1] ?? 0) }
      let chain = topics.reduce(Int128(0)) { $0 + Int128(totals.chainMovement[$1] ?? 0) }
      return RunReport.ClearingCheck(
        account: account.rawValue, topics: topics, movement: render(movement),
        amountSum: render(amountSum), balanceChainMovement: render(chain),
        ok: movement == amountSum && amountSum == chain)
    }
  }

  /// Debit, credit and net per account, sorted by account.
  func controlTotals(_ totals: Totals) -> [RunReport.AccountTotal] {
    let accounts = Set(totals.accountDebit.keys).union(totals.accountCredit.keys).sorted()
    return accounts.map { account in
      let debit = totals.accountDebit[account] ?? 0
      let credit = totals.accountCredit[account] ?? 0
      return RunReport.AccountTotal(
        account: account.rawValue,
        name: request.profile.accountName(for: account),
        debit: MoneyFormat.decimal(debit), credit: MoneyFormat.decimal(credit),
        net: render(Int128(debit) - Int128(credit)))
    }
  }

  private func render(_ value: Int128) -> String {
    if let small = Int64(exactly: value) { return MoneyFormat.decimal(small) }
    return "out of range"
  }
}
