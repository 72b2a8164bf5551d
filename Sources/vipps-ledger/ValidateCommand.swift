import ArgumentParser
import Foundation
import LedgerCore

/// `vipps-ledger validate FILE.xml --xsd PATH [--no-rules]`: the official SAF-T Financial XSD,
/// then the business rules it does not check.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Validate a SAF-T Financial 1.30 file: the XSD, then the rules the XSD does not check.",
    discussion: """
      Each problem is printed on standard error as FILE:LINE: [rule] message, then a summary on \
      standard output. Exit status: 0 valid; 1 problems found; 2 usage error (missing file or \
      XSD, XSD that does not compile).
      """
  )

  @Argument(help: "The SAF-T Financial XML file.")
  var file: String

  @Option(
    help: ArgumentHelp(
      "The official XSD (not shipped with vipps-ledger).",
      discussion: "E.g. Norwegian_SAF-T_Financial_Schema_v_1.30.xsd from Skatteetaten/saf-t.",
      valueName: "path"))
  var xsd: String

  @Flag(help: "Check the XSD only, not the business rules.")
  var noRules = false

  func run() throws {
    try requireFile(file, what: "SAF-T file")
    try requireFile(xsd, what: "XSD")
    var violations: [SAFTViolation]
    do {
      violations = try SAFTValidation.validateSchema(file: file, xsd: xsd)
      let wellFormed = !violations.contains { $0.rule == "not-well-formed" }
      if !noRules && wellFormed {
        violations += try SAFTValidation.checkRules(file: file)
      }
    } catch let error as SAFTValidationError {
      throw UsageError(error.description)
    }
    let report = violations.map { violation in
      "\(file):" + (violation.line.map { "\($0):" } ?? "")
        + " [\(violation.rule)] \(violation.message)\n"
    }.joined()
    FileHandle.standardError.write(Data(report.utf8))
    let problems = violations.reduce(0) { $0 + ($1.rule == "truncated" ? $1.omitted : 1) }
    if problems == 0 {
      let rules = noRules ? "" : " and \(SAFTValidation.businessRules.count) business rules"
      print("\(file): valid (XSD \(schemaLabel)\(rules))")
    } else {
      print("\(file): \(problems) problem\(problems == 1 ? "" : "s")")
      throw RunFailed()
    }
  }

  /// `1.30` for `…_v_1.30.xsd`, else the XSD's file name.
  var schemaLabel: String {
    let name = URL(fileURLWithPath: xsd).lastPathComponent
    if let match = name.firstMatch(of: /v_?(\d+\.\d+)/) { return String(match.1) }
    return name
  }

  private func requireFile(_ path: String, what: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw UsageError("no such \(what): \(path)")
    }
    guard !isDirectory.boolValue else { throw UsageError("\(what) is a directory: \(path)") }
  }
}
