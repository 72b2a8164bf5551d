/// The company a SAF-T file is about: the `company` section of the configuration
/// (`--company FILE` for `export`). See README, "SAF-T output".
public struct CompanyInfo: Sendable, Hashable, Decodable {
  public struct Address: Sendable, Hashable, Decodable {
    public var streetName: String
    public var number: String?
    public var city: String
    public var postalCode: String
    /// ISO 3166 two-letter code; default `NO`.
    public var country: String

    enum CodingKeys: String, CodingKey, CaseIterable {
      case streetName, number, city, postalCode, country
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      streetName = try c.decodeText(String.self, forKey: .streetName)
      number = try c.decodeIfPresent(String.self, forKey: .number)
      city = try c.decodeText(String.self, forKey: .city)
      postalCode = try c.decodeText(String.self, forKey: .postalCode)
      country = try c.decodeIfPresent(String.self, forKey: .country) ?? "NO"
      if country.count != 2 {
        throw c.issue("must be a two-letter country code", at: .country)
      }
    }
  }

  public struct Contact: Sendable, Hashable, Decodable {
    public var firstName: String
    public var lastName: String
    public var telephone: String?
    public var email: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case firstName, lastName, telephone, email }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.strictContainer(CodingKeys.self)
      firstName = try c.decodeText(String.self, forKey: .firstName)
      lastName = try c.decodeText(String.self, forKey: .lastName)
      telephone = try c.decodeIfPresent(String.self, forKey: .telephone)
      email = try c.decodeIfPresent(String.self, forKey: .email)
    }
  }

  /// Norwegian organisation number (9 digits).
  public var organizationNumber: String
  public var name: String
  public var address: Address
  /// At least one.
  public var contacts: [Contact]
  /// Registered for VAT: writes `TaxRegistration` `<orgnr>MVA`.
  public var vatRegistered: Bool
  /// SAF-T `DefaultCurrencyCode`; every amount is reported in it.
  public var currency: String
  /// Units of `currency` per unit of another currency (e.g. `DKK: "1.5870"`), used for ledgers in
  /// other currencies; up to 8 decimals.
  public var exchangeRates: [String: ExchangeRate]

  enum CodingKeys: String, CodingKey, CaseIterable {
    case organizationNumber, name, address, contacts, vatRegistered, currency, exchangeRates
  }

  /// Company data assembled from parts (e.g. a client entry of a run configuration).
  public init(
    organizationNumber: String, name: String, address: Address, contacts: [Contact],
    vatRegistered: Bool = false, currency: String = "NOK",
    exchangeRates: [String: ExchangeRate] = [:]
  ) {
    self.organizationNumber = organizationNumber
    self.name = name
    self.address = address
    self.contacts = contacts
    self.vatRegistered = vatRegistered
    self.currency = currency
    self.exchangeRates = exchangeRates
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.strictContainer(CodingKeys.self)
    organizationNumber = try c.decodeText(String.self, forKey: .organizationNumber)
    guard organizationNumber.count == 9, organizationNumber.allSatisfy(\.isASCIIDigit) else {
      throw c.issue("must be a 9-digit organisation number", at: .organizationNumber)
    }
    name = try c.decodeText(String.self, forKey: .name)
    address = try c.decode(Address.self, forKey: .address)
    contacts = try c.decode([Contact].self, forKey: .contacts)
    if contacts.isEmpty { throw c.issue("needs at least one contact person", at: .contacts) }
    vatRegistered = try c.decodeIfPresent(Bool.self, forKey: .vatRegistered) ?? false
    currency = try c.decodeIfPresent(String.self, forKey: .currency) ?? "NOK"
    guard currency.count == 3 else { throw c.issue("must be an ISO 4217 code", at: .currency) }
    let rates = try c.decodeIfPresent([String: String].self, forKey: .exchangeRates) ?? [:]
    exchangeRates = [:]
    for (code, text) in rates {
      guard let rate = ExchangeRate(text), rate.scaled > 0 else {
        throw c.issue(
          "exchange rate '\(text)' for \(code) is not a positive decimal", at: .exchangeRates)
      }
      exchangeRates[code] = rate
    }
  }

  /// Loads a company file (YAML; unknown keys rejected; errors name file, line and key).
  public static func load(contentsOf path: String) throws -> CompanyInfo {
    try YAMLFile.load(CompanyInfo.self, contentsOf: path, what: "company file").0
  }
}

/// An exchange rate with up to 8 decimals, stored exactly as an integer scaled by 10^8.
public struct ExchangeRate: Sendable, Hashable, CustomStringConvertible {
  public static let scale: Int64 = 100_000_000
  /// The rate × 10^8.
  public let scaled: Int64

  /// Parses `1.5870`, `7`, `0.00012345`.
  public init?(_ text: String) {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty,
      whole.allSatisfy(\.isASCIIDigit), let major = Int64(whole), major < 1_000_000_000
    else { return nil }
    var fraction = parts.count == 2 ? String(parts[1]) : ""
    guard fraction.count <= 8, fraction.allSatisfy(\.isASCIIDigit),
      parts.count == 1 || !fraction.isEmpty
    else { return nil }
    while fraction.count < 8 { fraction += "0" }
    guard let minor = Int64(fraction) else { return nil }
    scaled = major * ExchangeRate.scale + minor
  }

  /// The identity rate.
  public static let one = ExchangeRate(scaled: scale)

  init(scaled: Int64) { self.scaled = scaled }

  /// `1.58700000` style text with 8 decimals (SAF-T `SAFexchangerateType`).
  public var description: String {
    let fraction = String(scaled % ExchangeRate.scale)
    return "\(scaled / ExchangeRate.scale)."
      + String(repeating: "0", count: 8 - fraction.count) + fraction
  }

  /// `amount × rate`, rounded half away from zero; `nil` on overflow.
  public func convert(_ amount: Int64) -> Int64? {
    let product = Int128(amount) * Int128(scaled)
    let half = Int128(ExchangeRate.scale / 2)
    let rounded =
      product >= 0
      ? (product + half) / Int128(ExchangeRate.scale)
      : (product - half) / Int128(ExchangeRate.scale)
    return Int64(exactly: rounded)
  }
}
