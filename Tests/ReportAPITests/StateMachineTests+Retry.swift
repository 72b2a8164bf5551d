import Foundation
import LedgerCore
import ReportAPI
import Testing

extension StateMachineTests {
  @Suite struct Retry {
    /// The exact backoff delays of the default policy without jitter.
    static let backoff: [Duration] = [
      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4),
    ]

    static func status(_ status: Int, retryAfter: String? = nil) -> RequestOutcome {
      .response(status: status, retryAfter: retryAfter)
    }

    @Test(arguments: [200, 201, 204, 299])
    func successSucceeds(status: Int) {
      var machine = StateMachineTests.retryMachine()
      #expect(machine.next(after: Self.status(status)) == .succeed)
      #expect(machine.attempts == 1)
    }

    @Test(arguments: [429, 500, 502, 503, 504])
    func retryableStatusIsRetriedUntilTheCap(status: Int) {
      var machine = StateMachineTests.retryMachine()
      for delay in Self.backoff {
        #expect(machine.next(after: Self.status(status)) == .retry(after: delay))
      }
      let action = machine.next(after: Self.status(status))
      #expect(action == .fail(.status(status, attempts: 6)))
      guard case .fail(let failure) = action else { return }
      #expect(failure.description == "HTTP \(status) after 6 attempts")
      #expect(failure.status == status)
      #expect(failure.attempts == 6)
      #expect(machine.attempts == 6)
    }

    @Test(arguments: [
      (RequestOutcome.connectionError, "connection error after 6 attempts"),
      (.timeout, "timeout after 6 attempts"),
      (.truncatedBody, "truncated body after 6 attempts"),
    ])
    func transportErrorIsRetriedUntilTheCap(outcome: RequestOutcome, description: String) {
      var machine = StateMachineTests.retryMachine()
      for delay in Self.backoff {
        #expect(machine.next(after: outcome) == .retry(after: delay))
      }
      guard case .fail(let failure) = machine.next(after: outcome) else {
        Issue.record("expected a failure")
        return
      }
      #expect(failure.description == description)
      #expect(failure.localizedDescription == description)
      #expect(failure.status == nil)
    }

    @Test func jitteredDelaysAreDeterministicAndBounded() {
      var first = StateMachineTests.retryMachine(BackoffPolicy(), seed: 9)
      var second = StateMachineTests.retryMachine(BackoffPolicy(), seed: 9)
      for base in Self.backoff {
        let a = first.next(after: .connectionError)
        #expect(a == second.next(after: .connectionError))
        guard case .retry(let delay) = a else {
          Issue.record("expected a retry")
          return
        }
        #expect(delay >= base * 0.75 && delay <= base * 1.25)
      }
    }

    @Test func mixedFailuresShareTheAttemptBudget() {
      var machine = StateMachineTests.retryMachine()
      let outcomes: [RequestOutcome] = [
        Self.status(503), .timeout, .connectionError, Self.status(500), .truncatedBody,
      ]
      for (outcome, delay) in zip(outcomes, Self.backoff) {
        #expect(machine.next(after: outcome) == .retry(after: delay))
      }
      #expect(machine.next(after: Self.status(502)) == .fail(.status(502, attempts: 6)))
    }

    @Test func successAfterFailures() {
      var machine = StateMachineTests.retryMachine()
      #expect(machine.next(after: Self.status(503)) == .retry(after: .milliseconds(250)))
      #expect(machine.next(after: .connectionError) == .retry(after: .milliseconds(500)))
      #expect(machine.next(after: Self.status(200)) == .succeed)
      #expect(machine.attempts == 3)
    }

