extension Mapper {
  /// Splits a VAT-inclusive amount into net and VAT.
  ///
  /// `vat = gross × rate / (100 % + rate)`, rounded half away from zero to the minor unit
  /// (computed in `Int128`, so any `Int64` amount works); `net = gross − vat`. Both keep the
  /// sign of `gross`, and `net + vat == gross` exactly.
  ///
  /// - Parameters:
  ///   - gross: The signed amount including VAT, in minor units.
  ///   - rateBasisPoints: The rate in hundredths of a percent (2500 = 25 %); 0 or less gives no VAT.
  /// - Returns: The net and VAT amounts.
  public static func splitVAT(gross: Int64, rateBasisPoints: Int64) -> (net: Int64, vat: Int64) {
    guard rateBasisPoints > 0, gross != 0 else { return (gross, 0) }
    let numerator = Int128(gross) * Int128(rateBasisPoints)
    let denominator = Int128(10_000) + Int128(rateBasisPoints)
    var quotient = numerator / denominator
    let remainder = numerator % denominator  // carries the sign of the numerator
    if remainder.magnitude * 2 >= denominator.magnitude {
      quotient += numerator < 0 ? -1 : 1
    }
    // |quotient| ≤ |gross| because rate / (1 + rate) < 1, so both conversions are exact.
    let vat = Int64(quotient)
    return (gross - vat, vat)
  }
}
