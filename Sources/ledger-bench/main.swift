// Benchmark of the export pipeline (read pages → normalize → map → emit → publish) on synthetic
// replay data.
//
//   swift run -c release ledger-bench [ENTRIES] [--ledgers L] [--formats csv,jsonl,json,saft]
//                                     [--repeat N] [--keep DIR] [--per-day N]
//   swift run -c release ledger-bench --fetch [LEDGER_DATES] [--latency-ms 20] [--concurrency 16]
//   swift run -c release ledger-bench --partner [LEDGERS] [--latency-ms 20] [--concurrency 32]
//
// Generates ENTRIES synthetic entries (default 1,000,000; deterministic seed) as replay pages,
// split over L ledgers (default 1) at N entries per ledger and date (default 20,000; a large N
// shows the memory of a big merchant's day), and measures page decoding alone (MB/s of page JSON, the
// byte-level parser and Foundation's JSONDecoder). Then, in a fresh child process per format, it
// exports them with mappings/no-sales.yaml: once pinned to one CPU (`taskset -c 0`, one ledger at
// a time) and once on every CPU (ledgers in parallel; a single ledger reads its pages ahead on a
// second CPU). Each line reports
// entries/s, CPU time and the child's peak resident memory (`VmHWM`); `--repeat N` runs each
// export N times (file-system timings on small VMs vary from run to run). Run from the
// repository root.
import Foundation
import LedgerCore

#if canImport(Glibc)
  import Glibc
#endif

let arguments = CommandLine.arguments

if arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
  print(
    """
    usage: ledger-bench [ENTRIES] [--ledgers L] [--formats csv,jsonl,json,saft] [--repeat N]
                        [--keep DIR] [--per-day N]
           ledger-bench --fetch [LEDGER_DATES] [--latency-ms 20] [--concurrency 16]
                        [--ledgers-at-once N]
           ledger-bench --partner [LEDGERS] [--latency-ms 20] [--concurrency 32] [--server PATH]

    Pipeline throughput and memory: generates ENTRIES synthetic entries (default 1,000,000) in
    L ledgers (default 1), N per ledger and date (default 20,000), times page decoding, then
    exports them per format in a child process, pinned to one CPU and then
    on every CPU. --repeat runs each export N times; --keep keeps the data in DIR.
    --fetch and --partner time exports over HTTP against the bundled mock Report API with
    injected latency. Run from the package root, with a release build:
      swift run -c release ledger-bench 1000000 --ledgers 2 --repeat 3
    """)
  exit(0)
}

// The benchmarks read the shipped mapping profile and sample company by relative path.
for file in ["mappings/no-sales.yaml", "samples/company.yaml"]
where !FileManager.default.fileExists(atPath: file) {
  FileHandle.standardError.write(
    Data("ledger-bench: \(file) not found; run it from the package root\n".utf8))
  exit(2)
}
let entriesPerDay = max(1, integerOption(arguments, "--per-day", 20_000))

/// User and system CPU time of this process so far.
func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// This process's peak resident memory: `VmHWM` of its own address space (`ru_maxrss` would
/// report the spawning parent's peak on Linux when it is larger).
func peakRSSMegabytes() -> Double {
  if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
  {
    return kilobytes / 1024
  }
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

/// Writes `ledgerCount` synthetic ledgers of about `entries / ledgerCount` entries each.
func generate(entries: Int, ledgers ledgerCount: Int, into directory: String) throws -> Int {
  try? FileManager.default.removeItem(atPath: directory)
  let recorder = ReplayRecorder(directory: directory)
  var ledgers = (0..<ledgerCount).map { index in
    SyntheticLedger(
      seed: 42 + UInt64(index), ledgerID: LedgerID(String(300119 + index)),
      start: LedgerDate(year: 2025, month: 1, day: 1)!, entriesPerDay: entriesPerDay)
  }
  try recorder.writeLedgers(ledgers.map { Ledger(ledgerId: $0.ledgerID, currency: $0.currency) })
  var written = 0
  var days = 0
  while written < entries {
    for index in ledgers.indices {
      let day = ledgers[index].nextDay()
      let id = ledgers[index].ledgerID
      try recorder.writeDate(ledger: id, topic: .funds, date: day.date, entries: day.funds)
      try recorder.writeDate(ledger: id, topic: .fees, date: day.date, entries: day.fees)
      written += day.funds.count + day.fees.count
    }
    days += 1
  }
  print(
    "generated \(written) entries in \(ledgerCount) ledger(s) over \(days) days in \(directory)")
  return days
}

/// Decodes every recorded page in memory with the byte-level parser and with `JSONDecoder`.
func decodeBenchmark(directory: String) throws {
  var pages: [Data] = []
  let enumerator = FileManager.default.enumerator(atPath: directory)
  while let path = enumerator?.nextObject() as? String {
    guard path.hasSuffix(".json"), path.contains("/") else { continue }
    pages.append(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + path)))
  }
  let bytes = pages.reduce(0) { $0 + $1.count }
  func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
  var entries = 0
  let parser = try ContinuousClock().measure {
    for page in pages { entries += try ReportDecoding.page(page, context: "bench").itemCount }
  }
  let sample = pages.prefix(max(1, pages.count / 10))
  let sampleBytes = sample.reduce(0) { $0 + $1.count }
  let decoder = try ContinuousClock().measure {
    for page in sample { _ = try JSONDecoder().decode(ReportPage.self, from: page) }
  }
  print(
    String(
      format: "decode\t%d pages\t%.1f MB\tparser %.0f MB/s (%.0f entries/s)\tJSONDecoder %.0f MB/s",
      pages.count, Double(bytes) / 1e6, Double(bytes) / 1e6 / seconds(parser),
      Double(entries) / seconds(parser), Double(sampleBytes) / 1e6 / seconds(decoder)))
}

