import Foundation

/// Where a page came from, for error messages and diagnostics.
public struct PageLocation: Hashable, Sendable, CustomStringConvertible {
  public var ledgerID: LedgerID
  public var topic: Topic
  public var date: LedgerDate
  /// 1-based page number within the date.
  public var page: Int
  /// The file the page was read from (replay) or the request path (HTTP).
  public var origin: String

  public init(ledgerID: LedgerID, topic: Topic, date: LedgerDate, page: Int, origin: String) {
    self.ledgerID = ledgerID
    self.topic = topic
    self.date = date
    self.page = page
    self.origin = origin
  }

  public var description: String {
    "ledger \(ledgerID) \(topic) \(date) page \(page) (\(origin))"
  }
}

/// A page of a ledger date together with where it came from.
public struct LocatedPage: Sendable {
  public var page: ReportPage
  public var location: PageLocation

  public init(page: ReportPage, location: PageLocation) {
    self.page = page
    self.location = location
  }
}

/// A source of Report API data: recorded pages on disk, or the live HTTP API.
///
/// The fetch stage. A source knows paging and `tryLater`, nothing about accounts.
public protocol ReportSource: Sendable {
  /// All ledgers the credentials can read (`GET /settlement/v1/ledgers`, every page).
  func ledgers() async throws -> [Ledger]

  /// The pages of one ledger date of one topic, in order, following the cursor while `hasMore`.
  ///
  /// The last page's `tryLater` tells whether the date is closed. A date the source has no data
  /// for at all ends the sequence by throwing ``ReportSourceError/notAvailable(_:)``.
  func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  >
}

/// Errors of a ``ReportSource``.
public struct ReportSourceError: Error, Hashable, Sendable, CustomStringConvertible {
  private enum Code: Hashable, Sendable {
    case notAvailable
    case malformed
    case missingSource
    case accessDenied
    case fetchFailed
  }
  private let code: Code
  /// Human-readable detail naming the file, ledger, date and page.
  public let detail: String

  private init(_ code: Code, _ detail: String) {
    self.code = code
    self.detail = detail
  }

  /// No data recorded / available for this ledger date.
  public static func notAvailable(_ detail: String) -> Self { .init(.notAvailable, detail) }
  /// A page could not be decoded or is inconsistent with the paging rules.
  public static func malformed(_ detail: String) -> Self { .init(.malformed, detail) }
  /// The source itself (directory, server) does not exist.
  public static func missingSource(_ detail: String) -> Self { .init(.missingSource, detail) }
  /// The credentials cannot read this ledger.
  public static func accessDenied(_ detail: String) -> Self { .init(.accessDenied, detail) }
  /// The source could not deliver a page (e.g. retries exhausted, authentication failed).
  public static func fetchFailed(_ detail: String) -> Self { .init(.fetchFailed, detail) }

  /// Whether this is ``notAvailable(_:)``.
  public var isNotAvailable: Bool { code == .notAvailable }
  /// Whether this is ``missingSource(_:)``.
  public var isMissingSource: Bool { code == .missingSource }
  /// Whether this is ``accessDenied(_:)``.
  public var isAccessDenied: Bool { code == .accessDenied }
  /// A short code for diagnostics: `not-available`, `malformed-page`, `missing-source`,
  /// `access-denied`, `fetch-failed`.
  public var diagnosticCode: String {
    switch code {
    case .notAvailable: "not-available"
    case .malformed: "malformed-page"
    case .missingSource: "missing-source"
    case .accessDenied: "access-denied"
    case .fetchFailed: "fetch-failed"
    }
  }

  public var description: String { detail }
}

extension ReportSourceError: LocalizedError {
  public var errorDescription: String? { detail }
}
