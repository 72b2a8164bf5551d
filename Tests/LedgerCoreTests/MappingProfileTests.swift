import Foundation
import Testing

@testable import LedgerCore

/// A small valid profile; tests edit single lines, so line numbers (1-based) are stable.
enum ProfileFixture {
  static let lines: [String] = [
    "name: test",  // 1
    "clearing:",  // 2
    "  funds: \"1579\"",  // 3
    "  fees: \"2991\"",  // 4
    "suspense:",  // 5
    "  funds: \"1598\"",  // 6
    "  fees: \"2998\"",  // 7
    "accounts:",  // 8, then accounts on lines 9…15
    "  \"1579\": { name: Vipps, groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: \"1570\" }",
    "  \"2991\": { name: Gebyr, groupingCategory: kortsiktigGjeld, groupingCode: \"2990\" }",
    "  \"1598\": { name: Uavklart, groupingCategory: balanseverdiForOmloepsmiddel, groupingCode: \"1570\" }",
    "  \"2998\": { name: Uavklart, groupingCategory: kortsiktigGjeld, groupingCode: \"2990\" }",
    "  \"3000\": { name: Salg, groupingCategory: salgsinntekt, groupingCode: \"3000\" }",
    "  \"2700\": { name: Mva, groupingCategory: kortsiktigGjeld, groupingCode: \"2740\" }",
    "  \"7770\": { name: Gebyrer, groupingCategory: annenDriftskostnad, groupingCode: \"7700\" }",
    "vatCodes:",  // 16
    "  \"3\": { rate: \"25\", standardTaxCode: \"3\" }",  // 17
    "dimensions:",  // 18
    "  department:",  // 19
    "    bySalesUnit: { \"NO:1\": \"10\" }",  // 20
    "rules:",  // 21
    "  - name: sales",  // 22
    "    match:",  // 23
    "      entryType: capture",  // 24
    "    contra: \"3000\"",  // 25
    "    vat: { code: \"3\", rate: \"25\", account: \"2700\" }",  // 26
    "    dimensions: [department]",  // 27
    "  - name: fees",  // 28
    "    match: { topic: fees }",  // 29
    "    contra: \"7770\"",  // 30
  ]

  static var yaml: String { lines.joined(separator: "\n") + "\n" }

  /// The fixture with 1-based line `number` replaced (or, past the end, appended).
  static func yaml(replacing number: Int, with text: String) -> String {
    var copy = lines
    if number <= copy.count { copy[number - 1] = text } else { copy.append(text) }
    return copy.joined(separator: "\n") + "\n"
  }

  static func yaml(inserting text: String, after number: Int) -> String {
    var copy = lines
    copy.insert(text, at: number)
    return copy.joined(separator: "\n") + "\n"
  }
}

@Suite struct MappingProfileTests {
  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let shippedProfiles = ["no-sales", "no-settlement"]

  static func shipped(_ name: String) throws -> MappingProfile {
    try MappingProfile.load(
      contentsOf: repositoryRoot.appendingPathComponent("mappings/\(name).yaml").path)
  }

  /// Loads `yaml` expecting failure; returns the error.
  func failure(_ yaml: String, file: String = "mappings/x.yaml") -> MappingProfileError? {
    do {
      _ = try MappingProfile.load(yaml: yaml, path: file)
      Issue.record("expected the profile to be rejected")
      return nil
    } catch let error as MappingProfileError {
      return error
    } catch {
      Issue.record("unexpected error type: \(error)")
      return nil
    }
  }

  // MARK: Shipped profiles

  @Test(arguments: shippedProfiles)
  func shippedProfileLoads(name: String) throws {
    let profile = try Self.shipped(name)
    #expect(profile.name == name)
    #expect(profile.clearing == .init(funds: "1579", fees: "2991"))
    #expect(profile.suspense == .init(funds: "1598", fees: "2998"))
    #expect(!profile.rules.isEmpty)
    #expect(profile.accounts["1570"] == nil, "1570 is travel advances in NS 4102")
    let bytes = try Data(
      contentsOf: Self.repositoryRoot.appendingPathComponent("mappings/\(name).yaml"))
    #expect(profile.sha256 == SHA256.hex(bytes))
    #expect(profile.sha256.count == 64)
    #expect(profile.allAccountIDs == profile.accounts.keys.sorted())
    #expect(profile.path.hasSuffix("mappings/\(name).yaml"))
  }

