import LedgerCore
import Synchronization

/// Decides, per request, which fault (if any) to inject, deterministically.
///
/// The decision hashes the fault seed, the request identity (method, path, raw query) and the
/// number of identical requests before this one, so a retry of a failed request gets a fresh
/// decision and the outcome does not depend on how requests interleave.
final class FaultPlan: Sendable {
  /// What to do instead of (or before) answering normally.
  enum Fault: Equatable, Sendable {
    case tooManyRequests
    case serverError(Int)
    case dropConnection
    case spuriousUnauthorized
    case truncatedBody
  }

  /// The decision for one request.
  struct Decision: Equatable, Sendable {
    var fault: Fault?
    var slow: Bool
    /// A per-request number for bodies that want one (context IDs).
    var tag: UInt64
  }

  let faults: MockServerConfiguration.Faults
  /// Attempts so far per request identity (only counted while faults are active).
  private let attempts = Mutex<[UInt64: Int]>([:])

  init(_ faults: MockServerConfiguration.Faults) {
    self.faults = faults
  }

  /// The decision for a request; `isTokenRequest` excludes spurious 401s and truncation.
  func decide(method: String, path: String, query: String?, isTokenRequest: Bool) -> Decision {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in "\(method) \(path)?\(query ?? "")".utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    guard faults.isActive else { return Decision(fault: nil, slow: false, tag: hash) }
    let attempt = attempts.withLock { attempts in
      defer { attempts[hash, default: 0] += 1 }
      return attempts[hash, default: 0]
    }
    var random = SplitMix64(
      seed: hash ^ (faults.seed &* 0x9E37_79B9_7F4A_7C15)
        ^ (UInt64(attempt) &* 0xD1B5_4A32_D192_ED03))
    let draw = unit(random.next())
    let slow = unit(random.next()) < faults.slow
    let code = [500, 502, 503, 504][Int(random.next() % 4)]
    let tag = random.next()
    var fault: Fault?
    var bound = 0.0
    let kinds: [(Double, Fault, Bool)] = [
      (faults.tooManyRequests, .tooManyRequests, true),
      (faults.serverError, .serverError(code), true),
      (faults.dropConnection, .dropConnection, true),
      (faults.spuriousUnauthorized, .spuriousUnauthorized, !isTokenRequest),
      (faults.truncatedBody, .truncatedBody, !isTokenRequest),
    ]
    for (rate, kind, applies) in kinds where rate > 0 {
      bound += rate
      if draw < bound {
        fault = applies ? kind : nil
        break
      }
    }
    return Decision(fault: fault, slow: slow, tag: tag)
  }

  /// A uniform number in `0..<1` from 53 random bits.
  private func unit(_ bits: UInt64) -> Double {
    Double(bits >> 11) / Double(UInt64(1) << 53)
  }
}
