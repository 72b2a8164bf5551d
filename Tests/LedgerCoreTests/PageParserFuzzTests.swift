import Foundation
import Testing

@testable import LedgerCore

/// ``PageParser`` (through ``ReportDecoding/page(_:context:)``) against `JSONDecoder` on random
/// pages, every truncation of some, and random damage.
///
/// The parser must give what `JSONDecoder` gives — the same page (strings byte for byte, entries
/// re-materialised from the raw byte ranges) or the same problem — except where its documentation
/// makes it stricter, and there only exactly so:
/// - Syntax is RFC 8259 for the whole document: an input that ``StrictJSON`` (an independent,
///   plain RFC 8259 reader) rejects must be rejected as `not valid JSON` at the very byte
///   ``StrictJSON`` names; `JSONDecoder` may then say anything (it skips values loosely, and reports
///   syntax errors in values it decodes as problems of the field).
/// - Amounts must be integers without fraction or exponent: on a well-formed input, the parser must
///   give what `JSONDecoder` gives for its *strict twin*, the input with each such amount (the
///   first `amount`, `balanceBefore` or `balanceAfter` of an item) replaced by a string, which
///   `JSONDecoder` rejects with the same words.
@Suite struct PageParserFuzzTests {
  // MARK: - The judge

  typealias Outcome = PageParserTests.Outcome

  /// What the byte-level parser makes of `bytes`, through the public decoding entry point.
  static func parsed(_ bytes: [UInt8]) -> Outcome {
    let prefix = Array("fuzz: malformed page: ".utf8)
    do {
      return .page(try ReportDecoding.page(Data(bytes), context: "fuzz"))
    } catch let error as ReportSourceError {
      let detail = Array(error.detail.utf8)
      guard detail.starts(with: prefix) else { return .failure("unexpected: \(error.detail)") }
      return .failure(String(decoding: detail.dropFirst(prefix.count), as: UTF8.self))
    } catch {
      return .failure("unexpected: \(error)")
    }
  }

