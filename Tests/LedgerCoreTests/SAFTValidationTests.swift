import Foundation
import Testing

@testable import LedgerCore

/// The official SAF-T Financial 1.30 example and XSD (in `shared/`, beside the repository).
private enum SAFTReference {
  static let directory =
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/reference/saft/skatteetaten-saf-t/SAF-T_Financial_1.3").path
  static let xsd = directory + "/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
  static let example = directory + "/Example Files/generated_auditfile_formatted_v_1.30.xml"

  static func exampleText() throws -> String {
    try String(contentsOfFile: example, encoding: .utf8)
  }
}

/// A copy of the official example, edited on purpose and written to a temporary file.
private struct BrokenExample {
  var text: String

  init() throws { text = try SAFTReference.exampleText() }

  /// Replaces the `occurrence`-th `target` after the first `anchor` (or from the start).
  mutating func replace(
    _ target: String, with replacement: String, after anchor: String? = nil, occurrence: Int = 1
  ) {
    guard let range = Self.find(target, in: text, after: anchor, occurrence: occurrence) else {
      Issue.record("'\(target)' not found after '\(anchor ?? "start")'")
      return
    }
    text.replaceSubrange(range, with: replacement)
  }

  /// The 1-based line where the `occurrence`-th `target` after `anchor` starts.
  func line(of target: String, after anchor: String? = nil, occurrence: Int = 1) -> Int? {
    guard let range = Self.find(target, in: text, after: anchor, occurrence: occurrence) else {
      return nil
    }
    return text[..<range.lowerBound].count(where: { $0 == "\n" }) + 1
  }