  @Test(arguments: shippedProfiles)
  func shippedGroupingCodesExistInOfficialList(name: String) throws {
    let csvURL = Self.repositoryRoot.deletingLastPathComponent().appendingPathComponent(
      "shared/reference/saft/skatteetaten-saf-t/SAF-T_Financial_1.3/Grouping Category Code/CSV/naeringsspesifikasjon.csv"
    )
    let text = try String(contentsOf: csvURL, encoding: .utf8)
    var valid: Set<String> = []
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
      let fields = line.split(separator: ";", omittingEmptySubsequences: false)
      guard fields.count >= 4 else { continue }
      valid.insert("\(fields[0]);\(fields[3])")
    }
    #expect(valid.count > 400)
    #expect(valid.contains("annenDriftskostnad;7700"))
    let profile = try Self.shipped(name)
    for (id, account) in profile.accounts {
      #expect(
        valid.contains("\(account.groupingCategory);\(account.groupingCode)"),
        "\(name): account \(id) has \(account.groupingCategory)/\(account.groupingCode)")
    }
  }

  @Test func shippedRulesCoverTheDocumentedTypes() throws {
    for name in Self.shippedProfiles {
      let profile = try Self.shipped(name)
      let mapped = Set(profile.rules.flatMap { $0.match.entryTypes ?? [] })
      for type in EntryType.known where type != .correction && type != .creditNote {
        #expect(mapped.contains(type), "\(name) maps \(type)")
      }
      #expect(!mapped.contains(.correction))
      #expect(!mapped.contains(.creditNote))
    }
  }

  @Test func fixtureDecodesEverything() throws {
    let profile = try MappingProfile.load(yaml: ProfileFixture.yaml, path: "t.yaml")
    #expect(profile.name == "test")
    #expect(profile.rules.map(\.name) == ["sales", "fees"])
    let sales = profile.rules[0]
    #expect(sales.match.entryTypes == [.capture])
    #expect(sales.match.topic == nil)
    #expect(sales.match.sign == .any)
    #expect(sales.vat == .init(code: "3", rateBasisPoints: 2500, account: "2700"))
    #expect(sales.dimensions == ["department"])
    #expect(profile.rules[1].match.topic == .fees)
    #expect(profile.vatCodes["3"]?.rateBasisPoints == 2500)
    #expect(profile.dimensions["department"]?.value(for: "NO:1") == "10")
    #expect(profile.dimensions["department"]?.value(for: "NO:2") == nil)
    #expect(profile.account("1579")?.groupingCode == "1570")
    #expect(profile.sha256 == SHA256.hex(ProfileFixture.yaml.utf8))
  }

  @Test func fullMatchSyntax() throws {
    let yaml = ProfileFixture.yaml(
      replacing: 24,
      with: """
              topic: funds
              entryType: [capture, refund, brand-new-type]
              sign: negative
              currency: [NOK, DKK]
              salesUnit: ["NO:1", none]
              reference: "^web-"
        """)
    let match = try MappingProfile.load(yaml: yaml, path: "t.yaml").rules[0].match
    #expect(match.topic == .funds)
    #expect(match.entryTypes == [.capture, .refund, .unknown("brand-new-type")])
    #expect(match.sign == .negative)
    #expect(match.currencies == ["NOK", "DKK"])
    #expect(match.salesUnits == ["NO:1", "none"])
    #expect(match.reference?.pattern == "^web-")
  }

  // MARK: Unknown keys

  @Test func unknownTopLevelKey() throws {
    let error = try #require(failure(ProfileFixture.yaml(replacing: 31, with: "colour: blue")))
    #expect(error.kind == .unknownKey)
    #expect(error.line == 31)
    #expect(error.description.hasPrefix("mappings/x.yaml:31: unknown key 'colour' at top level"))
    #expect(error.description.contains("expected one of: name, description, clearing"))
    #expect(error.errorDescription == error.description)
  }

  @Test func unknownKeyInRule() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 30, with: "    contr: \"7770\"")))
    #expect(error.kind == .unknownKey)
    #expect(
      error.description
        == "mappings/x.yaml:30: unknown key 'contr' in rules[1] (expected one of: name, match, contra, vat, description, dimensions)"
    )
  }

  @Test func unknownKeyInMatch() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 24, with: "      entryTyp: capture")))
    #expect(error.kind == .unknownKey)
    #expect(error.line == 24)
    #expect(
      error.description.contains("mappings/x.yaml:24: unknown key 'entryTyp' in rules[0].match"))
    #expect(error.description.contains("topic, entryType, sign, currency, salesUnit, reference"))
  }

  @Test func unknownKeyInFlowMappingOfAccount() throws {
    let error = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 13,
          with:
            "  \"3000\": { name: Salg, groupingCategory: salgsinntekt, groupingCode: \"3000\", vat: yes }"
        )))
    #expect(error.line == 13)
    #expect(error.description.contains("unknown key 'vat' in accounts.3000"))
  }

  // MARK: Cross references

  @Test func undeclaredAccount() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 25, with: "    contra: \"3001\"")))
    #expect(error.kind == .undeclaredAccount)
    #expect(
      error.description == "mappings/x.yaml:25: rule 'sales' posts to undeclared account '3001'")
  }

  @Test func undeclaredVATAccountAndSuspenseAccount() throws {
    let vat = try #require(
      failure(
        ProfileFixture.yaml(replacing: 26, with: "    vat: { code: \"3\", account: \"2701\" }")))
    #expect(vat.kind == .undeclaredAccount)
    #expect(vat.line == 26)
    #expect(vat.message.contains("'2701'"))
    let suspense = try #require(
      failure(ProfileFixture.yaml(replacing: 7, with: "  fees: \"2999\"")))
    #expect(suspense.kind == .undeclaredAccount)
    #expect(suspense.line == 7)
    #expect(suspense.message == "suspense.fees posts to undeclared account '2999'")
  }

  @Test func clearingAccountCannotBeAContra() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 30, with: "    contra: \"2991\"")))
    #expect(error.kind == .clearingAccountAsContra)
    #expect(error.line == 30)
  }

  @Test func unknownVATCode() throws {
    let error = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 26, with: "    vat: { code: \"31\", rate: \"15\", account: \"2700\" }")))
    #expect(error.kind == .undeclaredVATCode)
    #expect(error.line == 26)
    #expect(error.message == "rule 'sales' uses undeclared VAT code '31'")
  }

  @Test func vatRateMustMatchItsCode() throws {
    let error = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 26, with: "    vat: { code: \"3\", rate: \"15\", account: \"2700\" }")))
    #expect(error.kind == .vatRateMismatch)
    #expect(error.line == 26)
    #expect(error.message.contains("15.00"))
    #expect(error.message.contains("25.00"))
  }

  @Test func vatAccountRequiredForNonZeroRate() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 26, with: "    vat: { code: \"3\" }")))
    #expect(error.kind == .missingVATAccount)
  }

  @Test(arguments: ["\"101\"", "\"-1\"", "\"12.345\"", "abc", "\"1,5\""])
  func invalidRates(rate: String) throws {
    let error = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 17, with: "  \"3\": { rate: \(rate), standardTaxCode: \"3\" }")))
    #expect(error.kind == .invalidValue)
    #expect(error.line == 17)
    #expect(error.message.contains("vatCodes.3.rate"))
  }

  @Test func acceptedRates() throws {
    for (text, basisPoints) in [
      ("\"12.5\"", Int64(1250)), ("15", 1500), ("\"0\"", 0), ("\"100\"", 10_000),
    ] {
      let yaml = ProfileFixture.yaml(replacing: 17, with: "  \"3\": { rate: \(text) }")
        .replacingOccurrences(of: "rate: \"25\", ", with: "")
      let profile = try MappingProfile.load(yaml: yaml, path: "t.yaml")
      #expect(profile.vatCodes["3"]?.rateBasisPoints == basisPoints)
    }
  }

  @Test func badRegex() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(inserting: "      reference: \"^web-([\"", after: 24)))
    #expect(error.kind == .invalidPattern)
    #expect(error.line == 25)
    #expect(error.message.contains("invalid regular expression '^web-(['"))
  }

  @Test func unknownDimension() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 27, with: "    dimensions: [region]")))
    #expect(error.kind == .unknownDimension)
    #expect(error.line == 27)
    #expect(error.message.contains("'region'"))
  }

  @Test func duplicateRuleName() throws {
    let error = try #require(failure(ProfileFixture.yaml(replacing: 28, with: "  - name: sales")))
    #expect(error.kind == .duplicateRule)
    #expect(error.line == 28)
    #expect(error.message.contains("first used at line 22"))
  }

  @Test func invalidTopicAndSign() throws {
    let topic = try #require(
      failure(ProfileFixture.yaml(replacing: 29, with: "    match: { topic: fee }")))
    #expect(topic.kind == .invalidValue)
    #expect(topic.line == 29)
    #expect(topic.message == "rules[1].match.topic: invalid topic 'fee' (expected funds or fees)")
    let sign = try #require(failure(ProfileFixture.yaml(inserting: "      sign: plus", after: 24)))
    #expect(sign.line == 25)
    #expect(sign.message.contains("invalid sign 'plus'"))
  }

  @Test func unknownPlaceholder() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(inserting: "    description: \"Vipps {entrytype}\"", after: 30)))
    #expect(error.kind == .unknownPlaceholder)
    #expect(error.line == 31)
    #expect(error.message.contains("'{entrytype}'"))
  }

  @Test func missingAccountFields() throws {
    let error = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 13, with: "  \"3000\": { name: Salg, groupingCategory: salgsinntekt }")))
    #expect(error.kind == .missingKey)
    #expect(error.line == 13)
    #expect(error.message == "missing key 'groupingCode' in accounts.3000")
    let noName = try #require(
      failure(
        ProfileFixture.yaml(
          replacing: 13,
          with: "  \"3000\": { groupingCategory: salgsinntekt, groupingCode: \"3000\" }")))
    #expect(noName.message.contains("'name'"))
  }

  @Test func missingProfileName() throws {
    let error = try #require(failure(ProfileFixture.yaml(replacing: 1, with: "description: x")))
    #expect(error.kind == .missingKey)
    #expect(error.message == "missing key 'name' at top level")
  }

  @Test func wrongShape() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 30, with: "    contra: [\"7770\"]")))
    #expect(error.kind == .typeMismatch)
    #expect(error.line == 30)
    #expect(error.message.contains("rules[1].contra"))
  }

  // MARK: YAML and files

  @Test func yamlSyntaxErrorHasLine() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(replacing: 26, with: "    vat: { code: \"3\", rate: \"25\"")))
    #expect(error.kind == .syntax)
    #expect(error.description.hasPrefix("mappings/x.yaml:"))
    #expect(error.message.contains("YAML syntax error"))
    let line = try #require(error.line)
    #expect((26...27).contains(line))
  }

  @Test func badIndentationIsASyntaxErrorOnItsLine() throws {
    let error = try #require(failure(ProfileFixture.yaml(replacing: 4, with: "   fees: \"2991\"")))
    #expect(error.kind == .syntax)
    #expect(error.line == 4)
  }

  @Test func duplicateYAMLKey() throws {
    let error = try #require(
      failure(ProfileFixture.yaml(inserting: "    contra: \"3000\"", after: 25)))
    #expect(error.kind == .syntax)
    #expect(error.message.contains("'contra'"))
  }

  @Test func emptyFile() throws {
    let error = try #require(failure("# nothing\n"))
    #expect(error.kind == .syntax)
    #expect(error.line == 1)
  }

  @Test func missingFileIsNamed() throws {
    do {
      _ = try MappingProfile.load(contentsOf: "/nonexistent/dir/profile.yaml")
      Issue.record("expected an error")
    } catch let error as MappingProfileError {
      #expect(error.kind == .fileUnreadable)
      #expect(error.description.hasPrefix("/nonexistent/dir/profile.yaml: "))
      #expect(error.line == nil)
    }
  }

  @Test func loadsFromFileWithItsHash() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "profile-\(UUID().uuidString).yaml")
    try Data(ProfileFixture.yaml.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let profile = try MappingProfile.load(contentsOf: url.path)
    #expect(profile.sha256 == SHA256.hex(ProfileFixture.yaml.utf8))
    #expect(profile.path == url.path)

    try Data(ProfileFixture.yaml(replacing: 30, with: "    contr: \"7770\"").utf8).write(to: url)
    let error = try #require(
      { () -> MappingProfileError? in
        do { _ = try MappingProfile.load(contentsOf: url.path) } catch let e as MappingProfileError
        {
          return e
        } catch {}
        return nil
      }())
    #expect(error.description.hasPrefix("\(url.path):30: unknown key 'contr'"))
  }

  @Test func encodesBackToAnEquivalentProfile() throws {
    let profile = try Self.shipped("no-sales")
    // JSON is YAML, so the JSON encoding must load as a profile again.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    let yaml = String(decoding: try encoder.encode(profile), as: UTF8.self)
    let again = try MappingProfile.load(yaml: yaml, path: "round-trip.yaml")
    #expect(again.rules == profile.rules)
    #expect(again.accounts == profile.accounts)
    #expect(again.vatCodes == profile.vatCodes)
    #expect(again.dimensions == profile.dimensions)
  }
}