  /// The byte offset of the parser's syntax error, if it finds one.
  static func syntaxOffset(_ bytes: [UInt8]) -> Int? {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PageParseError) in try PageParser.parseReportPage(raw) }
    }
    guard case .failure(let error) = result else { return nil }
    return error.byteOffset
  }

  /// Whether two outcomes are the same: equal pages with byte-identical strings, or problems
  /// worded byte for byte alike.
  static func same(_ a: Outcome, _ b: Outcome) -> Bool {
    switch (a, b) {
    case (.page(let x), .page(let y)):
      return x == y && PageParserTests.utf8(x) == PageParserTests.utf8(y)
    case (.failure(let x), .failure(let y)):
      return Array(x.utf8) == Array(y.utf8)
    default:
      return false
    }
  }

  /// Why the parser and `JSONDecoder` may (or may not) differ on an input.
  enum Verdict: String, CaseIterable {
    /// Both give the same page.
    case samePage
    /// Both reject the input with the same problem.
    case sameProblem
    /// Not RFC 8259: the parser rejects it at the first wrong byte, `JSONDecoder` accepts it.
    case notJSONButFoundationAccepts
    /// Not RFC 8259: the parser rejects it at the first wrong byte, `JSONDecoder` with another
    /// problem.
    case notJSONFoundationOtherProblem
    /// An amount with a fraction or exponent: the parser rejects what `JSONDecoder` accepts (or
    /// reports that amount before a later problem `JSONDecoder` reports).
    case stricterAmount
    /// Anything else: a discrepancy.
    case mismatch
  }

  /// Judges inputs and tallies the verdicts; the first few mismatches become issues.
  struct Judge {
    var counts: [Verdict: Int] = [:]
    var mismatches: [String] = []

    var total: Int { counts.values.reduce(0, +) }

    func count(_ verdict: Verdict) -> Int { counts[verdict, default: 0] }

    @discardableResult
    mutating func judge(_ bytes: [UInt8], _ label: @autoclosure () -> String) -> Verdict {
      let (verdict, problem) = PageParserFuzzTests.judge(bytes)
      counts[verdict, default: 0] += 1
      if let problem {
        mismatches.append("\(label()): \(problem)\n  input: \(PageParserFuzzTests.visible(bytes))")
      }
      return verdict
    }

    /// Records the first few mismatches and expects none.
    func expectNoMismatch(sourceLocation: SourceLocation = #_sourceLocation) {
      for mismatch in mismatches.prefix(4) {
        Issue.record("\(mismatch)", sourceLocation: sourceLocation)
      }
      #expect(
        mismatches.count == 0, "\(mismatches.count) of \(total) inputs disagree",
        sourceLocation: sourceLocation)
    }
  }

  /// The verdict on one input, with the discrepancy when it is a mismatch.
  static func judge(_ bytes: [UInt8]) -> (Verdict, String?) {
    let mine = parsed(bytes)
    let offset = syntaxOffset(bytes)
    if case .failure(let text) = mine, text == "not valid JSON", offset == nil {
      return (.mismatch, "ReportDecoding says not valid JSON, PageParser finds no syntax error")
    }
    switch StrictJSON.parse(bytes) {
    case .failure(let invalid):
      guard same(mine, .failure("not valid JSON")), offset == invalid.offset else {
        return (
          .mismatch,
          "not RFC 8259 JSON (first wrong byte at \(invalid.offset)), but the parser gives \(mine)"
            + (offset.map { " at \($0)" } ?? "")
        )
      }
      switch PageParserTests.decoded(bytes) {
      case .page: return (.notJSONButFoundationAccepts, nil)
      case let foundation:
        return (same(foundation, mine) ? .sameProblem : .notJSONFoundationOtherProblem, nil)
      }
    case .success(let document):
      if offset != nil {
        return (.mismatch, "RFC 8259 JSON, but the parser finds a syntax error at \(offset!)")
      }
      let twin = StrictJSON.strictTwin(bytes, document)
      let expected = PageParserTests.decoded(twin ?? bytes)
      guard same(mine, expected) else {
        return (
          .mismatch,
          "parser: \(mine); JSONDecoder\(twin == nil ? "" : " on the strict twin"): \(expected)"
            + (twin.map { "\n  twin: \(visible($0))" } ?? "")
        )
      }
      if case .page(let page) = mine, let problem = rawProblem(page) { return (.mismatch, problem) }
      if twin != nil, !same(mine, PageParserTests.decoded(bytes)) { return (.stricterAmount, nil) }
      if case .page = mine { return (.samePage, nil) }
      return (.sameProblem, nil)
    }
  }

  /// What is wrong with a parsed page's raw entries, if anything: it must keep them, every range
  /// must lie in its bytes, and they must re-materialise to its items (checked by `==` already).
  static func rawProblem(_ page: ReportPage) -> String? {
    guard let raw = page.rawEntries else { return "the parsed page keeps no raw entries" }
    guard raw.entries.count == page.itemCount else { return "itemCount differs from the entries" }
    for (index, entry) in raw.entries.enumerated() {
      let ranges = [
        entry.pspReference, entry.time, entry.reference, entry.currency, entry.recipientHandle,
        entry.name, entry.message, entry.maskedPhoneNo,
      ]
      for range in ranges where !range.isAbsent {
        guard range.start >= 0, Int(range.start) + Int(range.count) <= raw.bytes.count else {
          return "entry \(index): range \(range) outside \(raw.bytes.count) bytes"
        }
      }
      guard EntryTime(raw.entry(index).time.raw)?.epochMicroseconds == entry.timeMicroseconds else {
        return "entry \(index): timeMicroseconds \(entry.timeMicroseconds) is not its time's"
      }
    }
    return nil
  }

  /// Bytes as text: printable ASCII as is, anything else (and `\`) as `\xNN`.
  static func visible(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
      if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") {
        text.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
      }
    }
    return text
  }

  // MARK: - Tests

  /// Random pages of every kind; for undamaged pages the generator also knows whether it wrote a
  /// construct RFC 8259 forbids, which must be exactly when ``StrictJSON`` rejects the page.
  @Test(arguments: 0..<8 as Range<UInt64>)
  func randomPagesDecodeLikeJSONDecoder(seed: UInt64) {
    var generator = FuzzPage(seed: 0x5EED_0000 &+ seed)
    var judge = Judge()
    var generatorDisagrees: [String] = []
    for index in 0..<50 {
      generator.chooseKind(index)
      let bytes = generator.page()
      let verdict = judge.judge(bytes, "seed \(seed) page \(index)")
      let invalid = StrictJSON.parse(bytes).isFailure
      if invalid != generator.hasInvalidSyntax {
        generatorDisagrees.append(
          "page \(index): generator wrote invalid syntax \(generator.hasInvalidSyntax), StrictJSON rejects \(invalid): \(Self.visible(bytes))"
        )
      }
      if verdict == .stricterAmount, !generator.hasFractionalAmount {
        generatorDisagrees.append("page \(index): stricter amount without a fractional amount")
      }
    }
    judge.expectNoMismatch()
    #expect(generatorDisagrees.count == 0, "\(generatorDisagrees.prefix(2))")
    // Every kind of input occurs.
    for verdict in [Verdict.samePage, .sameProblem, .notJSONButFoundationAccepts, .stricterAmount] {
      #expect(judge.count(verdict) > 0, "no \(verdict) among \(judge.counts)")
    }
  }

  /// Every truncation of some small pages (of this generator and of ``RandomPage``).
  @Test(arguments: 0..<4 as Range<UInt64>)
  func everyTruncationIsJudged(seed: UInt64) {
    var generator = FuzzPage(seed: 0x7C07_0000 &+ seed)
    if seed % 2 == 1 {
      (generator.errorRate, generator.invalidRate, generator.fractionRate) = (10, 10, 20)
    }
    var existing = RandomPage(seed: 0x7C07_0000 &+ seed)
    /// The first of some pages with 200 to 800 bytes (every cut costs time in the page's size).
    func small(_ make: () -> [UInt8]) -> [UInt8] {
      for _ in 0..<40 {
        let page = make()
        if (200...800).contains(page.count) { return page }
      }
      return []
    }
    let pages = [
      small { generator.page(maxItems: 2) }, small { Array(existing.page().utf8) },
    ]
    var judge = Judge()
    for (index, bytes) in pages.enumerated() {
      for cut in 0...bytes.count {
        judge.judge(Array(bytes[..<cut]), "seed \(seed) page \(index) cut at \(cut)")
      }
    }
    judge.expectNoMismatch()
    #expect(judge.total > 400)
  }

  /// Random damage: bytes replaced, inserted, deleted, swapped, spans repeated.
  @Test(arguments: 0..<6 as Range<UInt64>)
  func damagedPagesAreJudged(seed: UInt64) {
    var generator = FuzzPage(seed: 0xDA3A_0000 &+ seed)
    var existing = RandomPage(seed: 0xDA3A_0000 &+ seed)
    let interesting: [UInt8] =
      Array(#",:{}[]"\-+01.eE tfnu/xaz"#.utf8) + [
        0x00, 0x09, 0x0A, 0x80, 0xBF, 0xC3, 0xED, 0xF4, 0xFF,
      ]
    var judge = Judge()
    for index in 0..<8 {
      generator.chooseKind()
      let original = index % 4 == 3 ? Array(existing.page().utf8) : generator.page(maxItems: 4)
      for variant in 0..<25 {
        var bytes = original
        for _ in 0..<(1 + generator.int(3)) where !bytes.isEmpty {
          let at = generator.int(bytes.count)
          switch generator.int(5) {
          case 0: bytes[at] = generator.pick(interesting)
          case 1: bytes.insert(generator.pick(interesting), at: at)
          case 2: bytes.remove(at: at)
          case 3: bytes.swapAt(at, generator.int(bytes.count))
          default:
            let span = bytes[at..<min(bytes.count, at + 1 + generator.int(20))]
            bytes.insert(contentsOf: span, at: generator.int(bytes.count))
          }
        }
        judge.judge(bytes, "seed \(seed) page \(index) variant \(variant)")
      }
    }
    judge.expectNoMismatch()
  }

  /// Containers nested up to and past the limit of 512, in skipped fields at every level.
  @Test(arguments: [505, 509, 510, 511, 512, 513, 600])
  func deepNestingIsJudged(depth: Int) {
    let nest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    let objects =
      String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    let entry =
      #"{"pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1"#
    var judge = Judge()
    for deep in [nest, objects] {
      for json in [
        #"{"items": [], "x": \#(deep)}"#, #"{"items": [\#(entry), "x": \#(deep)}]}"#,
        #"{"items": [\#(deep)]}"#, #"{"items": [\#(entry)}, \#(deep)]}"#, deep,
        #"{"items": [], "cursor": \#(deep)}"#,
      ] {
        judge.judge(Array(json.utf8), "depth \(depth): \(json.prefix(60))")
      }
    }
    judge.expectNoMismatch()
  }

  /// Every time form ``EntryTime`` accepts, and forms it rejects, as an entry's `time`.
  @Test func timesAreJudged() {
    var generator = FuzzPage(seed: 42)
    var times = FuzzPage.times + FuzzPage.rejectedTimes
    for _ in 0..<200 { times.append(generator.time()) }
    var judge = Judge()
    var accepted = 0
    for time in times {
      let json =
        #"{"items": [{"pspReference": "1", "time": "\#(time)", "entryType": "capture", "currency": "NOK", "amount": 1, "balanceBefore": 0, "balanceAfter": 1}]}"#
      if judge.judge(Array(json.utf8), "time \(time)") == .samePage { accepted += 1 }
    }
    judge.expectNoMismatch()
    #expect(accepted == times.count - FuzzPage.rejectedTimes.count)
  }

  /// The documented strictness, construct by construct: in a skipped value `JSONDecoder` accepts
  /// each of these and the parser rejects it at a byte inside it; an amount with a fraction or an
  /// exponent that `JSONDecoder` reads as an integer is rejected as not an integer amount.
  @Test func stricterOnlyWhereDocumented() {
    let entry =
      #""pspReference": "1", "time": "2022-10-01T16:33:00Z", "entryType": "capture", "currency": "NOK", "balanceBefore": 0, "balanceAfter": 1"#
    var judge = Judge()
    var foundationAccepts = 0
    for token in FuzzPage.invalidTokens {
      let prefix = Array(#"{"items": [{\#(entry), "amount": 1, "x": ["#.utf8)
      let bytes = prefix + token + Array("]}]}".utf8)
      let verdict = judge.judge(bytes, "token \(Self.visible(token))")
      if verdict == .notJSONButFoundationAccepts { foundationAccepts += 1 }
      if let offset = Self.syntaxOffset(bytes) {
        #expect(
          (prefix.count...prefix.count + token.count).contains(offset),
          "token \(Self.visible(token)): offset \(offset)")
      }
    }
    #expect(foundationAccepts >= 15, "JSONDecoder accepts only \(foundationAccepts) tokens")
    for amount in ["1.0", "1e2", "1E+2", "100e-2", "-0.0", "0e0", "0.00"] {
      let bytes = Array(#"{"items": [{\#(entry), "amount": \#(amount)}]}"#.utf8)
      #expect(judge.judge(bytes, "amount \(amount)") == .stricterAmount, "amount \(amount)")
      #expect(
        Self.parsed(bytes)
          == .failure("items[0].amount: expected an integer amount in minor units (64-bit)"))
    }
    judge.expectNoMismatch()
  }
}

extension Result {
  fileprivate var isFailure: Bool {
    if case .failure = self { return true }
    return false
  }
}
