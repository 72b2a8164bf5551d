import Foundation
import LedgerCore
import StateStore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct StateLockTests {
  @Test func secondLockIsRefusedWithTheHolderPid() throws {
    try withTemporaryDirectory { dir in
      let state = dir + "/state.sqlite"
      let lock = try StateLock(statePath: state)
      #expect(lock.lockPath == state + ".lock")
      let error = #expect(throws: StateStoreError.self) { _ = try StateLock(statePath: state) }
      let message = error?.description ?? ""
      #expect(message.contains("another vipps-ledger run is using \(state)"), "\(message)")
      #expect(message.contains("pid \(getpid())"), "\(message)")
      lock.release()

      // Free again, and the lock file stays in place.
      let again = try StateLock(statePath: state)
      #expect(FileManager.default.fileExists(atPath: state + ".lock"))
      again.release()
    }
  }

  @Test func lockIsReleasedWhenTheValueGoesOutOfScope() throws {
    try withTemporaryDirectory { dir in
      let state = dir + "/state.sqlite"
      do { _ = try StateLock(statePath: state) }
      func take() throws { let _ = try StateLock(statePath: state) }
      try take()
      try take()
    }
  }

  @Test func lockOfAKilledProcessIsFree() async throws {
    let flockTool = ["/usr/bin/flock", "/bin/flock"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    try #require(flockTool != nil, "flock(1) (util-linux) is not installed")
    try await withTemporaryDirectoryAsync { dir in
      let state = dir + "/state.sqlite"
      let lockPath = state + ".lock"
      // The shell opens the lock file, flock(1) locks that descriptor, the shell writes its pid
      // and then becomes `sleep`: one process holding the lock, no orphans once it is killed.
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/bin/sh")
      child.arguments = [
        "-c", "exec 9>>\"$1\"; \(flockTool!) -x 9; echo $$ >\"$1\"; exec sleep 30", "sh", lockPath,
      ]
      try child.run()
      defer {
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
      }

      // Wait until the child holds the lock and has written its pid.
      var message = ""
      for _ in 0..<200 {
        do {
          try StateLock(statePath: state).release()
        } catch let error as StateStoreError {
          message = error.description
          if message.contains("pid \(child.processIdentifier)") { break }
        }
        try await Task.sleep(for: .milliseconds(25))
      }
      #expect(message.contains("held by pid \(child.processIdentifier)"), "\(message)")

      kill(child.processIdentifier, SIGKILL)
      child.waitUntilExit()
      let lock = try StateLock(statePath: state)
      lock.release()
    }
  }
}

func withTemporaryDirectoryAsync<T>(_ body: (String) async throws -> T) async throws -> T {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("state-lock-tests-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  return try await body(directory)
}
