import Foundation
import LedgerCore
import ReportAPI
import Testing

/// The pure state machines of `ReportAPI`: backoff, retries, paging and tokens. Deterministic:
/// seeded random sources, fixed dates and instants; nothing sleeps.
@Suite enum StateMachineTests {
  /// A fixed "now": 2023-11-14T22:13:20Z.
  static let now = Date(timeIntervalSince1970: 1_700_000_000)

  /// A policy without jitter, so delays are exact.
  static let exactPolicy = BackoffPolicy(jitter: 0)

  /// A retry state machine on the fixed clock.
  static func retryMachine(
    _ policy: BackoffPolicy = exactPolicy, seed: UInt64 = 1
  ) -> RetryStateMachine {
    RetryStateMachine(policy: policy, now: { now }, random: SplitMix64(seed: seed))
  }

  /// A dates page without items.
  static func page(cursor: String? = nil, hasMore: Bool, tryLater: Bool = false) -> ReportPage {
    ReportPage(cursor: cursor, hasMore: hasMore, tryLater: tryLater, items: [])
  }

  /// A ledger-list page without ledgers, decoded as it comes from the API.
  static func ledgerPage(cursorJSON: String) throws -> LedgerListPage {
    let json = cursorJSON.isEmpty ? #"{"items":[]}"# : #"{"cursor":\#(cursorJSON),"items":[]}"#
    return try JSONDecoder().decode(LedgerListPage.self, from: Data(json.utf8))
  }
}
