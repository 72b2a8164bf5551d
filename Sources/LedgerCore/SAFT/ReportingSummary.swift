import Foundation

/// Options of a SAF-T export: who the file is about and what it starts from.
public struct SAFTOptions: Sendable {
  public var company: CompanyInfo
  /// Opening balance per account in the reporting currency (debit positive); default zero.
  public var openingBalances: [AccountID: Int64]
  /// `AuditFileDateCreated` and `SystemEntryDate` (injected, so golden files are stable).
  public var createdOn: LedgerDate

  public init(
    company: CompanyInfo, openingBalances: [AccountID: Int64] = [:], createdOn: LedgerDate
  ) {
    self.company = company
    self.openingBalances = openingBalances
    self.createdOn = createdOn
  }
}

/// What the SAF-T header, master files and totals need before the first transaction is written:
/// computed by the pipeline from the vouchers it exported (in the reporting currency).
public struct ReportingSummary: Hashable, Sendable {
  /// One general-ledger account with its balances.
  public struct AccountBalance: Hashable, Sendable {
    public var id: AccountID
    public var name: String
    public var groupingCategory: String
    public var groupingCode: String
    /// Debit positive.
    public var opening: Int64
    public var debit: Int64
    public var credit: Int64
    /// opening + debit − credit.
    public var closing: Int64
  }

  /// One VAT code used by the exported lines.
  public struct TaxCode: Hashable, Sendable {
    public var code: String
    public var description: String
    public var rateBasisPoints: Int64
    public var standardTaxCode: String
  }

  public var accounts: [AccountBalance]
  public var taxCodes: [TaxCode]
  public var transactionCount: Int
  public var totalDebit: Int64
  public var totalCredit: Int64
}

/// Conversion of vouchers into the reporting currency (SAF-T `DefaultCurrencyCode`).
public struct ReportingCurrency: Sendable {
  /// A line in the reporting currency.
  public struct Line: Sendable {
    public var line: JournalLine
    /// Signed amount in the reporting currency.
    public var amount: Int64
    /// The VAT base in the reporting currency, when the line has VAT information.
    public var vatBase: Int64?
    /// Set when the line's currency differs from the reporting currency.
    public var rate: ExchangeRate?
  }

  public let currency: String
  public let rates: [String: ExchangeRate]

  public init(currency: String, rates: [String: ExchangeRate]) {
    self.currency = currency
    self.rates = rates
  }

  /// The voucher's lines in the reporting currency, still balanced: each line is converted with
  /// rounding half away from zero, and the rounding residual (a few øre at most) is put on the
  /// line with the largest amount.
  public func convert(_ voucher: Voucher) throws -> [Line] {
    var lines: [Line] = []
    lines.reserveCapacity(voucher.lines.count)
    var total: Int128 = 0
    for line in voucher.lines {
      if line.currency == currency {
        lines.append(
          Line(line: line, amount: line.amount, vatBase: line.vat?.baseMinorUnits, rate: nil))
        total += Int128(line.amount)
        continue
      }
      guard let rate = rates[line.currency] else {
        throw ReportingCurrencyError(
          "no exchange rate from \(line.currency) to \(currency) (company exchangeRates) for voucher \(voucher.id)"
        )
      }
      guard let amount = rate.convert(line.amount) else {
        throw ReportingCurrencyError("amount of voucher \(voucher.id) overflows when converted")
      }
      let base = line.vat.map { rate.convert($0.baseMinorUnits) ?? 0 }
      lines.append(Line(line: line, amount: amount, vatBase: base, rate: rate))
      total += Int128(amount)
    }
    // The residual goes on the largest contra or VAT line, so home lines stay the exact
    // conversion of the Vipps amount.
    let candidates = lines.indices.filter { lines[$0].line.role != .home }
    let pool = candidates.isEmpty ? Array(lines.indices) : candidates
    if total != 0,
      let largest = pool.max(by: { abs(Int128(lines[$0].amount)) < abs(Int128(lines[$1].amount)) })
    {
      guard let adjusted = Int64(exactly: Int128(lines[largest].amount) - total) else {
        throw ReportingCurrencyError("amount of voucher \(voucher.id) overflows when converted")
      }
      lines[largest].amount = adjusted
    }
    return lines
  }
}

/// A voucher cannot be reported in the reporting currency.
public struct ReportingCurrencyError: Error, LocalizedError, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
  public var errorDescription: String? { description }
}
