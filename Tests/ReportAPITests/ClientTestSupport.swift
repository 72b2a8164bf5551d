import Foundation
import LedgerCore
import Logging
import MockReportAPI
import ReportAPI
import Synchronization
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().path
let samples = repositoryRoot + "/samples/recorded"

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "vipps-ledger-api-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Collects every log line (message and metadata) in memory.
final class CapturedLogs: Sendable {
  private let lines = Mutex<[String]>([])
  var all: [String] { lines.withLock { $0 } }
  func append(_ line: String) { lines.withLock { $0.append(line) } }

  func logger(level: Logger.Level = .trace) -> Logger {
    var logger = Logger(label: "test") { _ in CapturingHandler(sink: self) }
    logger.logLevel = level
    return logger
  }
}

struct CapturingHandler: LogHandler {
  let sink: CapturedLogs
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  func log(
    level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
    file: String, function: String, line: UInt
  ) {
    let merged = self.metadata.merging(metadata ?? [:]) { $1 }
    sink.append("\(level) \(message) \(merged)")
  }
}

/// A fast retry policy so fault tests do not wait.
let fastBackoff = BackoffPolicy(
  initialDelay: .milliseconds(1), multiplier: 2, maximumDelay: .milliseconds(20), jitter: 0.25,
  maxAttempts: 12, maximumRetryAfter: .seconds(5))

/// Runs `body` with an HTTP source talking to a mock server with `server` configuration.
func withMockSource<T: Sendable>(
  _ server: MockServerConfiguration, log: RequestLog = RequestLog(),
  credentials: ReportAPICredentials = .init(
    flow: .partner, clientID: "demo-client", clientSecret: "demo-secret"),
  gdpr: Bool = true,
  logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
  _ body: @Sendable @escaping (HTTPReportSource) async throws -> T
) async throws -> T {
  try await MockReportAPIServer(configuration: server, log: log).withRunning { port in
    var configuration = try ReportAPIConfiguration(
      baseURL: "http://127.0.0.1:\(port)", version: "test")
    configuration.includeGDPRSensitiveData = gdpr
    configuration.backoff = fastBackoff
    return try await HTTPReportSource.withSource(
      configuration: configuration, credentials: credentials, logger: logger, body)
  }
}

/// Every file under `directory` with its bytes.
func contents(of directory: String) throws -> [String: Data] {
  var result: [String: Data] = [:]
  for case let path as String in FileManager.default.enumerator(atPath: directory)?.allObjects ?? []
  {
    var isDirectory: ObjCBool = false
    FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory)
    if !isDirectory.boolValue {
      result[path] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + path))
    }
  }
  return result
}
