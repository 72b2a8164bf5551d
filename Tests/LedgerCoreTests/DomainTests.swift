import Foundation
import Testing

@testable import LedgerCore

@Suite struct EntryTimeTests {
  @Test(arguments: [
    ("2020-10-05T00:00:00.000000Z", Int64(1_601_856_000_000_000)),
    ("2022-10-01T16:33:00.824993+0200", 1_664_634_780_824_993),
    ("2022-10-01T16:33:00.824993+02:00", 1_664_634_780_824_993),
    ("2024-04-05T07:19:26.528092Z", 1_712_301_566_528_092),
    ("2024-04-05T07:19:26Z", 1_712_301_566_000_000),
    ("2024-04-05T07:19:26.5Z", 1_712_301_566_500_000),
    ("2024-04-05T07:19:26.123456789Z", 1_712_301_566_123_456),
    ("2024-04-05T09:19:26.528092+02", 1_712_301_566_528_092),
  ])
  func parsesObservedForms(text: String, micros: Int64) throws {
    let time = try #require(EntryTime(text))
    #expect(time.epochMicroseconds == micros)
    #expect(time.raw == text)
  }

  @Test(arguments: [
    "2024-04-05", "2024-04-05T07:19:26", "2024-04-05T07:19:26.Z", "2024-13-05T07:19:26Z",
    "2024-04-05T25:19:26Z", "2024-04-05T07:19:26+2", "yesterday",
  ])
  func rejectsOtherText(text: String) {
    #expect(EntryTime(text) == nil)
  }
}

@Suite struct LedgerDateTests {
  @Test func parsesAndFormats() throws {
    let date = try #require(LedgerDate("2024-02-29"))
    #expect(date.description == "2024-02-29")
    #expect(date.compact == "20240229")
    #expect(date.adding(days: 1).description == "2024-03-01")
    #expect(LedgerDate("2023-02-29") == nil)
    #expect(LedgerDate("2023-2-28") == nil)
  }

  @Test func roundTripsThroughEpochDays() {
    var date = LedgerDate(year: 1999, month: 12, day: 25)!
    for _ in 0..<3000 {
      #expect(LedgerDate(daysSinceEpoch: date.daysSinceEpoch) == date)
      let next = date.adding(days: 1)
      #expect(next > date)
      date = next
    }
    #expect(LedgerDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
  }

  @Test func throughIsInclusive() {
    let from = LedgerDate("2025-10-30")!
    #expect(
      from.through(LedgerDate("2025-11-02")!).map(\.description) == [
        "2025-10-30", "2025-10-31", "2025-11-01", "2025-11-02",
      ])
    #expect(from.through(LedgerDate("2025-10-29")!).isEmpty)
  }
}

@Suite struct EntryTypeTests {
  @Test func knownTypesRoundTrip() {
    for type in EntryType.known {
      #expect(EntryType(rawValue: type.rawValue) == type)
      #expect(type.isKnown)
    }
    #expect(EntryType(rawValue: "payout-scheduled") != EntryType(rawValue: "scheduled-for-payout"))
  }

  @Test func unknownTypesAreKeptVerbatim() {
    let type = EntryType(rawValue: "interest-Payment")
    #expect(type == .unknown("interest-Payment"))
    #expect(type.rawValue == "interest-Payment")
    #expect(!type.isKnown)
  }
}

@Suite struct PageDecodingTests {
  @Test func decodesTolerantly() throws {
    let json = """
      {"hasMore": false, "tryLater": true, "somethingNew": {"x": 1},
       "items": [{"pspReference": "1", "time": "2022-10-01T16:33:00.824993+0200",
        "ledgerDate": "2022-10-01", "entryType": "brand-new-type", "reference": "r",
        "currency": "NOK", "amount": 3000000000, "balanceBefore": -2147483649,
        "balanceAfter": 852516351, "recipientHandle": null, "futureField": "x",
        "name": "Åse", "message": "=1+1", "maskedPhoneNo": "xxxx 1234"},
        {"pspReference": "2", "time": "2022-10-01T16:33:00.000000Z", "entryType": "capture",
         "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1}]}
      """
    let page = try PageDecoding.decode(ReportPage.self, data: Data(json.utf8), context: "test")
    #expect(page.cursor == nil)
    #expect(page.tryLater)
    #expect(!page.hasMore)
    #expect(page.items.count == 2)
    let entry = page.items[0]
    #expect(entry.amount == 3_000_000_000)
    #expect(entry.balanceBefore == -2_147_483_649)
    #expect(entry.entryType == .unknown("brand-new-type"))
    #expect(entry.recipientHandle == nil)
    #expect(entry.name == "Åse")
    #expect(page.items[1].ledgerDate == nil)
    #expect(page.items[1].reference == nil)
  }

  @Test func missingFlagsDefaultToFalse() throws {
    let page = try PageDecoding.decode(
      ReportPage.self, data: Data(#"{"items": []}"#.utf8), context: "x")
    #expect(!page.hasMore && !page.tryLater && page.items.isEmpty)
  }

  @Test(arguments: [
    (#"{"items": [{"pspReference": "1"}]}"#, "items[0].time: required field is missing"),
    (#"{"items": "none"}"#, "items: expected an array"),
    (#"{"hasMore": "true", "items": []}"#, "hasMore: expected a boolean"),
    (
      #"{"items": [{"pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "amount": 1.5, "balanceBefore": 0, "balanceAfter": 1}]}"#,
      "items[0].amount"
    ),
    (
      #"{"items": [{"pspReference": "1", "time": "noon", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1}]}"#,
      "items[0].time: unrecognised date-time 'noon'"
    ),
    (#"{"items": [}"#, "not valid JSON"),
  ])
  func malformedPagesNameTheField(json: String, expected: String) {
    do {
      _ = try PageDecoding.decode(
        ReportPage.self, data: Data(json.utf8), context: "ledger 1 funds 2025-01-01 page 2")
      Issue.record("expected an error")
    } catch {
      let text = "\(error)"
      #expect(text.contains("ledger 1 funds 2025-01-01 page 2"))
      #expect(text.contains(expected), "\(text)")
    }
  }
}
