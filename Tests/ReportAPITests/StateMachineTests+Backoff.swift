import Foundation
import LedgerCore
import ReportAPI
import Testing

extension StateMachineTests {
  @Suite struct Backoff {
    @Test func growsExponentiallyUpToTheCap() {
      var random = SplitMix64(seed: 7)
      let policy = StateMachineTests.exactPolicy
      let delays = (1...9).map { policy.delay(afterAttempt: $0, using: &random) }
      #expect(
        delays == [
          .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4),
          .seconds(8), .seconds(16), .seconds(30), .seconds(30),
        ])
      #expect(policy.delay(afterAttempt: 10_000, using: &random) == .seconds(30))
      #expect(policy.delay(afterAttempt: Int.max, using: &random) == .seconds(30))
      #expect(policy.delay(afterAttempt: 0, using: &random) == .milliseconds(250))
    }

    @Test func defaults() {
      let policy = BackoffPolicy()
      #expect(policy.initialDelay == .milliseconds(250))
      #expect(policy.multiplier == 2)
      #expect(policy.maximumDelay == .seconds(30))
      #expect(policy.jitter == 0.25)
      #expect(policy.maxAttempts == 6)
      #expect(policy.maximumRetryAfter == .seconds(120))
    }

    @Test func jitterStaysWithinBoundsAndNeverExceedsTheCap() {
      let policy = BackoffPolicy()
      let bases: [Duration] = [
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4),
        .seconds(8), .seconds(16), .seconds(30), .seconds(30),
      ]
      var below = 0
      var above = 0
      for seed in UInt64(0)..<500 {
        var random = SplitMix64(seed: seed)
        for (index, base) in bases.enumerated() {
          let delay = policy.delay(afterAttempt: index + 1, using: &random)
          #expect(delay >= base * 0.75)
          #expect(delay <= min(base * 1.25, policy.maximumDelay))
          if delay < base { below += 1 }
          if delay > base { above += 1 }
        }
      }
      // The jitter really moves delays both ways (below the cap).
      #expect(below > 1000)
      #expect(above > 1000)
    }

    @Test func jitterIsDeterministicForASeed() {
      let policy = BackoffPolicy()
      var first = SplitMix64(seed: 42)
      var second = SplitMix64(seed: 42)
      let a = (1...6).map { policy.delay(afterAttempt: $0, using: &first) }
      let b = (1...6).map { policy.delay(afterAttempt: $0, using: &second) }
      #expect(a == b)
      var other = SplitMix64(seed: 43)
      #expect(a != (1...6).map { policy.delay(afterAttempt: $0, using: &other) })
    }

    @Test func degeneratePoliciesStayInRange() {
      var random = SplitMix64(seed: 1)
      #expect(BackoffPolicy(initialDelay: .zero).delay(afterAttempt: 3, using: &random) == .zero)
      #expect(
        BackoffPolicy(multiplier: 0.5, jitter: 0).delay(afterAttempt: 5, using: &random)
          == .milliseconds(250))
      #expect(
        BackoffPolicy(initialDelay: .seconds(60), jitter: 0).delay(afterAttempt: 1, using: &random)
          == .seconds(30))
      let wild = BackoffPolicy(jitter: 5)
      for attempt in 1...10 {
        let delay = wild.delay(afterAttempt: attempt, using: &random)
        #expect(delay >= .zero && delay <= .seconds(30))
      }
    }

    @Test func attemptsAreCappedByMaxAttempts() {
      var machine = StateMachineTests.retryMachine()
      var retries = 0
      while case .retry = machine.next(after: .timeout) { retries += 1 }
      #expect(retries == 5)
      #expect(machine.attempts == 6)
    }
  }

  @Suite struct RetryAfterParsing {
    let now = StateMachineTests.now

    @Test(arguments: [("0", 0), ("5", 5), (" 7 ", 7), ("\t12", 12), ("+3", 3), ("-3", 0)])
    func seconds(value: String, seconds: Int64) {
      #expect(parseRetryAfter(value, now: now) == .seconds(seconds))
    }

    @Test(arguments: [
      "Tue, 14 Nov 2023 22:13:50 GMT",  // IMF-fixdate
      "Tuesday, 14-Nov-23 22:13:50 GMT",  // RFC 850
      "Tue Nov 14 22:13:50 2023",  // asctime
      " Tue, 14 Nov 2023 22:13:50 GMT ",
    ])
    func httpDateThirtySecondsAhead(value: String) {
      #expect(parseRetryAfter(value, now: now) == .seconds(30))
    }

    @Test func pastDateIsZero() {
      #expect(parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
      #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .zero)
    }

    @Test(arguments: ["", "  ", "soon", "5s", "1.5", "- 5", "0x10", "Tue, 14 Nov 2023", "٣"])
    func garbageIsNil(value: String) {
      #expect(parseRetryAfter(value, now: now) == nil)
    }

    @Test func hugeNumberIsClampedNotNil() {
      #expect(parseRetryAfter("99999999999999999999999", now: now) == .seconds(Int64.max))
    }
  }
}