    @Test(arguments: [429, 503])
    func retryAfterLargerThanBackoffIsUsed(status: Int) {
      var machine = StateMachineTests.retryMachine()
      #expect(
        machine.next(after: Self.status(status, retryAfter: "10")) == .retry(after: .seconds(10)))
      // An HTTP-date, relative to the injected clock.
      let date = "Tue, 14 Nov 2023 22:13:50 GMT"
      #expect(
        machine.next(after: Self.status(status, retryAfter: date)) == .retry(after: .seconds(30)))
    }

    @Test func backoffLargerThanRetryAfterIsUsed() {
      var machine = StateMachineTests.retryMachine()
      #expect(
        machine.next(after: Self.status(429, retryAfter: "0")) == .retry(after: .milliseconds(250)))
      for _ in 0..<3 { _ = machine.next(after: Self.status(503)) }
      #expect(machine.next(after: Self.status(503, retryAfter: "1")) == .retry(after: .seconds(4)))
    }

    @Test func unparseableRetryAfterFallsBackToBackoff() {
      var machine = StateMachineTests.retryMachine()
      #expect(
        machine.next(after: Self.status(503, retryAfter: "soon"))
          == .retry(after: .milliseconds(250)))
    }

    @Test(arguments: [500, 502, 504])
    func retryAfterIsIgnoredOnOtherStatuses(status: Int) {
      var machine = StateMachineTests.retryMachine()
      #expect(
        machine.next(after: Self.status(status, retryAfter: "10"))
          == .retry(after: .milliseconds(250)))
      #expect(
        machine.next(after: Self.status(status, retryAfter: "100000"))
          == .retry(after: .milliseconds(500)))
    }

    @Test func retryAfterAtTheLimitIsWaited() {
      var machine = StateMachineTests.retryMachine()
      #expect(
        machine.next(after: Self.status(429, retryAfter: "120")) == .retry(after: .seconds(120)))
    }

    @Test(arguments: [429, 503])
    func retryAfterAboveTheLimitFails(status: Int) {
      var machine = StateMachineTests.retryMachine()
      _ = machine.next(after: .timeout)
      let action = machine.next(after: Self.status(status, retryAfter: "300"))
      let expected = RetryFailure.retryAfterTooLong(
        status: status, retryAfter: .seconds(300), maximum: .seconds(120), attempts: 2)
      #expect(action == .fail(expected))
      #expect(
        expected.description
          == "HTTP \(status) with Retry-After 300 s, more than the 120 s allowed after 2 attempts")
      #expect(expected.status == status)
    }

    @Test func retryAfterOnTheLastAttemptStillFails() {
      var machine = StateMachineTests.retryMachine()
      for _ in 0..<5 { _ = machine.next(after: Self.status(503)) }
      #expect(
        machine.next(after: Self.status(503, retryAfter: "1")) == .fail(.status(503, attempts: 6)))
    }

    @Test(arguments: [
      400, 402, 403, 404, 405, 408, 409, 410, 413, 422, 100, 301, 304, 501, 505, 599,
    ])
    func otherStatusesFailAtOnce(status: Int) {
      var machine = StateMachineTests.retryMachine()
      let action = machine.next(after: Self.status(status, retryAfter: "1"))
      #expect(action == .fail(.status(status, attempts: 1)))
      guard case .fail(let failure) = action else { return }
      #expect(failure.description == "HTTP \(status)")
    }

    @Test func nonRetryableStatusAfterRetriesNamesTheAttempts() {
      var machine = StateMachineTests.retryMachine()
      _ = machine.next(after: Self.status(503))
      #expect(
        String(describing: machine.next(after: Self.status(404)))
          == "fail(HTTP 404 after 2 attempts)")
    }

    @Test func unauthorizedRefreshesOnceThenFails() {
      var machine = StateMachineTests.retryMachine()
      #expect(machine.next(after: Self.status(401)) == .refreshTokenAndRetry)
      let action = machine.next(after: Self.status(401))
      #expect(action == .fail(.unauthorizedAfterRefresh(attempts: 2)))
      guard case .fail(let failure) = action else { return }
      #expect(failure.description == "HTTP 401 after a token refresh")
      #expect(failure.status == 401)
    }

    @Test func unauthorizedThenSuccess() {
      var machine = StateMachineTests.retryMachine()
      #expect(machine.next(after: Self.status(401)) == .refreshTokenAndRetry)
      #expect(machine.next(after: Self.status(200)) == .succeed)
      #expect(machine.attempts == 2)
    }

    @Test func refreshDoesNotGrowTheBackoffButCountsAsAnAttempt() {
      var machine = StateMachineTests.retryMachine()
      #expect(machine.next(after: Self.status(503)) == .retry(after: .milliseconds(250)))
      #expect(machine.next(after: Self.status(401)) == .refreshTokenAndRetry)
      #expect(machine.next(after: Self.status(503)) == .retry(after: .milliseconds(500)))
      #expect(
        machine.next(after: Self.status(401)) == .fail(.unauthorizedAfterRefresh(attempts: 4)))
    }

    @Test func refreshOnTheLastAttemptFails() {
      var machine = StateMachineTests.retryMachine()
      for _ in 0..<5 { _ = machine.next(after: .timeout) }
      #expect(machine.next(after: Self.status(401)) == .fail(.status(401, attempts: 6)))
    }

    @Test func singleAttemptPolicyNeverRetries() {
      var machine = StateMachineTests.retryMachine(BackoffPolicy(maxAttempts: 1))
      let action = machine.next(after: Self.status(503))
      #expect(action == .fail(.status(503, attempts: 1)))
      #expect(String(describing: action) == "fail(HTTP 503)")
    }
  }
}
