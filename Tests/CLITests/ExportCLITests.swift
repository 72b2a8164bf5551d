import Foundation
import Testing

/// End-to-end runs of the built `vipps-ledger` binary: files, exit codes, messages.
@Suite(.serialized) struct ExportCLITests {
  func exportArguments(source: String, out: String, mapping: String = "mappings/no-sales.yaml")
    -> [String]
  {
    [
      "export", "--source", source, "--from", "2025-10-20", "--to", "2025-10-27", "--mapping",
      mapping, "--format", "csv,json,jsonl", "--out", out, "--quiet",
    ]
  }

  @Test func demoWritesEveryFormatWithoutCredentials() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try runCLI(["demo", "--out", out])
    #expect(result.status == 0, "\(result.stderr)")
    let files = listFiles(out)
    for profile in ["no-sales", "no-settlement"] {
      for aggregation in ["entry", "daily"] {
        for ext in ["csv", "json", "jsonl", "xml", "report.json"] {
          #expect(files.contains("\(profile)/\(aggregation)/journal-2025-10-20_2025-10-27.\(ext)"))
        }
      }
    }
    #expect(files.count == 20)
    #expect(result.stdout.contains("ledger 300119 (NOK): partial"))
    #expect(result.stdout.contains("dates still open: 2025-10-27"))
  }

  @Test func exportsTheSamples() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    var arguments = exportArguments(source: "samples/recorded", out: out)
    arguments.removeLast()
    let result = try runCLI(arguments + ["--ledger", "411027", "--aggregate", "daily"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("ledger 411027 (DKK): partial"))
    #expect(result.stdout.contains("control totals:"))
    #expect(!result.stdout.contains("ledger 300119"))
    let csv = try String(
      contentsOfFile: out + "/journal-2025-10-20_2025-10-27.csv", encoding: .utf8)
    #expect(
      csv.hasPrefix(
        "voucher_id,date,account,account_name,debit,credit,currency,vat_code,description,ledger_id,topic,entry_type,psp_reference,reference,sales_unit\r\n"
      ))
    #expect(csv.contains("411027-20251020,2025-10-20"))
  }

  @Test func malformedPageFailsItsLedgerOnly() throws {
    let source = try copyOfSamples()
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let page = source + "/300119/fees/2025-10-22/1.json"
    try Data(#"{"hasMore": false, "items": [{"pspReference": 12}]}"#.utf8).write(
      to: URL(fileURLWithPath: page))
    let result = try runCLI(exportArguments(source: source, out: out))
    #expect(result.status == 1)
    #expect(result.stderr.contains("ledger 300119 fees 2025-10-22"))
    #expect(result.stderr.contains("300119/fees/2025-10-22/1.json"))
    #expect(result.stderr.contains("items[0].pspReference: expected a string"))
    let json = try String(
      contentsOfFile: out + "/journal-2025-10-20_2025-10-27.json", encoding: .utf8)
    #expect(json.contains(#""ledgerId":"411027""#))
    #expect(!json.contains(#""ledgerId":"300119""#))
    #expect(listFiles(out).allSatisfy { !$0.contains("tmp") && !$0.hasPrefix(".") })
  }

  @Test func brokenBalanceChainIsNamed() throws {
    let source = try copyOfSamples()
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let page = source + "/411027/funds/2025-10-21/1.json"
    var text = try String(contentsOfFile: page, encoding: .utf8)
    let range = try #require(text.range(of: #""balanceBefore": "#))
    text.replaceSubrange(range, with: #""balanceBefore": 1"#)
    try text.write(toFile: page, atomically: true, encoding: .utf8)
    let result = try runCLI(exportArguments(source: source, out: out))
    #expect(result.status == 1)
    #expect(result.stderr.contains("ledger 411027 funds 2025-10-21 entry 1"), "\(result.stderr)")
    let report = try String(
      contentsOfFile: out + "/journal-2025-10-20_2025-10-27.report.json", encoding: .utf8)
    #expect(report.contains(#""status" : "failed""#))
  }

  @Test func profileWithUnknownKeyIsAConfigurationError() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    var profile = try String(
      contentsOfFile: repositoryRoot + "/mappings/no-sales.yaml", encoding: .utf8)
    profile = profile.replacingOccurrences(of: "\nrules:\n", with: "\ncolour: blue\nrules:\n")
    let path = out + "/bad.yaml"
    try profile.write(toFile: path, atomically: true, encoding: .utf8)
    let line = profile.components(separatedBy: "\n").firstIndex(of: "colour: blue")! + 1
    let result = try runCLI(
      exportArguments(source: "samples/recorded", out: out + "/x", mapping: path))
    #expect(result.status == 2)
    #expect(result.stderr.contains("bad.yaml:\(line)"), "\(result.stderr)")
    #expect(result.stderr.contains("colour"))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: out + "/x"))
    let check = try runCLI(["mapping", "check", path])
    #expect(check.status == 2)
    #expect(check.stderr.contains("colour"))
  }

  @Test func profileWithUnknownAccountIsAConfigurationError() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    var profile = try String(
      contentsOfFile: repositoryRoot + "/mappings/no-sales.yaml", encoding: .utf8)
    let range = try #require(profile.range(of: #"contra: "3000""#))
    profile.replaceSubrange(range, with: #"contra: "3999""#)
    let path = out + "/bad.yaml"
    try profile.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try runCLI(
      exportArguments(source: "samples/recorded", out: out + "/x", mapping: path))
    #expect(result.status == 2)
    #expect(result.stderr.contains("3999"), "\(result.stderr)")
    #expect(result.stderr.contains("bad.yaml:"))
    #expect(!FileManager.default.fileExists(atPath: out + "/x"))
  }

  @Test func missingSourceDirectoryIsAConfigurationError() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try runCLI(exportArguments(source: "/nonexistent/recording", out: out + "/x"))
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "vipps-ledger: error: source directory '/nonexistent/recording' does not exist\n")
    #expect(!FileManager.default.fileExists(atPath: out + "/x"))
  }

  @Test(arguments: [
    (["--from", "2025-13-01"], "--from '2025-13-01' is not a date"),
    (["--aggregate", "weekly"], "--aggregate must be entry or daily"),
    (["--format", "xml"], "--format must be csv, json, jsonl or saft, not"),
  ])
  func badOptionsAreUsageErrors(override: [String], message: String) throws {
    var arguments = exportArguments(source: "samples/recorded", out: "/tmp/never-written")
    if let index = arguments.firstIndex(of: override[0]) {
      arguments[index + 1] = override[1]
    } else {
      arguments += override
    }
    let result = try runCLI(arguments)
    #expect(result.status == 2)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test func missingRequiredOptionIsAUsageError() throws {
    let result = try runCLI(["export", "--source", "samples/recorded"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("Missing expected argument"))
  }

  @Test func helpAndVersionExitZero() throws {
    let help = try runCLI(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("USAGE: vipps-ledger <subcommand>"))
    #expect(help.stderr.isEmpty)
    let exportHelp = try runCLI(["export", "--help"])
    #expect(exportHelp.status == 0)
    #expect(exportHelp.stdout.contains("--aggregate"))
    let version = try runCLI(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout == "0.1.0\n")
  }

  @Test func mappingCheckAcceptsShippedProfiles() throws {
    for profile in ["no-sales", "no-settlement"] {
      let result = try runCLI(["mapping", "check", "mappings/\(profile).yaml"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.contains("ok"))
    }
  }
}
