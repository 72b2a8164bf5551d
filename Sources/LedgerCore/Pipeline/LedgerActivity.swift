import CFileCopy
import Foundation
import Synchronization

/// How many ledgers an export is processing at this moment, against the CPUs it may use: a
/// ledger reads its pages ahead (on a task of its own, see ``ReadAhead``) only while fewer
/// ledgers run than there are CPUs, so a single ledger, or the last ones of an export, use a
/// second CPU, and many ledgers at once hold no pages ahead.
final class LedgerActivity: Sendable {
  private let running = Atomic(0)
  /// The CPUs this process may run on.
  let cpus: Int

  /// - Parameter cpus: The CPUs to fill; with 0 or 1, ledgers never read ahead.
  init(cpus: Int = LedgerActivity.availableCPUs()) {
    self.cpus = cpus
  }

  /// Whether a ledger should read ahead now.
  var hasIdleCPU: Bool { running.load(ordering: .relaxed) < cpus }

  func started() { running.add(1, ordering: .relaxed) }
  func finished() { running.subtract(1, ordering: .relaxed) }

  /// The CPUs the process is allowed to run on (its affinity mask, e.g. under `taskset`), not
  /// only the CPUs online.
  static func availableCPUs() -> Int {
    let allowed = Int(cfilecopy_available_cpus())
    return allowed > 0 ? allowed : ProcessInfo.processInfo.activeProcessorCount
  }
}
