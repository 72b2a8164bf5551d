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

  /// The key-order prediction looks fields up by raw value in these tables.
  @Test func fieldTablesAreInRawValueOrder() {
    typealias Field = PageParser.EntrySlots.Field
    #expect(Field.all.count == Field.quotedKeys.count)
    for (index, field) in Field.all.enumerated() {
      #expect(Int(field.rawValue) == index)
      // The quoted key, without its quotes, is the field's key.
      let key = Field.quotedKeys[index].withUTF8Buffer { Array($0.dropFirst().dropLast()) }
      #expect(key.withUnsafeBufferPointer { Field($0) } == field)
    }
  }

  /// The parser expects each entry's keys in the previous entry's order; entries that differ
  /// (other order, escaped key, a key the predicted one is a prefix of, space before `:`,
  /// repeated key, missing key) are read exactly as `JSONDecoder` reads them.
  @Test(arguments: [
    #"{ENTRY, "amount": 1, "name": "a"}, {ENTRY, "amount": 2, "name": "b"}"#,
    #"{ENTRY, "amount": 1}, {"amount": 2, ENTRY}"#,
    #"{ENTRY, "amount": 1}, {"pspReference": "2", "ti\u006de": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1, "amount": 1}"#,
    #"{ENTRY, "name": "x", "amount": 1}, {ENTRY, "names": "y", "amount": 1}"#,
    #"{ENTRY, "amount": 1}, {"pspReference"  :  "3" , "time"\#t:"2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1, "amount" : 1}"#,
    #"{ENTRY, "amount": 1}, {ENTRY, "amount": 1, "amount": 2}"#,
    #"{ENTRY, "amount": 1}, {"time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1, "amount": 1}"#,
  ])
  func entriesWithKeysInAnotherOrderAreReadLikeJSONDecoder(items: String) {
    let json = #"{"items": ["# + items.replacingOccurrences(of: "ENTRY", with: Self.entry) + "]}"
    Self.expectSame(Array(json.utf8), items)
  }

}
