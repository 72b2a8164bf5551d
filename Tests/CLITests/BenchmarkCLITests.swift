import Foundation
import Testing

/// `ledger-bench` answers `--help` with its usage, anywhere, instead of starting a
/// million-entry benchmark; outside the package root it says what is missing.
@Suite struct BenchmarkCLITests {
  /// Runs the built `ledger-bench` (next to `vipps-ledger`) in `directory`.
  static func run(_ arguments: [String], in directory: String) throws -> CLIResult {
    let path = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
      .appendingPathComponent("ledger-bench").path
    return try runCLI(arguments, in: directory, executable: path)
  }

  @Test func helpPrintsTheUsageAndStartsNothing() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for flag in ["--help", "-h"] {
      let result = try Self.run(["1000000", flag], in: directory)
      #expect(result.status == 0)
      #expect(result.stdout.hasPrefix("usage: ledger-bench [ENTRIES]"))
      #expect(result.stdout.contains("--per-day N"))
      #expect(result.stdout.contains("--partner [LEDGERS]"))
      #expect(result.stderr.isEmpty)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test func outsideThePackageRootItSaysWhatIsMissing() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Self.run(["1000"], in: directory)
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("mappings/no-sales.yaml not found; run it from the package root"))
  }
}
