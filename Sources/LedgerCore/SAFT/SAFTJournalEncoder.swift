/// Writes Norwegian SAF-T Financial 1.30 (`urn:StandardAuditFile-Taxation-Financial:NO`): the
/// prologue through libxml2's streaming writer, each voucher's `Transaction` straight into bytes
/// from its ``VoucherFrame`` (`SAFTJournalEncoder+Frame.swift`), so the pipeline's frame lane
/// writes SAF-T too.
///
/// The prologue holds the `Header`, the `MasterFiles` (every account posted to, with opening and
/// closing balances; a `TaxTable` entry per VAT code used) and the `GeneralLedgerEntries` totals,
/// all taken from ``ExportMetadata/reporting``, which the pipeline computes before the file is
/// assembled; each voucher becomes one `Transaction` of the single Vipps `Journal`. Amounts are in
/// the company's currency (`DefaultCurrencyCode`); lines in another currency also carry
/// `CurrencyCode`, `CurrencyAmount` and `ExchangeRate`. Amounts are never negative: the side
/// (debit/credit) carries the sign. Text is cut to the schema's lengths and cleaned of control
/// characters.
public struct SAFTJournalEncoder: JournalEncoder {
  public static let namespace = "urn:StandardAuditFile-Taxation-Financial:NO"
  public let options: SAFTOptions
  let reporting: ReportingCurrency
  /// The reporting currency's UTF-8 bytes, and whether they are ASCII.
  let currencyBytes: [UInt8]
  let currencyIsASCII: Bool
  /// `Country` (the company's) as written: escaped, up to a NUL.
  let countryText: [UInt8]

  public init(options: SAFTOptions) {
    self.options = options
    reporting = ReportingCurrency(
      currency: options.company.currency, rates: options.company.exchangeRates)
    currencyBytes = Array(options.company.currency.utf8)
    currencyIsASCII = currencyBytes.allSatisfy { $0 < 0x80 }
    var sink = ByteSink(capacity: 64)
    Array(options.company.address.country.utf8).withUnsafeBufferPointer {
      XMLText.appendEscaped($0, to: &sink)
    }
    countryText = Array(sink.bytes)
  }

  public var fileExtension: String { "xml" }
  public var separator: [UInt8] { [] }

  public func prologue(_ metadata: ExportMetadata) -> [UInt8] {
    let xml = XMLFragmentWriter()
    xml.startDocument()
    xml.start("AuditFile", namespace: Self.namespace)
    writeHeader(xml, metadata)
    let summary = metadata.reporting
    if let summary, !summary.accounts.isEmpty {
      xml.start("MasterFiles")
      xml.start("GeneralLedgerAccounts")
      for account in summary.accounts { writeAccount(xml, account) }
      xml.end()
      if !summary.taxCodes.isEmpty {
        xml.start("TaxTable")
        xml.start("TaxTableEntry")
        xml.element("TaxType", "MVA")
        xml.element("Description", "Merverdiavgift")
        for code in summary.taxCodes {
          xml.start("TaxCodeDetails")
          xml.element("TaxCode", text(code.code, 70))
          xml.element("Description", text(code.description, 256))
          xml.element("TaxPercentage", MoneyFormat.decimal(code.rateBasisPoints))
          xml.element("Country", country)
          xml.element("StandardTaxCode", code.standardTaxCode)
          xml.element("BaseRate", "100")
          xml.end()
        }
        xml.end()
        xml.end()
      }
      xml.end()
    }
    xml.start("GeneralLedgerEntries")
    xml.element("NumberOfEntries", String(summary?.transactionCount ?? 0))
    xml.element("TotalDebit", MoneyFormat.decimal(summary?.totalDebit ?? 0))
    xml.element("TotalCredit", MoneyFormat.decimal(summary?.totalCredit ?? 0))
    xml.start("Journal")
    xml.element("JournalID", "VIPPS")
    xml.element("Description", "Vipps MobilePay settlement ledgers (\(metadata.profileName))")
    xml.element("Type", "GL")
    return xml.take()
  }

