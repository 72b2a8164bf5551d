/// The SAF-T Financial rules that the XSD does not check, as a state machine fed with the elements
/// of one streaming pass (start, text, end), so it runs without libxml2 in tests too.
///
/// Memory holds the open-element path, the current transaction and line, the general-ledger
/// accounts and the set of transaction IDs; never the lines themselves. Elements are matched on
/// local names, so a default namespace and a prefix are the same. Checks that span the file
/// (totals, entry count, roll-forward) run in ``finish()``.
struct SAFTRuleChecker {
  /// The rule codes this checker reports (besides `not-well-formed` and `truncated`).
  static let rules = [
    "version", "transaction-balance", "totals", "entry-count", "account-exists", "account-unique",
    "transaction-unique", "balance-rollforward", "date-in-period", "period-in-selection",
    "negative-amount", "amount-format", "empty-description",
  ]

  /// Elements whose text is a `SAFmonetaryType` amount that must be non-negative.
  private static let monetary: Set<String> = [
    "Amount", "OpeningDebitBalance", "OpeningCreditBalance", "ClosingDebitBalance",
    "ClosingCreditBalance", "TotalDebit", "TotalCredit",
  ]

  private struct Account {
    var id: String
    var line: Int
    var opening: Int128 = 0
    var closing: Int128 = 0
    /// Where the closing balance is; `nil` when the account has none.
    var closingLine: Int?
    var debit: Int128 = 0
    var credit: Int128 = 0
    /// An amount of the account or of one of its lines was malformed: no roll-forward check.
    var malformed = false
  }

  private struct Transaction {
    var line: Int
    var id: String?
    var period: (value: Int, line: Int)?
    var debit: Int128 = 0
    var credit: Int128 = 0
    var malformed = false
  }

  private struct Line {
    var recordID: String?
    var accountID: (value: String, line: Int)?
    var debit: Int128 = 0
    var credit: Int128 = 0
    var malformed = false
  }

  private var path: [String] = []
  private var lines: [Int] = []
  private var text = ""
  private var violations = ViolationList()

  private var selection = SAFTSelection()
  private var sawAccounts = false
  private var pendingAccount: Account?
  private var accountIndex: [String: Int] = [:]
  private var accounts: [Account] = []

  private var sawEntries = false
  private var declaredEntries: (text: String, line: Int)?
  private var declaredDebit: (amount: Int64, line: Int)?
  private var declaredCredit: (amount: Int64, line: Int)?
  private var transactionCount = 0
  private var totalDebit: Int128 = 0
  private var totalCredit: Int128 = 0
  /// A line amount was malformed, so the sums are unknown (reported once, as `amount-format`).
  private var malformedTotals = false
  private var journalID: String?
  private var transactionIDs: [String: Int] = [:]
  private var transaction: Transaction?
  private var line: Line?

  /// An element starts at `line` (1-based).
  mutating func startElement(_ name: String, line number: Int) {
    let parent = path.last
    path.append(name)
    lines.append(number)
    text = ""
    switch (parent, name) {
    case ("GeneralLedgerAccounts", "Account"): pendingAccount = Account(id: "", line: number)
    case ("MasterFiles", "GeneralLedgerAccounts"): sawAccounts = true
    case ("AuditFile", "GeneralLedgerEntries"): sawEntries = true
    case ("GeneralLedgerEntries", "Journal"): journalID = nil
    case ("Journal", "Transaction"):
      transaction = Transaction(line: number)
      transactionCount += 1
    case ("Transaction", "Line") where transaction != nil: line = Line()
    default: break
    }
  }

  /// Character data (text, CDATA or whitespace) inside the current element.
  mutating func characters(_ value: String) { text += value }

