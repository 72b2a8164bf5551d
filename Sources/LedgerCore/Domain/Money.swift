/// An amount of money in minor units (øre, cents) of a currency.
///
/// Amounts are always `Int64` minor units: never floating point, never `Int32`
/// (a large merchant's balance exceeds 2^31 øre).
public struct Money: Hashable, Sendable {
  /// Signed amount in minor units.
  public var minorUnits: Int64
  /// ISO 4217 currency code, e.g. `NOK`.
  public var currency: String

  public init(minorUnits: Int64, currency: String) {
    self.minorUnits = minorUnits
    self.currency = currency
  }

  /// The amount as a decimal string with exactly two decimals, e.g. `-1234.50`.
  public var decimalString: String { MoneyFormat.decimal(minorUnits) }
}

/// Rendering of minor units as text. The one place amounts become strings.
public enum MoneyFormat {
  /// Renders minor units with exactly two decimals, locale-independent.
  ///
  /// - Parameters:
  ///   - minorUnits: The signed amount in minor units; `Int64.min` is handled.
  ///   - separator: The decimal separator, `.` by default (`,` for Norwegian Excel).
  /// - Returns: e.g. `1234.50`, `-0.05`, `0.00`.
  public static func decimal(_ minorUnits: Int64, separator: Character = ".") -> String {
    let negative = minorUnits < 0
    let magnitude = minorUnits.magnitude
    let major = magnitude / 100
    let minor = magnitude % 100
    var result = negative ? "-" : ""
    result += String(major)
    result.append(separator)
    if minor < 10 { result += "0" }
    result += String(minor)
    return result
  }

  /// Parses a decimal string with at most two decimals (`12`, `12.5`, `-12.50`) into minor units.
  ///
  /// - Returns: `nil` when the text is not a plain decimal or does not fit in `Int64`.
  public static func parse(_ text: String) -> Int64? {
    var digits = Substring(text)
    var negative = false
    if digits.first == "-" {
      negative = true
      digits = digits.dropFirst()
    }
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let majorText = parts.first, !majorText.isEmpty,
      majorText.allSatisfy(\.isASCIIDigit)
    else { return nil }
    var fraction = parts.count == 2 ? String(parts[1]) : ""
    guard fraction.count <= 2, fraction.allSatisfy(\.isASCIIDigit),
      parts.count == 1 || !fraction.isEmpty
    else { return nil }
    while fraction.count < 2 { fraction += "0" }
    guard let major = Int64(majorText), let minor = Int64(fraction) else { return nil }
    let (scaled, overflow1) = major.multipliedReportingOverflow(by: 100)
    let (total, overflow2) = scaled.addingReportingOverflow(minor)
    guard !overflow1, !overflow2 else { return nil }
    return negative ? -total : total
  }
}

extension Character {
  var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
