/// At most `limit` operations at a time, and optionally at most one start per `interval` (a
/// global request rate); the others wait in order.
actor ConcurrencyLimiter {
  private let limit: Int
  private let interval: Duration?
  private var nextStart = ContinuousClock.now
  private var running = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(limit: Int, interval: Duration? = nil) {
    self.limit = max(1, limit)
    self.interval = interval
  }

  /// Runs `body` once a slot is free (and the rate allows).
  func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    await acquire()
    defer { release() }
    if let interval {
      let now = ContinuousClock.now
      let start = max(now, nextStart)
      nextStart = start + interval
      if start > now { try await Task.sleep(until: start, clock: .continuous) }
    }
    return try await body()
  }

  private func acquire() async {
    if running < limit {
      running += 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  private func release() {
    if waiting.isEmpty {
      running -= 1
    } else {
      waiting.removeFirst().resume()
    }
  }
}
