import AsyncHTTPClient
import Foundation
import LedgerCore
import MockReportAPI
import Testing

/// Dates pages, GDPR filtering, open dates and the feed, over the recording and synthetic data.
extension MockServerTests {
  static let gdprFields: Set<String> = ["name", "message", "maskedPhoneNo"]

  @Test func datesPagesAreTheRecordedFiles() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let token = try await http.partnerToken()
      let path = "/report/v2/ledgers/300119/funds/dates/2025-10-23"
      let pages = try await http.datePages(path, token: token, gdpr: true)
      #expect(pages.count == 3)
      for (index, page) in pages.enumerated() {
        let file = MockHTTP.samplesDirectory + "/300119/funds/2025-10-23/\(index + 1).json"
        let recorded = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(page.body == Array(recorded), "page \(index + 1) differs from the recording")
        #expect(page.headers["vipps-feed-page-size"] == "1000")
      }

      let stripped = try await http.datePages(path, token: token, gdpr: false)
      #expect(stripped.count == 3)
      for (page, full) in zip(stripped, pages) {
        let items = try page.object()["items"] as? [[String: Any]] ?? []
        let fullItems = try full.object()["items"] as? [[String: Any]] ?? []
        #expect(items.count == fullItems.count)
        #expect(items.allSatisfy { Set($0.keys).isDisjoint(with: Self.gdprFields) })
        #expect(fullItems.contains { $0["name"] != nil })
        for (item, fullItem) in zip(items, fullItems) {
          let kept = fullItem.filter { !Self.gdprFields.contains($0.key) }
          #expect(NSDictionary(dictionary: item).isEqual(to: kept))
        }
        // The layout stays as recorded: only the members are gone.
        #expect(page.text.hasPrefix("{\n  \""))
      }