  /// The current element ends.
  mutating func endElement() {
    guard let name = path.last, let number = lines.last else { return }
    let parent = path.count >= 2 ? path[path.count - 2] : ""
    let grandparent = path.count >= 3 ? path[path.count - 3] : ""
    let value = text.trimmingXMLWhitespace()
    let amount = Self.monetary.contains(name) ? checkAmount(value, name: name, line: number) : nil
    switch (parent, name) {
    case ("Header", "AuditFileVersion") where value != "1.30":
      report(number, "version", "AuditFileVersion is '\(value)', expected 1.30")
    case ("SelectionCriteria", _) where grandparent == "Header":
      selection.set(name, value)
    case ("Account", _) where grandparent == "GeneralLedgerAccounts":
      accountField(name, value: value, amount: amount, line: number)
    case ("GeneralLedgerAccounts", "Account"): registerAccount()
    case ("GeneralLedgerEntries", "NumberOfEntries"): declaredEntries = (value, number)
    case ("GeneralLedgerEntries", "TotalDebit"): declaredDebit = amount.map { ($0, number) }
    case ("GeneralLedgerEntries", "TotalCredit"): declaredCredit = amount.map { ($0, number) }
    case ("Journal", "JournalID"): journalID = value
    case ("Journal", "Description") where value.isEmpty:
      report(number, "empty-description", "journal \(journalID ?? "?"): empty Description")
    case ("Journal", "Transaction"): endTransaction()
    case ("Transaction", "Line"): endLine()
    case ("Transaction", _): transactionField(name, value: value, line: number)
    case ("Line", "RecordID"): line?.recordID = value
    case ("Line", "AccountID"): line?.accountID = (value, number)
    case ("Line", "Description") where value.isEmpty && line != nil:
      report(number, "empty-description", "\(context)empty Description")
    case ("DebitAmount", "Amount") where grandparent == "Line":
      line?.debit += Int128(amount ?? 0)
      if amount == nil { line?.malformed = true }
    case ("CreditAmount", "Amount") where grandparent == "Line":
      line?.credit += Int128(amount ?? 0)
      if amount == nil { line?.malformed = true }
    default: break
    }
    path.removeLast()
    lines.removeLast()
    text = ""
  }

  /// A parse error ended the pass: reports it; ``finish()`` then skips the file-wide checks.
  mutating func notWellFormed(line: Int?, message: String) {
    report(line, "not-well-formed", message)
  }

  /// Runs the file-wide checks and returns every violation, in file order.
  mutating func finish(complete: Bool = true) -> [SAFTViolation] {
    if complete && sawEntries {
      checkTotals()
      if sawAccounts { checkRollForward() }
    }
    return violations.result
  }

  // MARK: - Fields

  private mutating func accountField(_ name: String, value: String, amount: Int64?, line: Int) {
    if Self.monetary.contains(name) && amount == nil { pendingAccount?.malformed = true }
    let amount = Int128(amount ?? 0)
    switch name {
    case "AccountID": pendingAccount?.id = value
    case "OpeningDebitBalance": pendingAccount?.opening += amount
    case "OpeningCreditBalance": pendingAccount?.opening -= amount
    case "ClosingDebitBalance", "ClosingCreditBalance":
      let signed = name == "ClosingDebitBalance" ? amount : -amount
      pendingAccount?.closing += signed
      pendingAccount?.closingLine = line
    default: break
    }
  }

  private mutating func registerAccount() {
    guard let account = pendingAccount else { return }
    pendingAccount = nil
    if let first = accountIndex[account.id] {
      report(
        account.line, "account-unique",
        "account ID \(account.id) is not unique (first at line \(accounts[first].line))")
      return
    }
    accountIndex[account.id] = accounts.count
    accounts.append(account)
  }

  private mutating func transactionField(_ name: String, value: String, line number: Int) {
    guard transaction != nil else { return }
    let id = transaction?.id ?? "?"
    switch name {
    case "TransactionID":
      transaction?.id = value
      if let first = transactionIDs[value] {
        report(
          number, "transaction-unique",
          "transaction ID \(value) is not unique (first at line \(first))")
      } else {
        transactionIDs[value] = number
      }
    case "Period":
      transaction?.period = Int(value).map { ($0, number) }
    case "PeriodYear":
      guard let period = transaction?.period, let year = Int(value),
        let range = selection.periodRange, !range.contains(year * 100 + period.value)
      else { return }
      report(
        period.line, "period-in-selection",
        "transaction \(id): period \(period.value)/\(year) is outside the selection "
          + selection.periodDescription)
    case "TransactionDate":
      guard let range = selection.dateRange else { return }
      guard let date = SAFTSelection.parseDate(value) else {
        report(
          number, "date-in-period", "transaction \(id): TransactionDate '\(value)' is not a date")
        return
      }
      if !range.contains(date) {
        report(
          number, "date-in-period",
          "transaction \(id): TransactionDate \(value) is outside the selection "
            + selection.dateDescription)
      }
    case "Description" where value.isEmpty:
      report(number, "empty-description", "transaction \(id): empty Description")
    default: break
    }
  }

