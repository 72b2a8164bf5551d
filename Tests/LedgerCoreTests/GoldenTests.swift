import Foundation
import Testing

@testable import LedgerCore

/// `samples/recorded` through the whole pipeline, compared byte for byte with `samples/expected`.
///
/// Record mode: `VIPPS_LEDGER_RECORD=1 swift test --filter GoldenTests` rewrites the expected
/// files from the current code; review the diff before committing it.
@Suite struct GoldenTests {
  static let samples = repositoryRoot + "/samples/recorded"
  static let expected = repositoryRoot + "/samples/expected"
  static let mappings = repositoryRoot + "/mappings"
  static let recording = ProcessInfo.processInfo.environment["VIPPS_LEDGER_RECORD"] == "1"

  @Test(arguments: Demo.jobs.map { "\($0.profile)/\($0.aggregation.rawValue)" })
  func demoJobMatchesExpectedFiles(jobName: String) async throws {
    let job = try #require(Demo.jobs.first { $0.relativeDirectory == jobName })
    let output = Self.recording ? Self.expected : try temporaryDirectory()
    defer { if !Self.recording { try? FileManager.default.removeItem(atPath: output) } }
    let report = try await Demo.run(
      job, samples: Self.samples, mappings: Self.mappings, output: output)
    #expect(report.isClean, "\(report.ledgers.flatMap(\.diagnostics))")
    if Self.recording { return }
    let produced = output + "/" + job.relativeDirectory
    let expected = Self.expected + "/" + job.relativeDirectory
    let producedFiles = try FileManager.default.contentsOfDirectory(atPath: produced).sorted()
    let expectedFiles = try FileManager.default.contentsOfDirectory(atPath: expected).sorted()
    #expect(producedFiles == expectedFiles)
    for file in producedFiles where file.hasSuffix(".json") && !file.hasSuffix(".report.json") {
      try EmitTests.validate(
        String(contentsOfFile: produced + "/" + file, encoding: .utf8), as: "document")
    }
    for file in producedFiles where file.hasSuffix(".xml") {
      try expectValidSAFT(produced + "/" + file)
    }
    for file in producedFiles where file.hasSuffix(".jsonl") {
      try EmitTests.validate(
        String(contentsOfFile: produced + "/" + file, encoding: .utf8), as: "lines")
    }
    for file in expectedFiles {
      let actual = try Data(contentsOf: URL(fileURLWithPath: produced + "/" + file))
      let wanted = try Data(contentsOf: URL(fileURLWithPath: expected + "/" + file))
      #expect(
        actual == wanted,
        "\(job.relativeDirectory)/\(file) differs from samples/expected; if the change is intended, rerun with VIPPS_LEDGER_RECORD=1 and review the diff"
      )
    }
  }
}
