// Benchmark of the export pipeline (normalize → map → emit) on synthetic replay data.
//
//   swift run -c release ledger-bench [ENTRIES] [--keep DIR]
//   swift run -c release ledger-bench --fetch [LEDGER_DATES] [--latency-ms 20] [--concurrency 16]
//   swift run -c release ledger-bench --partner [LEDGERS] [--latency-ms 20] [--concurrency 32]
//
// Generates ENTRIES synthetic entries (default 1,000,000; deterministic seed) as replay pages,
// then, in a fresh child process per format, exports them with mappings/no-sales.yaml and reports
// entries/s and the child's peak resident memory. Run from the repository root.
import Foundation
import LedgerCore

#if canImport(Glibc)
  import Glibc
#endif

let arguments = CommandLine.arguments
let entriesPerDay = 20_000

func peakRSSMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

func generate(entries: Int, into directory: String) throws -> Int {
  try? FileManager.default.removeItem(atPath: directory)
  let recorder = ReplayRecorder(directory: directory)
  var ledger = SyntheticLedger(
    seed: 42, start: LedgerDate(year: 2025, month: 1, day: 1)!, entriesPerDay: entriesPerDay)
  try recorder.writeLedgers([Ledger(ledgerId: ledger.ledgerID, currency: ledger.currency)])
  var written = 0
  var days = 0
  while written < entries {
    let day = ledger.nextDay()
    try recorder.writeDate(
      ledger: ledger.ledgerID, topic: .funds, date: day.date, entries: day.funds)
    try recorder.writeDate(ledger: ledger.ledgerID, topic: .fees, date: day.date, entries: day.fees)
    written += day.funds.count + day.fees.count
    days += 1
  }
  print("generated \(written) entries over \(days) days in \(directory)")
  return days
}

/// SAF-T options for the benchmark: the demo company, no opening balances, a fixed date.
func benchSAFTOptions() throws -> SAFTOptions {
  SAFTOptions(
    company: try CompanyInfo.load(contentsOf: "samples/company.yaml"),
    createdOn: LedgerDate(year: 2026, month: 1, day: 1)!)
}

/// Child mode: `ledger-bench --export DIR DAYS FORMAT OUT`.
func runExport(directory: String, days: Int, format: OutputFormat, out: String) async throws {
  let start = LedgerDate(year: 2025, month: 1, day: 1)!
  let saftOptions = try benchSAFTOptions()
  let request = ExportRequest(
    source: try ReplaySource(directory: directory), ledgers: nil, from: start,
    to: start.adding(days: days - 1),
    profile: try MappingProfile.load(contentsOf: "mappings/no-sales.yaml"),
    aggregation: .entry, encoders: [format.encoder(saft: saftOptions)].compactMap { $0 },
    outputDirectory: out, saft: format == .saft ? saftOptions : nil)
  let clock = ContinuousClock()
  var report: RunReport?
  let elapsed = try await clock.measure { report = try await ExportPipeline().run(request) }
  let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  let entries = report?.ledgers.reduce(0) { $0 + $1.entries } ?? 0
  let lines = report?.ledgers.reduce(0) { $0 + $1.lines } ?? 0
  let bytes = report?.outputs.first?.bytes ?? 0
  print(
    String(
      format:
        "%@\t%d entries\t%d lines\t%.2f s\t%.0f entries/s\tpeak RSS %.1f MB\toutput %.1f MB\tclean %@",
      format.rawValue, entries, lines, seconds, Double(entries) / seconds, peakRSSMegabytes(),
      Double(bytes) / 1_048_576, report?.isClean == true ? "yes" : "NO"))
}

if arguments.count >= 2, arguments[1] == "--partner" {
  try await PartnerBenchmark.run(arguments: arguments)
  exit(0)
}

if arguments.count >= 2, arguments[1] == "--fetch" {
  try await FetchBenchmark.run(arguments: arguments)
  exit(0)
}

if arguments.count >= 6, arguments[1] == "--export", let days = Int(arguments[3]),
  let format = OutputFormat(rawValue: arguments[4])
{
  try await runExport(directory: arguments[2], days: days, format: format, out: arguments[5])
  exit(0)
}

let entries =
  arguments.dropFirst().first.flatMap { Int($0.replacingOccurrences(of: "_", with: "")) }
  ?? 1_000_000
let keepIndex = arguments.firstIndex(of: "--keep")
let work =
  keepIndex.map { arguments[$0 + 1] } ?? NSTemporaryDirectory() + "vipps-ledger-bench-\(getpid())"
let days = try generate(entries: entries, into: work + "/replay")
for format in [OutputFormat.csv, .json, .saft] {
  let child = Process()
  child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  child.arguments = [
    "--export", work + "/replay", String(days), format.rawValue, work + "/out-\(format.rawValue)",
  ]
  try child.run()
  child.waitUntilExit()
  guard child.terminationStatus == 0 else {
    fatalError("export child failed (\(child.terminationStatus))")
  }
}
if keepIndex == nil { try? FileManager.default.removeItem(atPath: work) }