  /// Writes the text to a fresh temporary file and returns its path.
  func write() throws -> String {
    let directory = NSTemporaryDirectory() + "saft-validation-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/auditfile.xml"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Writes the file and runs both passes.
  func validate() throws -> (schema: [SAFTViolation], rules: [SAFTViolation]) {
    let path = try write()
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    return (
      try SAFTValidation.validateSchema(file: path, xsd: SAFTReference.xsd),
      try SAFTValidation.checkRules(file: path)
    )
  }

  private static func find(
    _ target: String, in text: String, after anchor: String?, occurrence: Int
  )
    -> Range<String.Index>?
  {
    var start = text.startIndex
    if let anchor {
      guard let found = text.range(of: anchor) else { return nil }
      start = found.lowerBound
    }
    var result: Range<String.Index>?
    for _ in 0..<occurrence {
      guard let found = text.range(of: target, range: start..<text.endIndex) else { return nil }
      result = found
      start = found.upperBound
    }
    return result
  }
}

@Suite struct SAFTValidationTests {
  /// Checks the violations of one rule, and that the rule set is exactly `rules`.
  func expect(
    _ violations: [SAFTViolation], rule: String, lines: [Int?], containing fragments: [String],
    rules: Set<String>? = nil, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let matching = violations.filter { $0.rule == rule }
    #expect(matching.map(\.line) == lines, "\(violations)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(
        matching.contains { $0.message.contains(fragment) }, "'\(fragment)' in \(matching)",
        sourceLocation: sourceLocation)
    }
    #expect(
      Set(violations.map(\.rule)) == rules ?? [rule], "\(violations)",
      sourceLocation: sourceLocation)
  }

  @Test func officialExamplePassesSchemaAndRules() throws {
    #expect(
      try SAFTValidation.validateSchema(file: SAFTReference.example, xsd: SAFTReference.xsd) == [])
    #expect(try SAFTValidation.checkRules(file: SAFTReference.example) == [])
  }

  @Test func prefixedNamespacePassesToo() throws {
    var file = try BrokenExample()
    file.text = file.text.replacing(/<(\/?)([A-Za-z])/) { "<\($0.1)n1:\($0.2)" }
      .replacingOccurrences(of: "xmlns=", with: "xmlns:n1=")
    let result = try file.validate()
    #expect(result.schema == [])
    #expect(result.rules == [])
  }

  @Test func unbalancedTransaction() throws {
    var file = try BrokenExample()
    file.replace(
      "<Amount>12500.00</Amount>", with: "<Amount>12400.00</Amount>",
      after: "<TransactionID>A1003", occurrence: 2)
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "transaction-balance",
      lines: [file.line(of: "<TransactionID>A1003").map { $0 - 1 }],
      containing: ["transaction A1003 does not balance: debit 12500.00, credit 12400.00"],
      rules: ["transaction-balance", "totals", "balance-rollforward"])
  }

  @Test func wrongTotalDebit() throws {
    var file = try BrokenExample()
    file.replace("<TotalDebit>37500.00", with: "<TotalDebit>37600.00")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "totals",
      lines: [file.line(of: "<TotalDebit>"), file.line(of: "<TotalCredit>")],
      containing: [
        "TotalDebit 37600.00 does not equal the sum of the lines' debits 37500.00",
        "TotalDebit 37600.00 does not equal TotalCredit 37500.00",
      ])
  }

  @Test func wrongNumberOfEntries() throws {
    var file = try BrokenExample()
    file.replace("<NumberOfEntries>3", with: "<NumberOfEntries>4")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "entry-count", lines: [file.line(of: "<NumberOfEntries>")],
      containing: ["NumberOfEntries 4 does not equal the number of transactions 3"])
  }

  @Test func unknownAccountOnLine() throws {
    var file = try BrokenExample()
    file.replace(
      "<AccountID>4000</AccountID>", with: "<AccountID>9999</AccountID>",
      after: "<TransactionID>A1001")
    let result = try file.validate()
    #expect(result.schema == [], "the XSD's keyref is inert")
    expect(
      result.rules, rule: "account-exists", lines: [file.line(of: "<AccountID>9999")],
      containing: ["transaction A1001 line 1: account 9999 is not in MasterFiles"],
      rules: ["account-exists", "balance-rollforward"])
  }

  @Test func duplicateAccountID() throws {
    var file = try BrokenExample()
    let account = """
      <Account>
                      <AccountID>1500</AccountID>
                      <AccountDescription>Duplicate</AccountDescription>
                      <GroupingCategory>balanseverdiForOmloepsmiddel</GroupingCategory>
                      <GroupingCode>1500</GroupingCode>
                      <AccountType>GL</AccountType>
                      <OpeningDebitBalance>0.00</OpeningDebitBalance>
                      <ClosingDebitBalance>0.00</ClosingDebitBalance>
                  </Account>
                  <Account>
                      <AccountID>1920</AccountID>
      """
    file.replace("<Account>\n                <AccountID>1920</AccountID>", with: account)
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "account-unique",
      lines: [file.line(of: "<AccountDescription>Duplicate").map { $0 - 2 }],
      containing: ["account ID 1500 is not unique (first at line 84)"])
  }

  @Test func duplicateTransactionID() throws {
    var file = try BrokenExample()
    file.replace("<TransactionID>A1002", with: "<TransactionID>A1001")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "transaction-unique",
      lines: [file.line(of: "<TransactionID>A1001", occurrence: 2)],
      containing: ["transaction ID A1001 is not unique (first at line 376)"])
  }

  @Test func openingPlusMovementIsNotClosing() throws {
    var file = try BrokenExample()
    file.replace(
      "<ClosingCreditBalance>12500.00", with: "<ClosingCreditBalance>12000.00",
      after: "<AccountID>1920")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "balance-rollforward",
      lines: [file.line(of: "<ClosingCreditBalance>12000.00")],
      containing: [
        "account 1920: opening 0.00 + debit 0.00 - credit 12500.00 = -12500.00, but closing is -12000.00"
      ])
  }

  @Test func dateOutsideTheSelectionPeriods() throws {
    var file = try BrokenExample()
    file.replace(
      "<TransactionDate>2025-09-27", with: "<TransactionDate>2024-09-27",
      after: "<TransactionID>A1002")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "date-in-period", lines: [file.line(of: "<TransactionDate>2024-09-27")],
      containing: [
        "transaction A1002: TransactionDate 2024-09-27 is outside the selection periods 1/2025 to 12/2025"
      ])
  }

  @Test func dateOutsideTheSelectionDates() throws {
    var file = try BrokenExample()
    file.replace(
      "<PeriodStart>1</PeriodStart>\n            <PeriodStartYear>2025</PeriodStartYear>\n"
        + "            <PeriodEnd>12</PeriodEnd>\n            <PeriodEndYear>2025</PeriodEndYear>",
      with: "<SelectionStartDate>2025-09-01</SelectionStartDate>\n"
        + "<SelectionEndDate>2025-09-30</SelectionEndDate>")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "date-in-period", lines: [file.line(of: "<TransactionDate>2025-10-11")],
      containing: [
        "transaction A1003: TransactionDate 2025-10-11 is outside the selection 2025-09-01 to 2025-09-30"
      ])
  }

  @Test func periodOutsideTheSelection() throws {
    var file = try BrokenExample()
    file.replace("<Period>10</Period>", with: "<Period>13</Period>", after: "<TransactionID>A1003")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "period-in-selection", lines: [file.line(of: "<Period>13")],
      containing: [
        "transaction A1003: period 13/2025 is outside the selection periods 1/2025 to 12/2025"
      ])
  }

  @Test func negativeAmount() throws {
    var file = try BrokenExample()
    file.replace("<Amount>2500.00", with: "<Amount>-2500.00", after: "<CreditTaxAmount>")
    let result = try file.validate()
    #expect(result.schema == [], "the XSD accepts negative amounts")
    expect(
      result.rules, rule: "negative-amount", lines: [file.line(of: "<Amount>-2500.00")],
      containing: ["transaction A1002 line 1: negative amount -2500.00 in CreditTaxAmount/Amount"])
  }

  @Test func wrongAuditFileVersion() throws {
    var file = try BrokenExample()
    file.replace("<AuditFileVersion>1.30", with: "<AuditFileVersion>1.20")
    let result = try file.validate()
    #expect(result.schema == [])
    expect(
      result.rules, rule: "version", lines: [4],
      containing: ["AuditFileVersion is '1.20', expected 1.30"])
  }

  @Test func emptyDescriptions() throws {
    var file = try BrokenExample()
    file.replace("Transaction A1003", with: "")
    file.replace(
      "<Description>Sale of goods</Description>", with: "<Description>  </Description>",
      after: "<TransactionID>A1002", occurrence: 2)
    let result = try file.validate()
    #expect(result.schema == [], "the XSD accepts empty descriptions")
    expect(
      result.rules, rule: "empty-description",
      lines: [
        file.line(of: "<Description>  </Description>"),
        file.line(of: "<Description></Description>"),
      ],
      containing: [
        "transaction A1002 line 2: empty Description", "transaction A1003: empty Description",
      ])
  }

  @Test func notWellFormed() throws {
    var file = try BrokenExample()
    file.replace("Transaction A1001</Description>", with: "Transaction A1001</Descr>")
    let result = try file.validate()
    let line = file.line(of: "</Descr>")
    #expect(result.schema.map(\.rule) == ["not-well-formed"])
    #expect(result.schema.first?.line == line)
    expect(
      result.rules, rule: "not-well-formed", lines: [line],
      containing: ["Opening and ending tag mismatch: Description"])
  }

  @Test func xsdRejectsThreeDecimals() throws {
    var file = try BrokenExample()
    file.replace(
      "<Amount>2500.00", with: "<Amount>2500.005", after: "<TransactionID>A1002", occurrence: 2)
    let result = try file.validate()
    let line = file.line(of: "2500.005")
    expect(
      result.schema, rule: "xsd", lines: [line],
      containing: ["Element 'Amount': [facet 'fractionDigits'] The value '2500.005'"])
    expect(
      result.rules, rule: "amount-format", lines: [line],
      containing: ["transaction A1002 line 2: invalid amount '2500.005' in CreditAmount/Amount"])
  }

  @Test func xsdRejectsElementsOutOfOrder() throws {
    var file = try BrokenExample()
    file.replace(
      "<Period>09</Period>\n                <PeriodYear>2025</PeriodYear>",
      with: "<PeriodYear>2025</PeriodYear>\n                <Period>09</Period>",
      after: "<TransactionID>A1001")
    let result = try file.validate()
    expect(
      result.schema, rule: "xsd", lines: [file.line(of: "<PeriodYear>")],
      containing: ["Element 'PeriodYear': This element is not expected. Expected is ( Period )."])
    #expect(result.rules == [])
  }

  @Test func linesBeyond65535AreExact() throws {
    var file = try BrokenExample()
    let padding = String(repeating: "<!-- padding -->\n", count: 70_000)
    file.replace("<GeneralLedgerEntries>", with: padding + "<GeneralLedgerEntries>")
    file.replace("<TransactionID>A1002", with: "<TransactionID>A1001")
    file.replace(
      "<Amount>2500.00", with: "<Amount>2500.005", after: "<TransactionID>A1001", occurrence: 2)
    let result = try file.validate()
    let amountLine = file.line(of: "2500.005")
    #expect((amountLine ?? 0) > 70_000)
    expect(result.schema, rule: "xsd", lines: [amountLine], containing: ["2500.005"])
    let rules = result.rules.filter { $0.rule != "amount-format" }
    #expect(
      rules.map(\.line) == [file.line(of: "<TransactionID>A1001", occurrence: 2)], "\(result.rules)"
    )
    #expect(result.rules.first { $0.rule == "amount-format" }?.line == amountLine)
  }

  @Test func violationsAreCappedWithACount() throws {
    var file = try BrokenExample()
    guard let start = file.text.range(of: "<Transaction>", options: .backwards),
      let end = file.text.range(of: "</Transaction>", options: .backwards)
    else { return }
    let block = String(file.text[start.lowerBound..<end.upperBound])
    file.text.insert(
      contentsOf: String(repeating: "\n" + block, count: 1_100), at: end.upperBound)
    let path = try file.write()
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    let rules = try SAFTValidation.checkRules(file: path)
    #expect(rules.count == SAFTValidation.reportLimit + 1)
    #expect(rules.last?.rule == "truncated")
    #expect(rules.last?.message == "… and 105 more")
    #expect(rules.last?.omitted == 105)
  }

  @Test func unreadableFilesThrow() throws {
    #expect(throws: SAFTValidationError.self) {
      try SAFTValidation.checkRules(file: "/nonexistent/file.xml")
    }
    #expect(throws: SAFTValidationError.self) {
      try SAFTValidation.validateSchema(file: SAFTReference.example, xsd: "/nonexistent/x.xsd")
    }
    #expect(throws: SAFTValidationError.self) {
      try SAFTValidation.validateSchema(file: SAFTReference.example, xsd: SAFTReference.example)
    }
  }

  @Test(
    arguments: [
      ("1227", 122_700), ("1227.5", 122_750), ("-0.05", -5), ("+3.10", 310), (".5", 50),
      ("5.", 500), ("1.500", 150), ("1227.505", nil), ("1227,50", nil), ("", nil), ("+-1", nil),
    ] as [(String, Int64?)])
  func amounts(text: String, minorUnits: Int64?) {
    #expect(SAFTSelection.parseAmount(text) == minorUnits)
  }
}
