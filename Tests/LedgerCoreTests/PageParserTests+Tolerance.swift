import Testing

@testable import LedgerCore

extension PageParserTests {
  /// Trailing commas are accepted, as `JSONDecoder` accepts them (Vipps' documentation shows one).
  @Test(arguments: [
    #"{"items": [],}"#, #"{"items": [{ENTRY, "amount": 1},]}"#, #"{"items": [], "x": [1,]}"#,
    #"{"cursor": "Mw==", "hasMore": true, "tryLater": false, "items": [{ENTRY, "amount": 7},],}"#,
  ])
  func trailingCommasAreAcceptedLikeJSONDecoder(json: String) {
    Self.expectSame(Array(json.replacingOccurrences(of: "ENTRY", with: Self.entry).utf8), json)
  }

}
