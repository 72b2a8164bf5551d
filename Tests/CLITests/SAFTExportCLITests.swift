import Foundation
import Testing

/// `export --format saft` end to end.
@Suite(.serialized) struct SAFTExportCLITests {
  static let xsd =
    repositoryRoot
    + "/../shared/reference/saft/skatteetaten-saf-t/SAF-T_Financial_1.3/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"

  func arguments(out: String, extra: [String]) -> [String] {
    [
      "export", "--source", "samples/recorded", "--from", "2025-10-20", "--to", "2025-10-26",
      "--mapping", "mappings/no-sales.yaml", "--format", "saft", "--out", out, "--quiet",
    ] + extra
  }

  @Test func writesAValidatedFile() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try runCLI(
      arguments(
        out: out,
        extra: [
          "--company", "samples/company.yaml", "--opening-balances",
          "samples/opening-balances.csv", "--created-on", "2025-11-01",
        ]))
    #expect(result.status == 0, "\(result.stderr)")
    let file = out + "/journal-2025-10-20_2025-10-26.xml"
    let xml = try String(contentsOfFile: file, encoding: .utf8)
    #expect(xml.contains("<SelectionEndDate>2025-10-26</SelectionEndDate>"))
    #expect(xml.contains("<NumberOfEntries>516</NumberOfEntries>"))
    #expect(xml.contains("<CurrencyCode>DKK</CurrencyCode>"))
    #expect(xml.contains("<AuditFileDateCreated>2025-11-01</AuditFileDateCreated>"))
    let validation = try runCLI(["validate", file, "--xsd", Self.xsd])
    #expect(validation.status == 0, "\(validation.stderr)")
  }

  @Test func needsACompany() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try runCLI(arguments(out: out + "/x", extra: []))
    #expect(result.status == 2)
    #expect(result.stderr.contains("--format saft needs --company FILE"))
    #expect(!FileManager.default.fileExists(atPath: out + "/x"))
  }

  @Test func aCompanyFileMissingAFieldIsNamed() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let company = out + "/company.yaml"
    try "name: X\ncontacts:\n  - firstName: A\n    lastName: B\n".write(
      toFile: company, atomically: true, encoding: .utf8)
    let result = try runCLI(arguments(out: out + "/x", extra: ["--company", company]))
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("company.yaml:1: missing key 'organizationNumber'"), "\(result.stderr)"
    )
    #expect(!FileManager.default.fileExists(atPath: out + "/x"))
  }

  @Test func badOpeningBalancesAreNamed() throws {
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let balances = out + "/ob.csv"
    try "account,balance\n1920,12.345\n".write(toFile: balances, atomically: true, encoding: .utf8)
    let result = try runCLI(
      arguments(
        out: out + "/x",
        extra: ["--company", "samples/company.yaml", "--opening-balances", balances]))
    #expect(result.status == 2)
    #expect(result.stderr.contains("ob.csv:2: balance '12.345'"), "\(result.stderr)")
  }
}
