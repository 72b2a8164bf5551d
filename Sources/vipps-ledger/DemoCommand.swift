import ArgumentParser
import Foundation
import LedgerCore

struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Export the bundled sample ledgers with every shipped profile, in every format.",
    discussion: """
      Needs no credentials and no network: reads the recorded Report API responses in \
      samples/recorded. Writes <out>/<profile>/<entry|daily>/journal-2025-10-20_2025-10-27.{csv,json,jsonl} \
      and a .report.json beside them.
      """
  )

  @Option(help: "Output directory.")
  var out: String = "demo-out"

  @Option(help: "Recorded Report API responses.")
  var samples: String = "samples/recorded"

  @Option(help: "Directory of the shipped mapping profiles.")
  var mappings: String = "mappings"

  @Flag(help: "Print only errors.")
  var quiet = false

  func run() async throws {
    guard FileManager.default.fileExists(atPath: samples) else {
      throw UsageError(
        "sample directory '\(samples)' not found; run the demo from the repository root or pass --samples"
      )
    }
    var failed = false
    for job in Demo.jobs {
      let report: RunReport
      do {
        report = try await Demo.run(job, samples: samples, mappings: mappings, output: out)
      } catch {
        throw UsageError("\(error)")
      }
      if !quiet {
        print(
          "== \(job.profile), \(job.aggregation.rawValue) vouchers → \(out)/\(job.relativeDirectory)"
        )
        ReportPrinter.print(report, verbose: false)
      }
      if !report.isClean { failed = true }
    }
    if failed { throw RunFailed() }
  }
}
