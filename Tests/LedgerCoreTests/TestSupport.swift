import Foundation

@testable import LedgerCore

/// A ``ReportSource`` over pages held in memory.
struct InMemorySource: ReportSource {
  struct Key: Hashable {
    var ledger: LedgerID
    var topic: Topic
    var date: LedgerDate
  }

  var ledgerList: [Ledger]
  var pagesByKey: [Key: [ReportPage]]
  /// Dates whose fetch throws a malformed-page error.
  var malformed: Set<Key> = []

  init(ledgers: [Ledger] = [], pages: [Key: [ReportPage]] = [:]) {
    ledgerList = ledgers
    pagesByKey = pages
  }

  func ledgers() async throws -> [Ledger] { ledgerList }

  func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  > {
    let key = Key(ledger: ledger, topic: topic, date: date)
    let pages = pagesByKey[key]
    let broken = malformed.contains(key)
    return AsyncThrowingStream { continuation in
      if broken {
        continuation.finish(
          throwing: ReportSourceError.malformed("memory \(ledger) \(topic) \(date): broken page"))
        return
      }
      guard let pages else {
        continuation.finish(
          throwing: ReportSourceError.notAvailable("no data for \(ledger) \(topic) \(date)"))
        return
      }
      for (index, page) in pages.enumerated() {
        continuation.yield(
          LocatedPage(
            page: page,
            location: PageLocation(
              ledgerID: ledger, topic: topic, date: date, page: index + 1, origin: "memory")))
      }
      continuation.finish()
    }
  }

  /// Adds a synthetic ledger's days as closed single-page dates; the last `openDays` days open.
  mutating func add(_ generator: inout SyntheticLedger, days: Int, openDays: Int = 0) {
    ledgerList.append(Ledger(ledgerId: generator.ledgerID, currency: generator.currency))
    for index in 0..<days {
      let day = generator.nextDay()
      let open = index >= days - openDays
      pagesByKey[Key(ledger: generator.ledgerID, topic: .funds, date: day.date)] = [
        ReportPage(tryLater: open, items: day.funds)
      ]
      pagesByKey[Key(ledger: generator.ledgerID, topic: .fees, date: day.date)] = [
        ReportPage(tryLater: open, items: day.fees)
      ]
    }
  }
}

/// A compact profile for tests: sales with 25 % VAT, fees to expense, payouts to transit.
let testProfileYAML = """
  name: test
  clearing: { funds: "1579", fees: "2991" }
  suspense: { funds: "1598", fees: "2998" }
  accounts:
    "1579": { name: "Vipps funds", groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: "1570" }
    "2991": { name: "Vipps fees", groupingCategory: kortsiktigGjeld, groupingCode: "2990" }
    "1598": { name: "Suspense funds", groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: "1570" }
    "2998": { name: "Suspense fees", groupingCategory: kortsiktigGjeld, groupingCode: "2990" }
    "3000": { name: "Sales", groupingCategory: salgsinntekt, groupingCode: "3000" }
    "2700": { name: "Output VAT", groupingCategory: kortsiktigGjeld, groupingCode: "2740" }
    "7770": { name: "Fees", groupingCategory: annenDriftskostnad, groupingCode: "7700" }
    "1577": { name: "Fee transit", groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: "1570" }
    "1940": { name: "Payouts in transit", groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: "1920" }
  vatCodes:
    "3": { description: "Output VAT", rate: "25", standardTaxCode: "3" }
  dimensions:
    department:
      bySalesUnit: { "NO:123455": "10", "NO:123456": "11" }
  rules:
    - name: sales
      match: { topic: funds, entryType: [capture, refund] }
      contra: "3000"
      vat: { code: "3", rate: "25", account: "2700" }
      dimensions: [department]
    - name: fees
      match: { topic: fees, entryType: capture-fee }
      contra: "7770"
    - name: retained
      match: { entryType: fees-retained }
      contra: "1577"
    - name: payouts
      match: { topic: funds, entryType: [payout-scheduled, scheduled-for-payout, payout-aborted] }
      contra: "1940"
  """

func testProfile() throws -> MappingProfile {
  try MappingProfile.load(yaml: testProfileYAML, path: "test.yaml")
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "vipps-ledger-test-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().path
