import Foundation
import Testing

/// `vipps-ledger validate` end to end: the official SAF-T example, broken copies, usage errors.
@Suite(.serialized) struct ValidateCLITests {
  static let saftDirectory =
    URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent()
    .appendingPathComponent("shared/reference/saft/skatteetaten-saf-t/SAF-T_Financial_1.3").path
  static let xsd = saftDirectory + "/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
  static let example = saftDirectory + "/Example Files/generated_auditfile_formatted_v_1.30.xml"

  /// Writes the official example with `edits` applied (first occurrence each) to a temporary file.
  func brokenCopy(_ edits: [(String, String)]) throws -> String {
    var text = try String(contentsOfFile: Self.example, encoding: .utf8)
    for (target, replacement) in edits {
      let range = try #require(text.range(of: target))
      text.replaceSubrange(range, with: replacement)
    }
    let path = try temporaryDirectory() + "/auditfile.xml"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Removes a file written by ``brokenCopy(_:)`` with its directory.
  func removeCopy(_ file: String) {
    try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent)
  }

  @Test func officialExampleIsValid() throws {
    let result = try runCLI(["validate", Self.example, "--xsd", Self.xsd])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "\(Self.example): valid (XSD 1.30 and 13 business rules)\n")
    #expect(result.stderr.isEmpty)
  }

  @Test func brokenCopyListsEachProblemWithItsLine() throws {
    let file = try brokenCopy([
      ("<TotalDebit>37500.00", "<TotalDebit>37600.00"),
      ("<Amount>2500.00", "<Amount>2500.005"),
    ])
    defer { removeCopy(file) }
    let result = try runCLI(["validate", file, "--xsd", Self.xsd])
    #expect(result.status == 1)
    #expect(result.stdout == "\(file): 4 problems\n")
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 4, "\(result.stderr)")
    #expect(
      lines.first?.hasPrefix("\(file):413: [xsd] Element 'Amount': [facet 'fractionDigits']")
        == true)
    #expect(
      lines.contains { $0.hasPrefix("\(file):413: [amount-format] transaction A1001 line 1:") })
    #expect(
      lines.contains { $0.hasPrefix("\(file):369: [totals] TotalDebit 37600.00 does not equal") })
    #expect(
      lines.contains {
        $0.hasPrefix("\(file):370: [totals] TotalDebit 37600.00 does not equal TotalCredit")
      })
  }

  @Test func noRulesChecksTheXSDOnly() throws {
    let file = try brokenCopy([("<TotalDebit>37500.00", "<TotalDebit>37600.00")])
    defer { removeCopy(file) }
    let result = try runCLI(["validate", file, "--xsd", Self.xsd, "--no-rules"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "\(file): valid (XSD 1.30)\n")
  }

  @Test func notWellFormedIsReportedOnce() throws {
    let file = try brokenCopy([("Transaction A1001</Description>", "Transaction A1001</Descr>")])
    defer { removeCopy(file) }
    let result = try runCLI(["validate", file, "--xsd", Self.xsd])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "\(file):384: [not-well-formed] Opening and ending tag mismatch: Description line 384 and Descr\n"
    )
    #expect(result.stdout == "\(file): 1 problem\n")
  }

  @Test(arguments: [
    (["validate", "missing.xml", "--xsd", "XSD"], "no such SAF-T file: missing.xml"),
    (["validate", "EXAMPLE", "--xsd", "missing.xsd"], "no such XSD: missing.xsd"),
    (["validate", "EXAMPLE", "--xsd", "EXAMPLE"], "cannot compile the XSD"),
  ])
  func usageProblemsExitTwoWithOneLine(arguments: [String], message: String) throws {
    let resolved = arguments.map {
      $0 == "XSD" ? Self.xsd : $0 == "EXAMPLE" ? Self.example : $0
    }
    let result = try runCLI(resolved)
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("vipps-ledger: error: \(message)"), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
  }
}
