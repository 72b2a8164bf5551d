import Foundation

/// The result of running the built `vipps-ledger`.
struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().path

/// The built executable, next to the test bundle.
func executablePath() -> String {
  var candidates: [String] = []
  if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
    candidates.append(bundle.appendingPathComponent("vipps-ledger").path)
    candidates.append(
      bundle.deletingLastPathComponent().appendingPathComponent("vipps-ledger").path)
  }
  let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  candidates.append(arg0.appendingPathComponent("vipps-ledger").path)
  candidates.append(repositoryRoot + "/.build/debug/vipps-ledger")
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
}

/// Runs `vipps-ledger` (or `executable`) with `arguments` in `directory` (default: the
/// repository root).
func runCLI(
  _ arguments: [String], in directory: String = repositoryRoot, environment: [String: String] = [:],
  executable: String = executablePath()
) throws -> CLIResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIPPS_") }
  env.merge(environment) { $1 }
  process.environment = env
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CLIResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "vipps-ledger-cli-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// A copy of `samples/recorded` to break on purpose.
func copyOfSamples() throws -> String {
  let directory = try temporaryDirectory() + "/recorded"
  try FileManager.default.copyItem(atPath: repositoryRoot + "/samples/recorded", toPath: directory)
  return directory
}

/// Every file under `directory`, relative, sorted.
func listFiles(_ directory: String) -> [String] {
  (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
    .filter { path in
      var isDirectory: ObjCBool = false
      FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory)
      return !isDirectory.boolValue
    }.sorted()
}

/// A `vipps-ledger mock-server` child process on a free port, stopped by `stop()`.
final class MockServerProcess {
  let process = Process()
  let port: Int

  init(arguments: [String] = []) throws {
    process.executableURL = URL(fileURLWithPath: executablePath())
    process.arguments = ["mock-server", "--port", "0"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    var line = Data()
    while true {
      let byte = out.fileHandleForReading.readData(ofLength: 1)
      if byte.isEmpty || byte.first == UInt8(ascii: "\n") { break }
      line.append(byte)
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let range = text.range(of: "http://127.0.0.1:"),
      let port = Int(text[range.upperBound...].prefix { $0.isNumber })
    else {
      process.terminate()
      throw CocoaError(
        .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no port in '\(text)'"])
    }
    self.port = port
  }

  func stop() {
    process.terminate()
    process.waitUntilExit()
  }
}
