import Foundation
import Testing

/// `export` and `tail` against `vipps-ledger mock-server` over HTTP, credentials from the environment.
@Suite(.serialized) struct LiveExportCLITests {
  func environment(_ port: Int) -> [String: String] {
    [
      "VIPPS_BASE_URL": "http://127.0.0.1:\(port)", "VIPPS_CLIENT_ID": "demo-client",
      "VIPPS_CLIENT_SECRET": "demo-secret",
    ]
  }

  let export = [
    "export", "--from", "2025-10-20", "--to", "2025-10-27", "--mapping", "mappings/no-sales.yaml",
    "--format", "csv,jsonl", "--gdpr", "--quiet",
  ]

  @Test func liveExportEqualsTheReplayExport() throws {
    let server = try MockServerProcess()
    defer { server.stop() }
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let live = try runCLI(export + ["--out", out + "/live"], environment: environment(server.port))
    #expect(live.status == 0, "\(live.stderr)")
    let replay = try runCLI(export + ["--out", out + "/replay", "--source", "samples/recorded"])
    #expect(replay.status == 0, "\(replay.stderr)")
    for file in ["journal-2025-10-20_2025-10-27.csv", "journal-2025-10-20_2025-10-27.jsonl"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: out + "/live/" + file))
      let b = try Data(contentsOf: URL(fileURLWithPath: out + "/replay/" + file))
      #expect(a == b, "\(file) differs between the live API and the replay")
    }
  }

  @Test func credentialProblemsAreUsageErrors() throws {
    let server = try MockServerProcess()
    defer { server.stop() }
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    var env = environment(server.port)
    env["VIPPS_CLIENT_SECRET"] = nil
    let missing = try runCLI(export + ["--out", out + "/x"], environment: env)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("VIPPS_CLIENT_SECRET is not set"))
    env = environment(server.port)
    env["VIPPS_BASE_URL"] = "http://api.example.com"
    let plain = try runCLI(export + ["--out", out + "/x"], environment: env)
    #expect(plain.status == 2)
    #expect(plain.stderr.contains("refusing plain http://"))
    env = environment(server.port)
    env["VIPPS_CLIENT_SECRET"] = "not-the-secret"
    let wrong = try runCLI(export + ["--out", out + "/x"], environment: env)
    #expect(wrong.status == 2)
    #expect(wrong.stderr.contains("HTTP 401"))
    #expect(!wrong.stderr.contains("not-the-secret"))
    #expect(!FileManager.default.fileExists(atPath: out + "/x/journal-2025-10-20_2025-10-27.csv"))
  }

  @Test func tailPrintsTheFeedAndRemembersTheCursor() throws {
    let server = try MockServerProcess()
    defer { server.stop() }
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let arguments = [
      "tail", "--ledger", "411027", "--topic", "fees", "--cursor-file", out + "/cursor",
    ]
    let first = try runCLI(arguments, environment: environment(server.port))
    #expect(first.status == 0, "\(first.stderr)")
    let lines = first.stdout.split(separator: "\n")
    #expect(lines.count == 57)
    #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.contains("\"entryType\"") })
    #expect(FileManager.default.fileExists(atPath: out + "/cursor"))
    let second = try runCLI(arguments, environment: environment(server.port))
    #expect(second.status == 0)
    #expect(second.stdout.isEmpty)
  }
}

extension LiveExportCLITests {
  @Test func salesUnitFilterSelectsLedgers() throws {
    let server = try MockServerProcess()
    defer { server.stop() }
    let out = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try runCLI(
      [
        "export", "--from", "2025-10-20", "--to", "2025-10-21", "--mapping",
        "mappings/no-sales.yaml", "--sales-unit", "DK:90601", "--out", out,
      ], environment: environment(server.port))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("ledger 411027"))
    #expect(!result.stdout.contains("ledger 300119"))
  }
}
