@testable import CreditdKit
import CreditProtocol
import Foundation
import Synchronization

/// A test double around the real ledger: every call goes to `LedgerBackend` unchanged, and the
/// double counts what it served and may hold slow reads (those `LedgerBackend.isSlow` sends to
/// the slow-read queue) until a condition holds. That lets a test make later requests finish
/// before an earlier one without sleeping: the held read waits for the state the test needs.
final class ObservedLedger: Backend, @unchecked Sendable {
    private struct Counts {
        var readsServed: [String: Int] = [:]
        var writeBatches = 0
        var writeCalls = 0
        var holdsTimedOut = 0
    }

    let ledger: LedgerBackend
    private let counts = Mutex(Counts())
    private let releaseSlowReads: @Sendable (ObservedLedger) -> Bool

    /// `releaseSlowReads` is polled while a slow read is held; it runs once it returns true
    /// (or after 30 s, which `holdsTimedOut` counts so that the test can fail on it).
    init(_ ledger: LedgerBackend, releaseSlowReads: @escaping @Sendable (ObservedLedger) -> Bool = { _ in true }) {
        self.ledger = ledger
        self.releaseSlowReads = releaseSlowReads
    }

    /// How many reads of `method` have been answered.
    func readsServed(_ method: String) -> Int { counts.withLock { $0.readsServed[method] ?? 0 } }
    /// Transactions the single writer ran, and the calls in them.
    var writes: (batches: Int, calls: Int) { counts.withLock { ($0.writeBatches, $0.writeCalls) } }
    /// Slow reads that were let go only because their condition never came true.
    var holdsTimedOut: Int { counts.withLock { $0.holdsTimedOut } }

    func read(_ call: Call) throws(WireError) -> Data {
        if ledger.isSlow(call) { hold() }
        defer { counts.withLock { $0.readsServed[call.method.rawValue, default: 0] += 1 } }
        return try ledger.read(call)
    }

    private func hold() {
        let deadline = ContinuousClock.now + .seconds(30)
        while !releaseSlowReads(self) {
            guard ContinuousClock.now < deadline else {
                counts.withLock { $0.holdsTimedOut += 1 }
                return
            }
            usleep(1000)
        }
    }

    func isSlow(_ call: Call) -> Bool { ledger.isSlow(call) }

    func prepareEventLoopThread(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) {
        ledger.prepareEventLoopThread(scheduleEnd: scheduleEnd)
    }

    func prepare(_ call: Call) throws(WireError) -> PreparedWrite { try ledger.prepare(call) }

    func write(_ writes: [PreparedWrite]) -> [Result<RawResult, WireError>] {
        counts.withLock {
            $0.writeBatches += 1
            $0.writeCalls += writes.count
        }
        return ledger.write(writes)
    }

    func stop(timeoutSeconds: Int) { ledger.stop(timeoutSeconds: timeoutSeconds) }
}