      let bad = try await http.get(path + "?cursor=bm9wZQ%3D%3D", token: token)
      #expect(bad.status == 400)
    }
  }

  @Test func openAndMissingDates() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let token = try await http.partnerToken()
      let open = try await http.datePages(
        "/report/v2/ledgers/300119/funds/dates/2025-10-27", token: token, gdpr: true)
      #expect(open.count == 2)
      #expect(try open.allSatisfy { try $0.object()["tryLater"] as? Bool == true })

      let before = try await http.get(
        "/report/v2/ledgers/300119/funds/dates/2025-10-01", token: token)
      #expect(try before.object()["tryLater"] as? Bool == false)
      #expect(try before.object()["hasMore"] as? Bool == false)
      #expect((try before.object()["items"] as? [Any])?.isEmpty == true)
      let after = try await http.get(
        "/report/v2/ledgers/300119/fees/dates/2025-10-28", token: token)
      #expect(try after.object()["tryLater"] as? Bool == true)
      #expect(try after.object()["hasMore"] as? Bool == false)
      #expect(try after.object()["cursor"] == nil)
    }
  }

  @Test func feedWalksToTheEndAndRepeatsItsCursor() async throws {
    var configuration = MockHTTP.replay()
    configuration.pageSize = 40
    try await MockHTTP.run(configuration) { http in
      let token = try await http.partnerToken()
      var expected: [String] = []
      let dates = try FileManager.default.contentsOfDirectory(
        atPath: MockHTTP.samplesDirectory + "/300119/funds"
      ).sorted()
      for date in dates {
        var number = 1
        while let data = FileManager.default.contents(
          atPath: MockHTTP.samplesDirectory + "/300119/funds/\(date)/\(number).json")
        {
          let page = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
          for item in page["items"] as? [[String: Any]] ?? [] {
            expected.append("\(item["pspReference"] ?? "")/\(item["entryType"] ?? "")")
          }
          number += 1
        }
      }
      var seen: [String] = []
      var cursor: String?
      var last: [String: Any] = [:]
      for _ in 0..<100 {
        let query = cursor.map { "?cursor=\(MockHTTP.encode($0))" } ?? ""
        let page = try await http.get("/report/v2/ledgers/300119/funds/feed" + query, token: token)
        try #require(page.status == 200)
        #expect(page.headers["vipps-feed-page-size"] == "40")
        last = try page.object()
        #expect(last["hasMore"] == nil)
        let items = last["items"] as? [[String: Any]] ?? []
        #expect(items.count <= 40)
        seen += items.map { "\($0["pspReference"] ?? "")/\($0["entryType"] ?? "")" }
        #expect(items.allSatisfy { Set($0.keys).isDisjoint(with: Self.gdprFields) })
        let next = try #require(last["cursor"] as? String)
        if last["tryLater"] as? Bool == true {
          #expect(items.isEmpty)
          #expect(next == cursor)
          break
        }
        cursor = next
      }
      #expect(last["tryLater"] as? Bool == true)
      #expect(seen == expected)
    }
  }

  static func synthetic(seed: UInt64 = 5, days: Int = 5, entriesPerDay: Int = 60)
    -> MockServerConfiguration
  {
    var configuration = MockServerConfiguration(
      data: .synthetic(
        .init(
          seed: seed, ledgers: 3,
          start: LedgerDate(year: 2025, month: 1, day: 1) ?? LedgerDate(daysSinceEpoch: 0),
          days: days, entriesPerDay: entriesPerDay, openDays: 1)))
    configuration.pageSize = 25
    return configuration
  }

  @Test func syntheticDataIsDeterministic() async throws {
    let paths = [
      "/settlement/v1/ledgers",
      "/report/v2/ledgers/100001/funds/dates/2025-01-03?includeGDPRSensitiveData=true",
      "/report/v2/ledgers/100003/fees/dates/2025-01-02",
      "/report/v2/ledgers/100002/funds/feed",
    ]
    @Sendable func fetch() async throws -> [[UInt8]] {
      try await MockHTTP.run(Self.synthetic()) { http in
        let token = try await http.partnerToken()
        var bodies: [[UInt8]] = []
        for path in paths { bodies.append(try await http.get(path, token: token).body) }
        return bodies
      }
    }
    let first = try await fetch()
    let second = try await fetch()
    #expect(first == second)
    let ledgers = try JSONSerialization.jsonObject(with: Data(first[0])) as? [String: Any] ?? [:]
    #expect(MockHTTP.ledgerIDs(ledgers) == ["100001", "100002", "100003"])
    let other = try await MockHTTP.run(Self.synthetic(seed: 6)) { http in
      try await http.get(paths[1], token: try await http.partnerToken()).body
    }
    #expect(other != first[1])
  }

  @Test func syntheticPagingOpenDaysAndRange() async throws {
    try await MockHTTP.run(Self.synthetic()) { http in
      let token = try await http.partnerToken()
      let pages = try await http.datePages(
        "/report/v2/ledgers/100001/funds/dates/2025-01-02", token: token, gdpr: true)
      #expect(pages.count > 1)
      #expect(pages.allSatisfy { $0.headers["vipps-feed-page-size"] == "25" })
      let items = try pages.flatMap { try $0.object()["items"] as? [[String: Any]] ?? [] }
      #expect(items.allSatisfy { $0["ledgerDate"] as? String == "2025-01-02" })
      #expect(items.last?["entryType"] as? String == "payout-scheduled")
      #expect(items.contains { $0["name"] != nil })
      var balance = items.first?["balanceBefore"] as? Int ?? 0
      for item in items {
        #expect(item["balanceBefore"] as? Int == balance)
        balance += item["amount"] as? Int ?? 0
        #expect(item["balanceAfter"] as? Int == balance)
      }
      #expect(try pages.allSatisfy { try $0.object()["tryLater"] as? Bool == false })

      let open = try await http.datePages(
        "/report/v2/ledgers/100001/funds/dates/2025-01-05", token: token, gdpr: false)
      let openItems = try open.flatMap { try $0.object()["items"] as? [[String: Any]] ?? [] }
      #expect(try open.allSatisfy { try $0.object()["tryLater"] as? Bool == true })
      #expect(!openItems.isEmpty)
      #expect(!openItems.contains { $0["entryType"] as? String == "payout-scheduled" })

      let later = try await http.get(
        "/report/v2/ledgers/100001/funds/dates/2025-01-06", token: token)
      #expect(try later.object()["tryLater"] as? Bool == true)
      let earlier = try await http.get(
        "/report/v2/ledgers/100001/funds/dates/2024-12-31", token: token)
      #expect(try earlier.object()["tryLater"] as? Bool == false)
    }
  }

  @Test func syntheticFarDateIsServedWithoutGeneratingEverythingFirst() async throws {
    var configuration = MockServerConfiguration(
      data: .synthetic(
        .init(
          seed: 9, ledgers: 1,
          start: LedgerDate(year: 2024, month: 1, day: 1) ?? LedgerDate(daysSinceEpoch: 0),
          days: 1000, entriesPerDay: 1000, openDays: 1)))
    configuration.pageSize = 500
    try await MockHTTP.run(configuration) { http in
      let token = try await http.partnerToken()
      let clock = ContinuousClock()
      let started = clock.now
      let page = try await http.get(
        "/report/v2/ledgers/100001/funds/dates/2024-12-30", token: token)
      let elapsed = clock.now - started
      #expect(page.status == 200)
      #expect(page.headers["vipps-feed-page-size"] == "500")
      let json = try page.object()
      #expect((json["items"] as? [[String: Any]])?.count == 500)
      #expect(json["hasMore"] as? Bool == true)
      // Generating 365 days of 1000 entries runs SyntheticLedger unoptimised in debug builds
      // (about 1.5 s here); optimised it is well under a second.
      // The suite runs tests in parallel, so only a loose bound in debug builds.
      #if DEBUG
        #expect(elapsed < .seconds(60), "day 365 took \(elapsed)")
      #else
        #expect(elapsed < .seconds(1), "day 365 took \(elapsed)")
      #endif
      // A neighbouring day is served too (from a snapshot; not timed, as the suite runs tests
      // in parallel).
      let next = try await http.get(
        "/report/v2/ledgers/100001/funds/dates/2024-12-31", token: token)
      #expect(next.status == 200)
    }
  }

  @Test func everyRecordedPageLosesOnlyItsGDPRFields() async throws {
    try await MockHTTP.run(MockHTTP.replay()) { http in
      let token = try await http.partnerToken()
      let root = MockHTTP.samplesDirectory
      for ledger in ["300119", "411027"] {
        for topic in ["funds", "fees"] {
          let dates = try FileManager.default.contentsOfDirectory(
            atPath: "\(root)/\(ledger)/\(topic)")
          for date in dates {
            let path = "/report/v2/ledgers/\(ledger)/\(topic)/dates/\(date)"
            let pages = try await http.datePages(path, token: token, gdpr: false)
            for (index, page) in pages.enumerated() {
              let data = try Data(
                contentsOf: URL(
                  fileURLWithPath: "\(root)/\(ledger)/\(topic)/\(date)/\(index + 1).json"))
              var recorded = try #require(
                JSONSerialization.jsonObject(with: data) as? [String: Any])
              recorded["items"] = (recorded["items"] as? [[String: Any]] ?? []).map { item in
                item.filter { !Self.gdprFields.contains($0.key) }
              }
              let canonical = { (object: [String: Any]) in
                try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
              }
              #expect(
                try canonical(page.object()) == canonical(recorded), "\(path) page \(index + 1)")
            }
          }
        }
      }
    }
  }

  @Test func aDateThatFillsItsPagesEndsWithAnEmptyPage() async throws {
    let path = "/report/v2/ledgers/100001/funds/dates/2025-01-02"
    var configuration = Self.synthetic()
    configuration.pageSize = 1000
    let count = try await MockHTTP.run(configuration) { http in
      let page = try await http.get(path, token: try await http.partnerToken()).object()
      return (page["items"] as? [Any])?.count ?? 0
    }
    #expect(count > 2)
    configuration.pageSize = count
    let pages = try await MockHTTP.run(configuration) { http in
      try await http.datePages(path, token: try await http.partnerToken(), gdpr: false)
    }
    #expect(pages.count == 2)
    let first = try #require(pages.first).object()
    let last = try #require(pages.last).object()
    #expect((first["items"] as? [Any])?.count == count)
    #expect(first["hasMore"] as? Bool == true)
    #expect((last["items"] as? [Any])?.isEmpty == true)
    #expect(last["hasMore"] as? Bool == false)
    #expect(last["cursor"] == nil)
  }

  @Test func syntheticFeedHoldsEveryDateInOrder() async throws {
    var configuration = Self.synthetic(days: 3, entriesPerDay: 20)
    configuration.pageSize = 7
    try await MockHTTP.run(configuration) { http in
      let token = try await http.partnerToken()
      var byDate: [String] = []
      for day in 1...3 {
        let pages = try await http.datePages(
          "/report/v2/ledgers/100003/fees/dates/2025-01-0\(day)", token: token, gdpr: false)
        byDate += try pages.flatMap { try $0.object()["items"] as? [[String: Any]] ?? [] }
          .map { "\($0["pspReference"] ?? "")/\($0["balanceAfter"] ?? "")" }
      }
      var fed: [String] = []
      var cursor: String?
      for _ in 0..<50 {
        let query = cursor.map { "?cursor=\(MockHTTP.encode($0))" } ?? ""
        let page = try await http.get("/report/v2/ledgers/100003/fees/feed" + query, token: token)
          .object()
        let items = page["items"] as? [[String: Any]] ?? []
        fed += items.map { "\($0["pspReference"] ?? "")/\($0["balanceAfter"] ?? "")" }
        let next = try #require(page["cursor"] as? String)
        if page["tryLater"] as? Bool == true {
          #expect(next == cursor && items.isEmpty)
          break
        }
        cursor = next
      }
      #expect(!fed.isEmpty)
      #expect(fed == byDate)
    }
  }
}
