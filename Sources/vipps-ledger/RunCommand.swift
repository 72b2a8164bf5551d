import ArgumentParser
import Foundation
import LedgerCore
import ReportAPI
import StateStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `vipps-ledger run`: the nightly job.
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Export every closed, not yet exported ledger date of every configured client.",
    discussion: """
      Remembers in the state database which dates are exported and which were open, so every \
      ledger date is exported exactly once, when it is closed. Safe to rerun and to kill at any \
      moment: files are fsynced and renamed into place before the state records them. A second \
      run on the same state refuses to start. Writes <output>/<client>/<ledger>/… and a run \
      manifest <output>/runs/<run id>.json.
      """
  )

  @Option(help: "Configuration file (YAML).")
  var config: String

  @Option(help: "The day the run treats as today, YYYY-MM-DD (default: today in Europe/Oslo).")
  var asOf: String?

  @Option(help: "Read recorded responses from this directory instead of the live API (testing).")
  var source: String?

  @Flag(help: "Ignore cached pages and fetch again.")
  var refetch = false

  @Flag(help: "Export already-exported dates again (from the cache) and rewrite their files.")
  var force = false

  @Option(help: "Override the configuration's groupBy: day, month or run.")
  var groupBy: String?

  @Option(help: "Override the configuration's concurrency (ledgers at the same time).")
  var concurrency: Int?

  @OptionGroup(title: "Live Report API (credentials from the environment)")
  var live: LiveSourceOptions

  @Flag(help: "Start a new, empty state although earlier runs left manifests in the output folder.")
  var newState = false

  @Flag(help: "Print only errors.")
  var quiet = false

  func run() async throws {
    var configuration: RunConfiguration
    do {
      configuration = try RunConfiguration.load(contentsOf: config)
    } catch {
      throw UsageError("\(error)")
    }
    if let groupBy {
      guard let value = RunConfiguration.GroupBy(rawValue: groupBy) else {
        throw UsageError("--group-by must be day, month or run")
      }
      configuration.groupBy = value
    }
    if let concurrency { configuration.concurrency = max(1, concurrency) }
    let today: LedgerDate
    if let asOf {
      guard let date = LedgerDate(asOf) else { throw UsageError("--as-of '\(asOf)' is not a date") }
      today = date
    } else {
      today = ExportCommand.todayInOslo()
    }
    let lock = try Self.lock(configuration.state)
    let runs = (configuration.output as NSString).appendingPathComponent("runs")
    let manifests =
      (try? FileManager.default.contentsOfDirectory(atPath: runs))?.filter { $0.hasSuffix(".json") }
      ?? []
    if !FileManager.default.fileExists(atPath: configuration.state), !manifests.isEmpty, !newState {
      lock.release()
      throw UsageError(
        "the state database \(configuration.state) is missing, but \(runs) has \(manifests.count) run manifests: a new state would export every date again. Restore the state from backup, or pass --new-state to start over deliberately"
      )
    }
    let store: SQLiteStateStore
    do {
      store = try SQLiteStateStore(path: configuration.state)
    } catch {
      lock.release()
      throw UsageError("\(error)")
    }
    let manifest: RunManifest
    if let source {
      let replay: ReplaySource
      do {
        replay = try ReplaySource(directory: source)
      } catch let error as ReportSourceError {
        throw UsageError(error.detail)
      }
      manifest = try await runNight(
        configuration, store: store, source: replay, asOf: today, statistics: nil)
    } else {
      manifest = try await live.withSource {
        try await runNight(
          configuration, store: store, source: $0, asOf: today, statistics: $0.client.statistics)
      }
    }
    lock.release()
    if !quiet && isatty(STDERR_FILENO) == 1 {
      FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
    let summaryPath = (configuration.output as NSString).appendingPathComponent(
      "runs/\(manifest.runId).txt")
    let summary = (try? String(contentsOfFile: summaryPath, encoding: .utf8)) ?? ""
    if !quiet {
      Swift.print(summary, terminator: "")
    } else {
      let errors = summary.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { $0.hasPrefix("error") }
      if !errors.isEmpty {
        FileHandle.standardError.write(Data((errors.joined(separator: "\n") + "\n").utf8))
      }
    }
    if !manifest.isClean { throw RunFailed() }
  }

  /// The state's exclusive lock, or a usage error naming the holder.
  static func lock(_ state: String) throws -> StateLock {
    do {
      try FileManager.default.createDirectory(
        atPath: (state as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      return try StateLock(statePath: state)
    } catch {
      throw UsageError("\(error)")
    }
  }

  func runNight(
    _ configuration: RunConfiguration, store: any StateStore, source: any ReportSource,
    asOf: LedgerDate, statistics: RequestStatistics?
  ) async throws -> RunManifest {
    var runner = NightlyRunner(configuration: configuration, store: store, source: source)
    runner.refetch = refetch
    runner.force = force
    runner.checkpoint = Self.crashCheckpoint()
    runner.retainsResults = false
    if !quiet && isatty(STDERR_FILENO) == 1 {
      runner.progress =
        ProgressLine(
          clients: configuration.clients.count, statistics: statistics
        ).update
    }
    let now = Date()
    let formatter = ISO8601DateFormatter()
    let stamp = formatter.string(from: now).replacingOccurrences(of: ":", with: "")
      .replacingOccurrences(of: "-", with: "")
    let runID = "\(stamp)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    return try await runner.run(asOf: asOf, runID: runID, startedAt: formatter.string(from: now))
  }

  /// `VIPPS_LEDGER_CRASH_AT=<point>[:<n>]` kills the process (SIGKILL) at the n-th time the run
  /// passes `<point>` — for crash-safety tests only.
  static func crashCheckpoint() -> @Sendable (String) -> Void {
    guard let spec = ProcessInfo.processInfo.environment["VIPPS_LEDGER_CRASH_AT"] else {
      return { _ in }
    }
    let parts = spec.split(separator: ":")
    let point = String(parts.first ?? "")
    let target = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
    let counter = CrashCounter()
    return { name in
      guard name == point, counter.increment() == target else { return }
      kill(getpid(), SIGKILL)
    }
  }

}

/// The one-line progress display on a terminal: ledgers done, clients done, requests, retries, ETA.
final class ProgressLine: Sendable {
  private let clients: Int
  private let statistics: RequestStatistics?
  private let started = ContinuousClock.now

  init(clients: Int, statistics: RequestStatistics?) {
    self.clients = clients
    self.statistics = statistics
  }

  func update(_ progress: NightlyRunner.Progress) {
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let remaining =
      progress.done > 0
      ? seconds / Double(progress.done) * Double(progress.total - progress.done) : 0
    var line = "\r\u{1B}[K[\(progress.done)/\(progress.total) ledgers, \(clients) clients]"
    if let (requests, retries) = statistics?.snapshot {
      line += " \(requests) requests, \(retries) retries"
    }
    line += String(format: ", ETA %d:%02d", Int(remaining) / 60, Int(remaining) % 60)
    if progress.ledger.status == "failed" {
      line += "\n\(progress.ledger.client) ledger \(progress.ledger.ledgerId) failed\n"
    }
    FileHandle.standardError.write(Data(line.utf8))
  }
}

/// A thread-safe counter for crash points.
final class CrashCounter: Sendable {
  private let value = Mutex(0)
  func increment() -> Int {
    value.withLock {
      $0 += 1; return $0
    }
  }
}
