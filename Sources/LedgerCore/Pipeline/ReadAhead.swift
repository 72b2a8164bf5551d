import Synchronization

/// A bounded queue between one producing and one consuming task: before making each element
/// the producer waits for ``room()``, so it runs at most `capacity` elements ahead and memory
/// stays bounded however much faster it is.
///
/// The producer ends the queue with ``finish(throwing:)`` (an error is delivered after every
/// element sent before it); the consumer ends it early with ``cancel()``, which wakes a waiting
/// producer and makes every later ``room()`` return `false`.
final class ReadAhead<Element: Sendable>: Sendable {
  private struct State: ~Copyable {
    /// At most `capacity` (a few): removing the first is cheap.
    var elements: [Element] = []
    var end: Result<Void, any Error>?
    var cancelled = false
    var waitingConsumer: CheckedContinuation<Void, Never>?
    var waitingProducer: CheckedContinuation<Void, Never>?
    /// The most elements ever queued at once (for the tests).
    var highWater = 0
  }

  /// How many elements the producer may be ahead.
  let capacity: Int
  private let state = Mutex(State())

  init(capacity: Int) {
    precondition(capacity >= 1)
    self.capacity = capacity
  }

  /// The most elements that were ever queued at once.
  var highWater: Int { state.withLock { $0.highWater } }

  /// Waits until fewer than `capacity` elements are queued, so the producer makes the next one
  /// only when it can hand it over (the elements held are then at most `capacity`, plus the one
  /// the consumer works on); `false` when the consumer has cancelled (the producer should stop).
  func room() async -> Bool {
    while true {
      let ready: Bool? = state.withLock { state in
        if state.cancelled { return false }
        return state.elements.count < capacity ? true : nil
      }
      if let ready { return ready }
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state in
          if state.cancelled || state.elements.count < capacity { return true }
          state.waitingProducer = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    }
  }

  /// Queues `element` (after ``room()``); dropped when the consumer has cancelled.
  func send(_ element: Element) {
    state.withLock { state in
      if state.cancelled { return }
      state.elements.append(element)
      state.highWater = max(state.highWater, state.elements.count)
      state.waitingConsumer.take()?.resume()
    }
  }

  /// Ends the queue: the consumer gets `nil` (or `error`) after the elements already sent.
  func finish(throwing error: (any Error)? = nil) {
    state.withLock { state in
      if state.end == nil { state.end = error.map { .failure($0) } ?? .success(()) }
      state.waitingConsumer.take()?.resume()
    }
  }

  /// Stops the producer: a waiting ``room()`` returns `false`, and so does every later one.
  func cancel() {
    state.withLock { state in
      state.cancelled = true
      state.elements.removeAll()
      state.waitingProducer.take()?.resume()
    }
  }

  /// The next element, waiting for the producer; `nil` once the queue is finished and empty.
  ///
  /// - Throws: The error the producer finished with, after every element sent before it.
  func next() async throws -> Element? {
    while true {
      let outcome: Result<Element?, any Error>? = state.withLock { state in
        if !state.elements.isEmpty {
          let element = state.elements.removeFirst()
          state.waitingProducer.take()?.resume()
          return .success(element)
        }
        switch state.end {
        case .success: return .success(nil)
        case .failure(let error): return .failure(error)
        case nil: return nil
        }
      }
      if let outcome { return try outcome.get() }
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state in
          if !state.elements.isEmpty || state.end != nil { return true }
          state.waitingConsumer = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    }
  }
}
