import Foundation

/// The bundled demo: every shipped profile × aggregation × format on the recorded samples.
///
/// `vipps-ledger demo` runs it; the golden tests run it and compare with `samples/expected/`.
public enum Demo {
  /// The recorded period of `samples/recorded`.
  public static let from = LedgerDate(year: 2025, month: 10, day: 20)!
  public static let to = LedgerDate(year: 2025, month: 10, day: 27)!
  /// The day the demo's SAF-T files say they were created.
  public static let createdOn = LedgerDate(year: 2025, month: 10, day: 28)!
  /// Shipped profiles the demo exports with (file names in `mappings/` without `.yaml`).
  public static let profiles = ["no-sales", "no-settlement"]

  /// One export of the demo.
  public struct Job: Sendable {
    public var profile: String
    public var aggregation: Aggregation
    /// Output directory relative to the demo's root: `<profile>/<aggregation>`.
    public var relativeDirectory: String { "\(profile)/\(aggregation.rawValue)" }
  }

  /// Every job, in a fixed order.
  public static var jobs: [Job] {
    profiles.flatMap { profile in
      Aggregation.allCases.map { Job(profile: profile, aggregation: $0) }
    }
  }

  /// Runs one demo job.
  ///
  /// - Parameters:
  ///   - job: Profile and aggregation.
  ///   - samples: The recording directory (`samples/recorded`); the company file
  ///     (`company.yaml`) and opening balances (`opening-balances.csv`) are beside it.
  ///   - mappings: The profiles directory (`mappings`).
  ///   - output: The demo's root output directory.
  ///   - source: Where pages come from; default: the replay of `samples`.
  ///   - concurrency: Ledgers processed at the same time.
  public static func run(
    _ job: Job, samples: String, mappings: String, output: String,
    source: (any ReportSource)? = nil, concurrency: Int = 4,
    progress: @escaping @Sendable (ExportProgress) -> Void = { _ in }
  ) async throws -> RunReport {
    let profile = try MappingProfile.load(
      contentsOf: (mappings as NSString).appendingPathComponent("\(job.profile).yaml"))
    let base = (samples as NSString).deletingLastPathComponent as NSString
    let saft = SAFTOptions(
      company: try CompanyInfo.load(contentsOf: base.appendingPathComponent("company.yaml")),
      openingBalances: try OpeningBalances.load(
        contentsOf: base.appendingPathComponent("opening-balances.csv"), profile: profile),
      createdOn: createdOn)
    let request = ExportRequest(
      source: try source ?? ReplaySource(directory: samples), ledgers: nil, from: from, to: to,
      profile: profile, aggregation: job.aggregation,
      encoders: OutputFormat.allCases.compactMap { $0.encoder(saft: saft) },
      outputDirectory: (output as NSString).appendingPathComponent(job.relativeDirectory),
      saft: saft, concurrency: concurrency)
    return try await ExportPipeline().run(request, progress: progress)
  }
}