/// SAF-T options for the benchmark: the demo company, no opening balances, a fixed date.
func benchSAFTOptions() throws -> SAFTOptions {
  SAFTOptions(
    company: try CompanyInfo.load(contentsOf: "samples/company.yaml"),
    createdOn: LedgerDate(year: 2026, month: 1, day: 1)!)
}

/// Child mode: `ledger-bench --export DIR DAYS FORMAT OUT CONCURRENCY LABEL`.
func runExport(
  directory: String, days: Int, format: OutputFormat, out: String, concurrency: Int,
  label: String
) async throws {
  let start = LedgerDate(year: 2025, month: 1, day: 1)!
  let saftOptions = try benchSAFTOptions()
  let request = ExportRequest(
    source: try ReplaySource(directory: directory), ledgers: nil, from: start,
    to: start.adding(days: days - 1),
    profile: try MappingProfile.load(contentsOf: "mappings/no-sales.yaml"),
    aggregation: .entry, encoders: [format.encoder(saft: saftOptions)].compactMap { $0 },
    outputDirectory: out, saft: format == .saft ? saftOptions : nil, concurrency: concurrency)
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
        "%@\t%@\t%d entries\t%d lines\t%.2f s (CPU %.2f s)\t%.0f entries/s\tpeak RSS %.1f MB\toutput %.1f MB\tclean %@",
      format.rawValue, label, entries, lines, seconds, cpuSeconds(), Double(entries) / seconds,
      peakRSSMegabytes(),
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

if arguments.count >= 8, arguments[1] == "--export", let days = Int(arguments[3]),
  let format = OutputFormat(rawValue: arguments[4]), let concurrency = Int(arguments[6])
{
  try await runExport(
    directory: arguments[2], days: days, format: format, out: arguments[5],
    concurrency: concurrency, label: arguments[7])
  exit(0)
}

let entries =
  arguments.dropFirst().first.flatMap { Int($0.replacingOccurrences(of: "_", with: "")) }
  ?? 1_000_000
let ledgerCount = max(1, integerOption(arguments, "--ledgers", 1))
let formats = (stringOption(arguments, "--formats") ?? "csv,jsonl,json,saft").split(separator: ",")
  .map { name in
    guard let format = OutputFormat(rawValue: String(name)) else {
      fatalError("unknown format \(name)")
    }
    return format
  }
let keepIndex = arguments.firstIndex(of: "--keep")
let work =
  keepIndex.map { arguments[$0 + 1] } ?? NSTemporaryDirectory() + "vipps-ledger-bench-\(getpid())"
let days = try generate(entries: entries, ledgers: ledgerCount, into: work + "/replay")
let cpus = ProcessInfo.processInfo.activeProcessorCount
print("machine: \(cpus) CPU(s), \(ProcessInfo.processInfo.physicalMemory >> 20) MiB")
try decodeBenchmark(directory: work + "/replay")

/// Runs one export child: pinned to CPU 0 when `oneCore`, else on every CPU.
func runChild(_ format: OutputFormat, oneCore: Bool) throws {
  let out = work + "/out-\(format.rawValue)"
  try? FileManager.default.removeItem(atPath: out)
  let child = Process()
  let export = [
    "--export", work + "/replay", String(days), format.rawValue, out,
    oneCore ? "1" : String(ledgerCount), oneCore ? "1-core" : "\(cpus)-core",
  ]
  if oneCore && FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") {
    child.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
    child.arguments = ["-c", "0", CommandLine.arguments[0]] + export
  } else {
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = export
  }
  try child.run()
  child.waitUntilExit()
  guard child.terminationStatus == 0 else {
    fatalError("export child failed (\(child.terminationStatus))")
  }
}

let repeats = max(1, integerOption(arguments, "--repeat", 1))
// One-CPU and all-CPU runs alternate, so that both see the machine in the same state (on a VM
// the cost of page-cache writes drifts over minutes).
for format in formats {
  for _ in 0..<repeats {
    try runChild(format, oneCore: true)
    if cpus > 1 { try runChild(format, oneCore: false) }
  }
}
if keepIndex == nil { try? FileManager.default.removeItem(atPath: work) }