  /// Appends the voucher's `Transaction`; written through its frame (see
  /// ``encode(_:text:into:)``), so the pipeline's frame lane and this give the same bytes.
  public func encode(_ voucher: Voucher, into buffer: inout [UInt8]) {
    encodeThroughFrame(voucher, into: &buffer)
  }

  public func epilogue(_ metadata: ExportMetadata) -> [UInt8] {
    Array("\n    </Journal>\n  </GeneralLedgerEntries>\n</AuditFile>\n".utf8)
  }

  // MARK: Parts

  private var country: String { options.company.address.country }

  private func text(_ value: String, _ length: Int, fallback: String = "-") -> String {
    let cleaned = XMLText.clean(value, maxLength: length)
    return cleaned.isEmpty ? XMLText.clean(fallback, maxLength: length) : cleaned
  }

  private func writeHeader(_ xml: XMLFragmentWriter, _ metadata: ExportMetadata) {
    let company = options.company
    xml.start("Header")
    xml.element("AuditFileVersion", "1.30")
    xml.element("AuditFileCountry", country)
    xml.element("AuditFileDateCreated", options.createdOn.description)
    xml.element("SoftwareCompanyName", "vipps-ledger")
    xml.element("SoftwareID", "vipps-ledger")
    xml.element("SoftwareVersion", text(metadata.toolVersion, 18))
    xml.start("Company")
    xml.element("RegistrationNumber", company.organizationNumber)
    xml.element("Name", text(company.name, 256))
    let address = company.address
    xml.start("Address")
    xml.element("StreetName", text(address.streetName, 256))
    if let value = address.number { xml.element("Number", text(value, 70)) }
    xml.element("City", text(address.city, 256))
    xml.element("PostalCode", text(address.postalCode, 70))
    xml.element("Country", address.country)
    xml.element("AddressType", "StreetAddress")
    xml.end()
    for contact in company.contacts {
      xml.start("Contact")
      xml.start("ContactPerson")
      xml.element("FirstName", text(contact.firstName, 35))
      xml.element("LastName", text(contact.lastName, 70))
      xml.end()
      if let value = contact.telephone { xml.element("Telephone", text(value, 35)) }
      if let value = contact.email { xml.element("Email", text(value, 70)) }
      xml.end()
    }
    if company.vatRegistered {
      xml.start("TaxRegistration")
      xml.element("TaxRegistrationNumber", "\(company.organizationNumber)MVA")
      xml.element("TaxAuthority", "Skatteetaten")
      xml.end()
    }
    xml.end()
    xml.element("DefaultCurrencyCode", company.currency)
    xml.start("SelectionCriteria")
    let (from, to) = (metadata.from, metadata.to)
    if from.day == 1, to.adding(days: 1).day == 1 {
      xml.element("PeriodStart", String(from.month))
      xml.element("PeriodStartYear", String(from.year))
      xml.element("PeriodEnd", String(to.month))
      xml.element("PeriodEndYear", String(to.year))
    } else {
      xml.element("SelectionStartDate", from.description)
      xml.element("SelectionEndDate", to.description)
    }
    xml.end()
    xml.element("TaxAccountingBasis", "A")
    xml.end()
  }

  private func writeAccount(_ xml: XMLFragmentWriter, _ account: ReportingSummary.AccountBalance) {
    xml.start("Account")
    xml.element("AccountID", text(account.id.rawValue, 70))
    xml.element("AccountDescription", text(account.name, 256, fallback: account.id.rawValue))
    xml.element("GroupingCategory", text(account.groupingCategory, 256))
    xml.element("GroupingCode", text(account.groupingCode, 35))
    xml.element("AccountType", "GL")
    writeBalance(xml, "Opening", account.opening)
    writeBalance(xml, "Closing", account.closing)
    xml.end()
  }

  private func writeBalance(_ xml: XMLFragmentWriter, _ kind: String, _ balance: Int64) {
    if balance >= 0 {
      xml.element("\(kind)DebitBalance", MoneyFormat.decimal(balance))
    } else {
      xml.element(
        "\(kind)CreditBalance", MoneyFormat.decimal(balance).replacingOccurrences("-", with: ""))
    }
  }
}
