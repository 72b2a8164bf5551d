import ArgumentParser
import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI

struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Export the bundled sample ledgers with every shipped profile, in every format.",
    discussion: """
      Needs no credentials and no network: starts the local mock Report API on a free loopback \
      port, serving the recorded responses in samples/recorded, and runs the whole pipeline over \
      real HTTP (token, ledger list, paged dates). Writes \
      <out>/<profile>/<entry|daily>/journal-2025-10-20_2025-10-27.{csv,json,jsonl,xml} and a \
      .report.json beside them. --replay reads the files directly instead.
      """
  )

  @Option(help: "Output directory.")
  var out: String = "demo-out"

  @Option(help: "Recorded Report API responses.")
  var samples: String = "samples/recorded"

  @Option(help: "Directory of the shipped mapping profiles.")
  var mappings: String = "mappings"

  @Flag(help: "Read samples/recorded directly instead of over HTTP from the mock server.")
  var replay = false

  @Flag(help: "Print only errors.")
  var quiet = false

  func run() async throws {
    guard FileManager.default.fileExists(atPath: samples) else {
      throw UsageError(
        "sample directory '\(samples)' not found; run the demo from the repository root or pass --samples"
      )
    }
    var failed = false
    if replay {
      for job in Demo.jobs { failed = try await run(job, source: nil) || failed }
    } else {
      let server = MockReportAPIServer(
        configuration: MockServerConfiguration(data: .replay(directory: samples)))
      failed = try await server.withRunning { port in
        var configuration = try ReportAPIConfiguration(
          baseURL: "http://127.0.0.1:\(port)", version: VippsLedger.version)
        configuration.includeGDPRSensitiveData = true
        let credentials = ReportAPICredentials(
          flow: .partner, clientID: MockServerConfiguration.Credential.demo.clientID,
          clientSecret: MockServerConfiguration.Credential.demo.clientSecret)
        var logger = Logger(label: "vipps-ledger") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return try await HTTPReportSource.withSource(
          configuration: configuration, credentials: credentials, logger: logger
        ) { source in
          var failed = false
          if !quiet { print("mock Report API on http://127.0.0.1:\(port) (samples/recorded)") }
          for job in Demo.jobs { failed = try await run(job, source: source) || failed }
          return failed
        }
      }
    }
    if failed { throw RunFailed() }
  }

  /// Runs one job; returns whether it failed.
  func run(_ job: Demo.Job, source: (any ReportSource)?) async throws -> Bool {
    let report: RunReport
    do {
      report = try await Demo.run(
        job, samples: samples, mappings: mappings, output: out, source: source)
    } catch {
      throw UsageError("\(error)")
    }
    if !quiet {
      print(
        "== \(job.profile), \(job.aggregation.rawValue) vouchers → \(out)/\(job.relativeDirectory)")
      ReportPrinter.print(report, verbose: false)
    }
    return !report.isClean
  }
}
