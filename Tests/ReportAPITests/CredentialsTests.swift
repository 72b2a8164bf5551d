import Foundation
import ReportAPI
import Testing

@Suite struct CredentialsTests {
  @Test func partnerIsTheDefaultWithoutSubscriptionKey() throws {
    let credentials = try ReportAPICredentials.fromEnvironment([
      "VIPPS_CLIENT_ID": "id", "VIPPS_CLIENT_SECRET": "s3cret",
    ])
    #expect(credentials.flow == .partner)
    #expect(
      !"\(credentials) \(credentials.clientSecret) \(String(reflecting: credentials.clientSecret))"
        .contains("s3cret"))
  }

  @Test func merchantNeedsSubscriptionKeyAndMSN() throws {
    let credentials = try ReportAPICredentials.fromEnvironment([
      "VIPPS_CLIENT_ID": "id", "VIPPS_CLIENT_SECRET": "s", "VIPPS_SUBSCRIPTION_KEY": "k",
      "VIPPS_MSN": "123455",
    ])
    #expect(credentials.flow == .merchant)
    #expect(throws: ReportAPIConfigurationError.self) {
      try ReportAPICredentials.fromEnvironment([
        "VIPPS_AUTH": "merchant", "VIPPS_CLIENT_ID": "id", "VIPPS_CLIENT_SECRET": "s",
      ])
    }
  }

  @Test func missingVariablesAreNamedWithoutValues() {
    do {
      _ = try ReportAPICredentials.fromEnvironment(["VIPPS_CLIENT_ID": "visible-id"])
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("VIPPS_CLIENT_SECRET is not set"))
      #expect(!"\(error)".contains("visible-id"))
    }
    #expect(throws: ReportAPIConfigurationError.self) {
      try ReportAPICredentials.fromEnvironment([
        "VIPPS_AUTH": "oauth", "VIPPS_CLIENT_ID": "i", "VIPPS_CLIENT_SECRET": "s",
      ])
    }
  }

  @Test func secretsFileIsReadAndTheEnvironmentWins() throws {
    let path = NSTemporaryDirectory() + "secrets-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try "# keys\nVIPPS_CLIENT_ID=file-id\nVIPPS_CLIENT_SECRET = \"file-secret\"\n\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let credentials = try ReportAPICredentials.fromEnvironment([
      "VIPPS_SECRETS_FILE": path, "VIPPS_CLIENT_ID": "env-id",
    ])
    #expect(credentials.clientID.value == "env-id")
    #expect(credentials.clientSecret.value == "file-secret")
    #expect(throws: ReportAPIConfigurationError.self) {
      try ReportAPICredentials.fromEnvironment(["VIPPS_SECRETS_FILE": path + ".missing"])
    }
  }
}
