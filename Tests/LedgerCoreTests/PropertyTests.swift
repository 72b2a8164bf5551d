import Foundation
import Testing

@testable import LedgerCore

/// Random valid entry streams through map and the whole pipeline.
@Suite struct PropertyTests {
  static let entryTypes: [EntryType] =
    EntryType.known + [.unknown("reserve-release"), .unknown("x-ray")]

  /// A random valid stream for one ledger: random types (known and unknown), signs and amounts up
  /// to ~10^15 minor units, with balances chained exactly and kept within ±4·10^18.
  static func randomDays(
    seed: UInt64, days: Int, start: LedgerDate, limit: Int64 = 3_000_000_000_000_000_000
  ) -> [SyntheticDay] {
    var random = SplitMix64(seed: seed)
    var balances: [Topic: Int64] = [.funds: 0, .fees: 0]
    var result: [SyntheticDay] = []
    for index in 0..<days {
      let date = start.adding(days: index)
      var day = SyntheticDay(date: date, funds: [], fees: [])
      for position in 0..<Int(random.next() % 40) {
        let topic: Topic = random.next() % 2 == 0 ? .funds : .fees
        let type = entryTypes[Int(random.next() % UInt64(entryTypes.count))]
        let magnitude: Int64
        switch random.next() % 4 {
        case 0: magnitude = Int64(random.next() % 100)
        case 1: magnitude = Int64(random.next() % 10_000_000)
        case 2: magnitude = Int64(random.next() % 1_000_000_000_000_000)
        default: magnitude = 2_147_483_647 + Int64(random.next() % 1000)
        }
        let before = balances[topic] ?? 0
        let amount =
          before > 3_000_000_000_000_000_000
            || (before > -3_000_000_000_000_000_000 && random.next() % 2 == 0)
          ? -magnitude : magnitude
        let entry = LedgerEntry(
          pspReference: String(random.next() % 1_000_000_000),
          time: EntryTime("\(date)T12:00:00.000000Z")!,
          ledgerDate: date, entryType: type, reference: "r\(position)", currency: "NOK",
          amount: amount, balanceBefore: before, balanceAfter: before + amount,
          recipientHandle: random.next() % 3 == 0
            ? nil : ["NO:123455", "NO:123456", "api:1"][Int(random.next() % 3)])
        balances[topic] = before + amount
        if topic == .funds { day.funds.append(entry) } else { day.fees.append(entry) }
      }
      result.append(day)
    }
    return result
  }

  @Test(arguments: 1...25)
  func everyVoucherBalancesAndClearingFollowsAmounts(seed: Int) throws {
    let mapper = Mapper(profile: try testProfile())
    let start = LedgerDate("2025-01-01")!
    for day in Self.randomDays(seed: UInt64(seed), days: 3, start: start) {
      for (topic, entries) in [(Topic.funds, day.funds), (.fees, day.fees)] {
        for (index, entry) in entries.enumerated() {
          let mapped = try mapper.map(
            entry, ledger: "1", topic: topic, date: day.date, position: index + 1)
          #expect(mapped.voucher.isBalanced)
          let home = topic == .funds ? AccountID("1579") : AccountID("2991")
          let homeMovement = mapped.voucher.lines.filter { $0.account == home }.reduce(Int64(0)) {
            $0 + $1.amount
          }
          #expect(homeMovement == entry.amount)
          #expect(
            mapped.voucher.lines.allSatisfy { $0.amount == 0 || $0.debit > 0 || $0.credit > 0 })
          #expect(mapped.voucher.id.count <= 70)
        }
      }
    }
  }

  @Test(arguments: [11, 12, 13, 14, 15])
  func pipelineReconcilesAndAggregationsAgree(seed: Int) async throws {
    let start = LedgerDate("2025-01-01")!
    var source = InMemorySource(ledgers: [Ledger(ledgerId: "1", currency: "NOK")])
    // Balances stay within SAF-T's 18 digits (16 before the decimal point).
    for day in Self.randomDays(
      seed: UInt64(seed), days: 4, start: start, limit: 50_000_000_000_000_000)
    {
      source.pagesByKey[.init(ledger: "1", topic: .funds, date: day.date)] = [
        ReportPage(items: day.funds)
      ]
      source.pagesByKey[.init(ledger: "1", topic: .fees, date: day.date)] = [
        ReportPage(items: day.fees)
      ]
    }
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var reports: [RunReport] = []
    for aggregation in Aggregation.allCases {
      let request = ExportRequest(
        source: source, ledgers: nil, from: start, to: start.adding(days: 3),
        profile: try testProfile(),
        aggregation: aggregation, encoders: [JSONLinesJournalEncoder()],
        outputDirectory: directory + "/" + aggregation.rawValue)
      reports.append(try await ExportPipeline().run(request))
    }
    for report in reports {
      let ledger = try #require(report.ledgers.first)
      #expect(ledger.status == "exported", "\(ledger.diagnostics)")
      #expect(ledger.clearing.count == 2)
      #expect(ledger.clearing.allSatisfy { $0.ok })
      #expect(report.errors == 0)
    }
    #expect(
      reports[0].ledgers[0].controlTotals.map(\.net)
        == reports[1].ledgers[0].controlTotals.map(\.net))
    #expect(reports[0].ledgers[0].entries == reports[1].ledgers[0].entries)
    // Every JSON Lines voucher balances, read back from the file.
    for aggregation in Aggregation.allCases {
      let text = try String(
        contentsOfFile: directory + "/\(aggregation.rawValue)/journal-2025-01-01_2025-01-04.jsonl",
        encoding: .utf8)
      for line in text.split(separator: "\n") {
        let voucher = try #require(
          try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let lines = try #require(voucher["lines"] as? [[String: Any]])
        var total: Int64 = 0
        for line in lines {
          let debitText = try #require(line["debit"] as? String)
          let creditText = try #require(line["credit"] as? String)
          let debit = try #require(MoneyFormat.parse(debitText))
          let credit = try #require(MoneyFormat.parse(creditText))
          total += debit - credit
        }
        #expect(total == 0)
      }
    }
  }
}