  private mutating func endLine() {
    guard let current = line, transaction != nil else { return }
    transaction?.debit += current.debit
    transaction?.credit += current.credit
    totalDebit += current.debit
    totalCredit += current.credit
    if current.malformed {
      transaction?.malformed = true
      malformedTotals = true
    }
    if let reference = current.accountID {
      let accountID = reference.value
      if let index = accountIndex[accountID] {
        accounts[index].debit += current.debit
        accounts[index].credit += current.credit
        if current.malformed { accounts[index].malformed = true }
      } else if sawAccounts {
        report(
          reference.line, "account-exists",
          "\(context)account \(accountID) is not in MasterFiles/GeneralLedgerAccounts")
      }
    }
    line = nil
  }

  private mutating func endTransaction() {
    guard let current = transaction else { return }
    if current.debit != current.credit && !current.malformed {
      report(
        current.line, "transaction-balance",
        "transaction \(current.id ?? "?") does not balance: debit \(Self.render(current.debit)), "
          + "credit \(Self.render(current.credit))")
    }
    transaction = nil
    line = nil
  }

  // MARK: - Amounts

  /// Parses an amount, reporting a malformed or negative one.
  private mutating func checkAmount(_ value: String, name: String, line number: Int) -> Int64? {
    let element = path.suffix(2).joined(separator: "/")
    guard let amount = SAFTSelection.parseAmount(value) else {
      report(
        number, "amount-format",
        "\(context)invalid amount '\(value)' in \(element) (a decimal with at most 2 decimals)")
      return nil
    }
    if amount < 0 {
      report(
        number, "negative-amount",
        "\(context)negative amount \(MoneyFormat.decimal(amount)) in \(element)")
    }
    return amount
  }

  // MARK: - File-wide checks

  private mutating func checkTotals() {
    if let declared = declaredEntries {
      if Int(declared.text) != transactionCount {
        report(
          declared.line, "entry-count",
          "NumberOfEntries \(declared.text) does not equal the number of transactions "
            + "\(transactionCount)")
      }
    }
    if let debit = declaredDebit, Int128(debit.amount) != totalDebit, !malformedTotals {
      report(
        debit.line, "totals",
        "TotalDebit \(MoneyFormat.decimal(debit.amount)) does not equal the sum of the lines' "
          + "debits \(Self.render(totalDebit))")
    }
    if let credit = declaredCredit, Int128(credit.amount) != totalCredit, !malformedTotals {
      report(
        credit.line, "totals",
        "TotalCredit \(MoneyFormat.decimal(credit.amount)) does not equal the sum of the lines' "
          + "credits \(Self.render(totalCredit))")
    }
    if let debit = declaredDebit, let credit = declaredCredit, debit.amount != credit.amount {
      report(
        credit.line, "totals",
        "TotalDebit \(MoneyFormat.decimal(debit.amount)) does not equal TotalCredit "
          + MoneyFormat.decimal(credit.amount))
    }
  }

  private mutating func checkRollForward() {
    for account in accounts {
      guard let closingLine = account.closingLine, !account.malformed else { continue }
      let expected = account.opening + account.debit - account.credit
      if expected != account.closing {
        report(
          closingLine, "balance-rollforward",
          "account \(account.id): opening \(Self.render(account.opening)) + debit "
            + "\(Self.render(account.debit)) - credit \(Self.render(account.credit)) = "
            + "\(Self.render(expected)), but closing is \(Self.render(account.closing)) "
            + "(debit positive)")
      }
    }
  }

  // MARK: - Helpers

  /// Where in the file we are, for messages: `transaction A1001 line 2: `, `account 1920: `.
  private var context: String {
    if let transaction {
      let prefix = "transaction \(transaction.id ?? "?")"
      if let line { return prefix + " line \(line.recordID ?? "?"): " }
      return prefix + ": "
    }
    if let pendingAccount { return "account \(pendingAccount.id): " }
    return ""
  }

  private mutating func report(_ line: Int?, _ rule: String, _ message: String) {
    violations.add(SAFTViolation(line: line, rule: rule, message: message))
  }

  /// Renders a sum of minor units with two decimals.
  static func render(_ minorUnits: Int128) -> String {
    if let small = Int64(exactly: minorUnits) { return MoneyFormat.decimal(small) }
    let magnitude = minorUnits.magnitude
    let minor = magnitude % 100
    return (minorUnits < 0 ? "-" : "") + "\(magnitude / 100)." + (minor < 10 ? "0" : "")
      + "\(minor)"
  }
}
