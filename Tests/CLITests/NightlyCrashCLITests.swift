import Foundation
import LedgerCore
import StateStore
import Testing

/// `vipps-ledger run` as cron runs it: crashes at many points, the lock, a bad or missing state.
@Suite(.serialized) struct NightlyCrashCLITests {
  /// A configuration over the recorded samples in `directory`.
  static func writeConfiguration(in directory: String) throws -> String {
    let yaml = """
      state: state/vipps-ledger.sqlite
      output: exports
      groupBy: day
      clients:
        - id: fjordkaffe
          name: Fjordkaffe AS
          organizationNumber: "999888777"
          ledgers: ["300119", "411027"]
          mapping: \(repositoryRoot)/mappings/no-sales.yaml
          formats: [csv, saft]
          aggregate: entry
          start: 2025-10-20
          company: \(repositoryRoot)/samples/company.yaml
      """
    let path = directory + "/config.yaml"
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func run(_ config: String, crashAt: String? = nil) throws -> CLIResult {
    try runCLI(
      [
        "run", "--config", config, "--as-of", "2025-10-28", "--source", "samples/recorded",
        "--quiet",
      ],
      environment: crashAt.map { ["VIPPS_LEDGER_CRASH_AT": $0] } ?? [:])
  }

  /// Output files (not run manifests) and the exported dates without run IDs.
  static func snapshot(_ directory: String) throws -> ([String: Data], [String]) {
    let outputs = try listFiles(directory + "/exports").filter { !$0.hasPrefix("runs/") }
      .reduce(into: [String: Data]()) { result, path in
        result[path] = try Data(contentsOf: URL(fileURLWithPath: directory + "/exports/" + path))
      }
    let store = try SQLiteStateStore(path: directory + "/state/vipps-ledger.sqlite")
    var state: [String] = []
    for ledger in ["300119", "411027"] {
      for record in try store.exportedDates(ledger: LedgerID(ledger)) {
        state.append(
          "\(ledger) \(record.date) \(record.files.map { "\($0.path) \($0.sha256)" }) \(record.entries) \(record.contentSHA256) \(record.closingBalances.sorted { $0.key < $1.key })"
        )
      }
      state.append("open \(try store.openDates(ledger: LedgerID(ledger)))")
    }
    return (outputs, state)
  }

  @Test func killedAtAnyPointAndRerunMatchesAnUninterruptedRun() throws {
    let reference = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: reference) }
    let clean = try Self.run(try Self.writeConfiguration(in: reference))
    #expect(clean.status == 0, "\(clean.stderr)")
    let (expectedFiles, expectedState) = try Self.snapshot(reference)
    // Two ledgers × seven closed dates × two formats (an empty date still gets its files).
    #expect(expectedFiles.count == 2 * 7 * 2)
    #expect(expectedState.count == 16)
    for point in [
      "after-fetch:1", "after-fetch:9", "after-write:1", "after-write:10", "after-commit:1",
      "after-commit:9",
    ] {
      let directory = try temporaryDirectory()
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let config = try Self.writeConfiguration(in: directory)
      let crashed = try Self.run(config, crashAt: point)
      #expect(
        crashed.status == 9 || crashed.status == 137,
        "\(point): the run should have been killed (\(crashed.status))")
      let rerun = try Self.run(config)
      #expect(rerun.status == 0, "\(point): \(rerun.stderr)")
      let (files, state) = try Self.snapshot(directory)
      #expect(files == expectedFiles, "\(point): outputs differ from an uninterrupted run")
      #expect(state == expectedState, "\(point): state differs from an uninterrupted run")
      #expect(
        listFiles(directory + "/exports").allSatisfy {
          !$0.contains(".tmp-") && !$0.contains(".vipps-ledger-work")
        })
      let history = try runCLI(["history", "--config", config])
      #expect(history.stdout.contains("interrupted"), "\(point): \(history.stdout)")
    }
  }

  @Test func sigkillAtTimedMomentsAndRerunMatches() throws {
    let reference = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: reference) }
    #expect(try Self.run(try Self.writeConfiguration(in: reference)).status == 0)
    let expected = try Self.snapshot(reference)
    for delay in [30, 80, 150, 250, 400] {
      let directory = try temporaryDirectory()
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let config = try Self.writeConfiguration(in: directory)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executablePath())
      process.arguments = [
        "run", "--config", config, "--as-of", "2025-10-28", "--source", "samples/recorded",
        "--quiet",
      ]
      process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(useconds_t(delay * 1000))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let rerun = try Self.run(config)
      #expect(rerun.status == 0, "killed after \(delay) ms: \(rerun.stderr)")
      let (files, state) = try Self.snapshot(directory)
      #expect(files == expected.0, "killed after \(delay) ms: outputs differ")
      #expect(state == expected.1, "killed after \(delay) ms: state differs")
      #expect(listFiles(directory + "/exports").allSatisfy { !$0.contains(".tmp-") })
    }
  }

  @Test func aSecondRunOnTheSameStateRefusesToStart() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let config = try Self.writeConfiguration(in: directory)
    try FileManager.default.createDirectory(
      atPath: directory + "/state", withIntermediateDirectories: true)
    let lock = try StateLock(statePath: directory + "/state/vipps-ledger.sqlite")
    let refused = try Self.run(config)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("another vipps-ledger run"), "\(refused.stderr)")
    #expect(refused.stderr.contains("\(getpid())"))
    lock.release()
    #expect(try Self.run(config).status == 0)
  }

  @Test func aCorruptOrMissingStateIsAClearErrorNotAReExport() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let config = try Self.writeConfiguration(in: directory)
    #expect(try Self.run(config).status == 0)
    let state = directory + "/state/vipps-ledger.sqlite"
    let original = try Data(contentsOf: URL(fileURLWithPath: state))
    // Corrupt: garbage in place of the database.
    let garbage = Data(repeating: 0x5A, count: 8192)
    try garbage.write(to: URL(fileURLWithPath: state))
    let corrupt = try Self.run(config)
    #expect(corrupt.status == 2)
    #expect(corrupt.stderr.contains(state), "\(corrupt.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == garbage)
    // Missing: earlier manifests prove there was a state.
    try FileManager.default.removeItem(atPath: state)
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: state + suffix) }
    let missing = try Self.run(config)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("is missing"), "\(missing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: state))
    _ = original
  }

  @Test func withoutATerminalThereIsNoProgressLineOnlyTheSummary() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let config = try Self.writeConfiguration(in: directory)
    let result = try runCLI(
      ["run", "--config", config, "--as-of", "2025-10-28", "--source", "samples/recorded"])
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    #expect(result.stdout.contains("1 of 1 clients ok"))
    #expect(result.stdout.contains("fjordkaffe: ok"))
    #expect(result.stdout.contains("ledger 300119: ok, exported 2025-10-20…2025-10-26 (7)"))
  }

  @Test func statusAndHistoryDescribeTheState() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let config = try Self.writeConfiguration(in: directory)
    #expect(try Self.run(config).status == 0)
    let second = try Self.run(config)
    #expect(second.status == 0)
    let status = try runCLI(["status", "--config", config])
    #expect(status.status == 0)
    #expect(
      status.stdout.contains(
        "fjordkaffe ledger 300119: last exported 2025-10-26 (7 dates since 2025-10-20), open 2025-10-27"
      ))
    let history = try runCLI(["history", "--config", config])
    #expect(history.stdout.split(separator: "\n").count == 2)
    #expect(history.stdout.contains(" ok "))
  }
}
