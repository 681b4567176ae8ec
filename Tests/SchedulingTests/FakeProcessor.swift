import Foundation
@testable import Scheduling

struct InjectedFailure: Error, Equatable {}

/// An in-memory DeadlineProcessor: deadlines are rows, processed ones disappear (as in the Store).
final class FakeProcessor: DeadlineProcessor, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Deadline] = []
    private var _processed: [Deadline] = []
    private var _batchSizes: [Int] = []
    private var failuresLeft = 0
    private var _calls = 0
    /// Work created by processing a deadline (e.g. a membership's next boundary).
    private let followUp: @Sendable (Deadline) -> Deadline?
    /// Called (outside the lock) with each batch processed.
    var onBatch: (@Sendable ([Deadline]) -> Void)?
    /// When set, nextDeadlineMs() reports this instead of the truth (to simulate a broken processor).
    var lyingNextMs: Int64?

    init(_ deadlines: [Deadline] = [], followUp: @escaping @Sendable (Deadline) -> Deadline? = { _ in nil }) {
        pending = deadlines.sorted()
        self.followUp = followUp
    }

    func add(_ deadline: Deadline) {
        lock.withLock {
            pending.append(deadline)
            pending.sort()
        }
    }

    func failNext(_ count: Int) { lock.withLock { failuresLeft = count } }

    var processed: [Deadline] { lock.withLock { _processed } }
    /// Sizes returned by every processDue call, including empty ones.
    var batchSizes: [Int] { lock.withLock { _batchSizes } }
    var pendingCount: Int { lock.withLock { pending.count } }
    /// Every call of either method, failed or not: the timer's wakeups leave a trace here.
    var calls: Int { lock.withLock { _calls } }

    func nextDeadlineMs() throws -> Int64? {
        try lock.withLock {
            _calls += 1
            if failuresLeft > 0 { failuresLeft -= 1; throw InjectedFailure() }
            return lyingNextMs ?? pending.first?.atMs
        }
    }

    func processDue(nowMs: Int64, batchMax: Int) throws -> [Int64] {
        let batch: [Deadline] = try lock.withLock {
            _calls += 1
            if failuresLeft > 0 { failuresLeft -= 1; throw InjectedFailure() }
            let due = Array(pending.prefix { $0.atMs <= nowMs }.prefix(batchMax))
            pending.removeFirst(due.count)
            _processed += due
            _batchSizes.append(due.count)
            for deadline in due {
                if let next = followUp(deadline) { pending.append(next) }
            }
            pending.sort()
            return due
        }
        onBatch?(batch)
        return batch.map(\.atMs)
    }
}

/// Collects errors reported by a timer.
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _errors: [any Error] = []
    func append(_ error: any Error) { lock.withLock { _errors.append(error) } }
    var errors: [any Error] { lock.withLock { _errors } }
}
