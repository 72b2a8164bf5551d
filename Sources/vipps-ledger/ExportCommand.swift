import ArgumentParser
import Foundation
import LedgerCore

struct ExportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export ledger dates as balanced journal vouchers.",
    discussion: """
      Every date from --from to --to is exported when it is closed on both the funds and the \
      fees ledger; open dates (tryLater) are reported and left for a later run. A ledger with an \
      error (broken balance chain, malformed page) is left out of the outputs; the others are \
      exported. Outputs are <out>/journal-<from>_<to>.<format> and <out>/journal-<from>_<to>.report.json.
      """
  )

  @Option(
    help:
      "Directory of recorded Report API responses (see README). Without it: the live Report API.")
  var source: String?

  @OptionGroup(title: "Live Report API (without --source; credentials from the environment)")
  var live: LiveSourceOptions

  @Option(help: "Ledgers processed at the same time.")
  var concurrency: Int = 8

  @Option(help: "First ledger date, YYYY-MM-DD.")
  var from: String

  @Option(help: "Last ledger date, YYYY-MM-DD (inclusive).")
  var to: String

  @Option(
    name: .customLong("ledger"),
    help: "Ledger ID to export (repeatable). Default: every listed ledger.")
  var ledgers: [String] = []

  @Option(help: "Mapping profile (YAML).")
  var mapping: String

  @Option(
    name: .customLong("format"),
    help: "Output format: csv, json, jsonl or saft (repeatable or comma-separated).")
  var formats: [String] = ["csv"]

  @Option(help: "Voucher granularity: entry (one per Vipps entry) or daily (one per ledger date).")
  var aggregate: String = "entry"

  @Option(help: "Output directory (created if missing).")
  var out: String

  @Flag(help: "Treat entries that match no rule (suspense postings) as errors.")
  var strict = false

  @Option(help: "CSV delimiter: comma or semicolon.")
  var csvDelimiter: String = "comma"

  @Flag(
    help: "CSV amounts with a decimal comma (Norwegian Excel; use with --csv-delimiter semicolon).")
  var decimalComma = false

  @Flag(help: "Start CSV files with a UTF-8 byte-order mark (for Excel).")
  var bom = false

  @Option(
    help: "Company data for SAF-T (YAML: organisation number, name, address, contacts, currency).")
  var company: String?

  @Option(
    help: "Opening balances for SAF-T (CSV 'account,balance', debit positive). Default: zero.")
  var openingBalances: String?

  @Option(help: "SAF-T creation date, YYYY-MM-DD. Default: today in Europe/Oslo.")
  var createdOn: String?

  @Flag(help: "Print only errors.")
  var quiet = false

  func run() async throws {
    let report: RunReport
    if let source {
      let replay: ReplaySource
      do {
        replay = try ReplaySource(directory: source)
      } catch let error as ReportSourceError {
        throw UsageError(error.detail)
      }
      report = try await export(from: replay)
    } else {
      report = try await live.withSource { try await export(from: $0) }
    }
    if !quiet {
      ReportPrinter.print(report, verbose: true)
    } else {
      ReportPrinter.printErrors(report)
    }
    if !report.isClean { throw RunFailed() }
  }

  /// Runs the pipeline on `source`, with progress on standard error.
  func export(from source: any ReportSource) async throws -> RunReport {
    let request = try makeRequest(source: source)
    let quiet = quiet
    do {
      return try await ExportPipeline().run(request) { event in
        guard !quiet else { return }
        if case .ledgerStarted(let id, let index, let count) = event {
          FileHandle.standardError.write(Data("[\(index)/\(count)] ledger \(id)…\n".utf8))
        }
      }
    } catch let error as ReportSourceError {
      throw UsageError(error.detail)
    }
  }

  func makeRequest(source: any ReportSource) throws -> ExportRequest {
    guard let fromDate = LedgerDate(from) else {
      throw UsageError("--from '\(from)' is not a date (YYYY-MM-DD)")
    }
    guard let toDate = LedgerDate(to) else {
      throw UsageError("--to '\(to)' is not a date (YYYY-MM-DD)")
    }
    guard fromDate <= toDate else { throw UsageError("--from \(from) is after --to \(to)") }
    guard let aggregation = Aggregation(rawValue: aggregate) else {
      throw UsageError("--aggregate must be entry or daily, not '\(aggregate)'")
    }
    var outputFormats: [OutputFormat] = []
    for name in formats.flatMap({ $0.split(separator: ",") }) {
      guard let format = OutputFormat(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
        throw UsageError("--format must be csv, json, jsonl or saft, not '\(name)'")
      }
      if !outputFormats.contains(format) { outputFormats.append(format) }
    }
    let delimiter: Character
    switch csvDelimiter {
    case "comma", ",": delimiter = ","
    case "semicolon", ";": delimiter = ";"
    default: throw UsageError("--csv-delimiter must be comma or semicolon, not '\(csvDelimiter)'")
    }
    let profile: MappingProfile
    do {
      profile = try MappingProfile.load(contentsOf: mapping)
    } catch {
      throw UsageError("\(error)")
    }
    let csv = CSVJournalEncoder.Options(
      delimiter: delimiter, decimalComma: decimalComma, byteOrderMark: bom)
    let saft = outputFormats.contains(.saft) ? try saftOptions(profile: profile) : nil
    return ExportRequest(
      source: source, ledgers: ledgers.isEmpty ? nil : ledgers.map { LedgerID($0) },
      from: fromDate, to: toDate, profile: profile, aggregation: aggregation,
      encoders: outputFormats.compactMap { $0.encoder(csv: csv, saft: saft) },
      outputDirectory: out, strict: strict, saft: saft, concurrency: max(1, concurrency))
  }

  /// Company, opening balances and creation date for `--format saft`.
  func saftOptions(profile: MappingProfile) throws -> SAFTOptions {
    guard let company else {
      throw UsageError("--format saft needs --company FILE (organisation number, name, contacts)")
    }
    let info: CompanyInfo
    do {
      info = try CompanyInfo.load(contentsOf: company)
    } catch {
      throw UsageError("\(error)")
    }
    var balances: [AccountID: Int64] = [:]
    if let openingBalances {
      do {
        balances = try OpeningBalances.load(contentsOf: openingBalances, profile: profile)
      } catch {
        throw UsageError("\(error)")
      }
    }
    let created: LedgerDate
    if let createdOn {
      guard let date = LedgerDate(createdOn) else {
        throw UsageError("--created-on '\(createdOn)' is not a date (YYYY-MM-DD)")
      }
      created = date
    } else {
      created = Self.todayInOslo()
    }
    return SAFTOptions(company: info, openingBalances: balances, createdOn: created)
  }

  /// Today's date in Europe/Oslo.
  static func todayInOslo() -> LedgerDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Oslo") ?? .current
    let parts = calendar.dateComponents([.year, .month, .day], from: Date())
    return LedgerDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
      ?? LedgerDate(daysSinceEpoch: 0)
  }
}
