import Foundation
import Synchronization
import Testing

@testable import LedgerCore

/// The queue between a date's page fetching and its processing: order kept, never more than its
/// capacity ahead, an error after the pages before it, and a producer released when the consumer
/// stops early.
@Suite struct ReadAheadTests {
  struct Stop: Error, Equatable {}

  @Test(arguments: [1, 2, 5])
  func deliversEveryElementInOrderAndNeverRunsFurtherAhead(capacity: Int) async throws {
    let queue = ReadAhead<Int>(capacity: capacity)
    let sent = Locked(0)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for value in 0..<500 {
          #expect(await queue.room())
          queue.send(value)
          sent.value.withLock { $0 += 1 }
        }
        queue.finish()
      }
      var received: [Int] = []
      while let value = try await queue.next() {
        received.append(value)
        // The producer may have refilled the queue, no more.
        #expect(sent.value.withLock { $0 } <= received.count + capacity)
        if value % 7 == 0 { await Task.yield() }
      }
      #expect(received == Array(0..<500))
      try await group.waitForAll()
    }
    #expect(queue.highWater <= capacity)
    #expect(queue.highWater >= 1)
  }

  @Test func anErrorComesAfterTheElementsSentBeforeIt() async throws {
    let queue = ReadAhead<Int>(capacity: 4)
    queue.send(1)
    queue.send(2)
    queue.finish(throwing: Stop())
    #expect(try await queue.next() == 1)
    #expect(try await queue.next() == 2)
    await #expect(throws: Stop.self) { try await queue.next() }
  }

  @Test func cancellingReleasesAWaitingProducer() async throws {
    let queue = ReadAhead<Int>(capacity: 1)
    let results = Locked<[Bool]>([])
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        for value in 0..<3 {
          let room = await queue.room()
          results.value.withLock { $0.append(room) }
          guard room else { break }
          queue.send(value)
        }
      }
      // The first element is taken; the producer then queues the second and waits for room.
      #expect((try? await queue.next()) == 0)
      while results.value.withLock({ $0.count }) < 2 { await Task.yield() }
      queue.cancel()
      await group.waitForAll()
    }
    // 0 and 1 had room; 2 was waiting for it when the consumer cancelled.
    #expect(results.value.withLock { $0 } == [true, true, false])
    #expect(await queue.room() == false)
  }

  @Test func theCPUsAreThoseTheProcessMayUse() {
    let cpus = LedgerActivity.availableCPUs()
    #expect(cpus >= 1 && cpus <= ProcessInfo.processInfo.activeProcessorCount)
    let activity = LedgerActivity(cpus: 2)
    activity.started()
    #expect(activity.hasIdleCPU)
    activity.started()
    #expect(!activity.hasIdleCPU)
    activity.finished()
    #expect(activity.hasIdleCPU)
  }

  @Test func aWaitingConsumerWakesForTheEnd() async throws {
    let queue = ReadAhead<Int>(capacity: 2)
    let received = try await withThrowingTaskGroup(of: Int?.self) { group in
      group.addTask { try await queue.next() }
      await Task.yield()
      queue.finish()
      return try await group.next()
    }
    #expect(received == .some(nil))
  }
}

/// A value behind a lock, shared with a child task.
private final class Locked<Value: Sendable>: Sendable {
  let value: Mutex<Value>
  init(_ value: Value) { self.value = Mutex(value) }
}

/// Records the topics and dates whose pages were asked for.
private final class RecordingSource: ReportSource {
  let inner: InMemorySource
  let requests = Mutex<[String]>([])

  init(inner: InMemorySource) { self.inner = inner }

  func ledgers() async throws -> [Ledger] { try await inner.ledgers() }

  func pages(ledger: LedgerID, topic: Topic, date: LedgerDate) -> AsyncThrowingStream<
    LocatedPage, any Error
  > {
    requests.withLock { $0.append("\(ledger) \(topic) \(date)") }
    return inner.pages(ledger: ledger, topic: topic, date: date)
  }
}

/// The export reads each date's pages ahead of processing them: fetching stops at a date's first
/// error (no request for the other topic), and outputs are what they were fetched in line.
@Suite struct DateReadAheadTests {
  /// A malformed funds page, or a funds entry that breaks the balance chain, ends the date: the
  /// fees are never asked for, whether the pages are read ahead (64 CPUs) or in line (0).
  @Test(arguments: [64, 0], [false, true])
  func aFundsProblemStopsTheDateBeforeItsFeesAreFetched(cpus: Int, brokenChain: Bool)
    async throws
  {
    let start = LedgerDate("2025-03-01")!
    var generator = SyntheticLedger(seed: 11, ledgerID: "111111", start: start, entriesPerDay: 8)
    var inner = InMemorySource()
    inner.add(&generator, days: 3)
    let key = InMemorySource.Key(ledger: "111111", topic: .funds, date: start.adding(days: 1))
    if brokenChain {
      inner.pagesByKey[key]![0].items[2].balanceBefore += 1
      inner.pagesByKey[key]![0].items[2].balanceAfter += 1
    } else {
      inner.malformed.insert(key)
    }
    let source = RecordingSource(inner: inner)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var request = ExportRequest(
      source: source, ledgers: nil, from: start, to: start.adding(days: 2),
      profile: try testProfile(), aggregation: .entry, encoders: [CSVJournalEncoder()],
      outputDirectory: directory, concurrency: 1)
    request.readAheadCPUs = cpus
    let report = try await ExportPipeline().run(request)
    #expect(report.ledgers.map(\.status) == ["failed"])
    let expected = brokenChain ? "111111 funds 2025-03-02 entry 3" : "broken page"
    #expect(report.ledgers[0].diagnostics.contains { $0.contains(expected) })
    #expect(
      source.requests.withLock { $0 } == [
        "111111 funds 2025-03-01", "111111 fees 2025-03-01", "111111 funds 2025-03-02",
      ])
  }

  /// The recording of the frame-lane tests (failing ledgers, duplicates, open dates, a date
  /// without data) exported with every ledger reading ahead and with none: the same files, byte
  /// for byte, and the same report.
  @Test(arguments: [1, 3])
  func readingAheadChangesNoByte(concurrency: Int) async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let start = LedgerDate("2025-03-01")!
    try FrameLaneTests.record(seed: 3, into: directory + "/recording", start: start, days: 4)
    let profile = try FrameLaneTests.profiles()[0].profile
    var reports: [RunReport] = []
    for cpus in [64, 0] {
      var request = ExportRequest(
        source: try ReplaySource(directory: directory + "/recording"), ledgers: nil, from: start,
        to: start.adding(days: 3), profile: profile, aggregation: .entry,
        encoders: [CSVJournalEncoder(), JSONJournalEncoder(), JSONLinesJournalEncoder()],
        outputDirectory: directory + "/\(cpus)", toolVersion: "0.0.0-test",
        concurrency: concurrency)
      request.readAheadCPUs = cpus
      reports.append(try await ExportPipeline().run(request))
    }
    try FrameLaneTests.expectSameExports(
      reports[0], reports[1], directory + "/64", directory + "/0")
    #expect(Set(reports[0].ledgers.map(\.status)) == ["exported", "partial", "failed"])
  }
}
