import Foundation

/// Decoding of Report API response bodies for sources outside LedgerCore (the HTTP client).
public enum ReportDecoding {
  /// Decodes a dates or feed page; errors are ``ReportSourceError/malformed(_:)`` naming
  /// `context` and the field (`items[3].amount: …`).
  public static func page(_ data: Data, context: String) throws -> ReportPage {
    try PageDecoding.decode(ReportPage.self, data: data, context: context)
  }

  /// Decodes a `GET /settlement/v1/ledgers` page.
  public static func ledgerList(_ data: Data, context: String) throws -> LedgerListPage {
    try PageDecoding.decode(LedgerListPage.self, data: data, context: context)
  }
}
