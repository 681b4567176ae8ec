// One Dispatch timer armed for the earliest stored deadline. Nothing polls: with nothing
// scheduled the timer is parked at "distant future" and makes no wakeups.
import Dispatch
import Foundation
import Histogram

/// Problems the timer detects itself (processor errors are passed through unchanged).
public enum DeadlineTimerError: Error, Equatable {
    /// `nextDeadlineMs()` reported a due deadline but `processDue` processed nothing for it;
    /// the timer reports this and retries later instead of spinning.
    case processorStalled(nextDeadlineMs: Int64, nowMs: Int64)
}

/// One DispatchSourceTimer armed for the earliest deadline; nothing polls.
///
/// All processing happens on `queue`, serially. For a clock that follows wall time the timer is
/// armed with `schedule(wallDeadline:)`, so a step of the system clock is honoured; for a
/// ``ManualClock`` no Dispatch timer exists and only ``runDueNow()`` processes work.
public final class DeadlineTimer: @unchecked Sendable {
    // Immutable after init.
    private let clock: any Clock
    private let processor: any DeadlineProcessor
    private let queue: DispatchQueue
    private let batchMax: Int
    private let onError: @Sendable (any Error) -> Void
    private let queueKey = DispatchSpecificKey<UInt8>()

    // Guarded by `lock`: read and written from any thread.
    private let lock = NSLock()
    private var state = SharedState()

    // Only touched on `queue`.
    private var source: DispatchSourceTimer?
    private var retryDelayMs: Int64 = 0

    // A timer never sleeps longer than this in one go; avoids DispatchTime overflow for far deadlines.
    private static let maxArmDelayMs: Int64 = 365 * 86_400_000
    private static let firstRetryDelayMs: Int64 = 1_000
    private static let maxRetryDelayMs: Int64 = 60_000

    /// - Parameters:
    ///   - clock: the time source; a ``ManualClock`` disables wall-time firing.
    ///   - processor: the deadline rows' owner.
    ///   - queue: a serial queue on which all processing runs.
    ///   - batchMax: the most deadlines handed to one `processDue` call (one transaction); >= 1.
    ///   - onError: called on `queue` with every error; the timer retries after a backoff (1 s, doubling to 60 s).
    public init(clock: any Clock, processor: any DeadlineProcessor, queue: DispatchQueue, batchMax: Int = 512,
                onError: @escaping @Sendable (any Error) -> Void) {
        precondition(batchMax >= 1, "batchMax must be >= 1, got \(batchMax)")
        self.clock = clock
        self.processor = processor
        self.queue = queue
        self.batchMax = batchMax
        self.onError = onError
        queue.setSpecific(key: queueKey, value: 1)
    }

    /// Catch-up: synchronously processes everything overdue, in bounded batches, then arms the timer.
    /// Call once (from any thread, `queue` included).
    public func start() {
        let alreadyStarted = lock.withLock {
            defer { state.started = true }
            return state.started
        }
        precondition(!alreadyStarted, "DeadlineTimer.start() called twice")
        // Work due before the start is catch-up, counted apart from the lag.
        let startMs = clock.nowMs()
        lock.withLock { state.caughtUpAtMs = startMs }
        onQueue {
            if clock.followsWallTime {
                let timer = DispatchSource.makeTimerSource(flags: [], queue: queue)
                timer.setEventHandler { @Sendable [weak self] in _ = self?.tick() }
                timer.schedule(wallDeadline: .distantFuture, leeway: .milliseconds(1))
                timer.resume()
                source = timer
            }
            _ = tick()
        }
    }

    /// Called after a write that may create an earlier deadline: re-arms (cheap, async on the queue).
    /// Calls arriving while one re-arm is already queued are coalesced into it.
    public func deadlineMayHaveMoved() {
        let shouldQueue = lock.withLock {
            guard state.started, !state.stopped, !state.rearmQueued else { return false }
            state.rearmQueued = true
            return true
        }
        guard shouldQueue else { return }
        queue.async { [self] in
            lock.withLock { state.rearmQueued = false }
            rearm()
        }
    }

    /// Synchronously processes everything due at `clock.nowMs()` in bounded batches, then re-arms;
    /// used by the test clock's set/advance. Returns how many deadlines were processed.
    @discardableResult
    public func runDueNow() -> Int {
        onQueue { tick() }
    }

    /// Cancels the timer and waits for in-flight processing to finish. Later calls do nothing.
    public func stop() {
        lock.withLock { state.stopped = true }
        onQueue {
            source?.cancel()
            source = nil
        }
    }

    /// The earliest deadline as of the last tick or re-arm, without computing the lag percentiles.
    public var nextDeadlineMs: Int64? {
        lock.withLock { state.nextDeadlineMs }
    }

    /// A thread-safe snapshot.
    public var stats: SchedulerStats {
        lock.withLock { state.snapshot() }
    }

    /// The lag of every processed deadline in fixed buckets (for Prometheus).
    public var lagBuckets: LagBuckets {
        lock.withLock { state.lagBuckets }
    }

    // MARK: - Work on `queue`

    /// Processes everything due, repeating while processing made more work due, then arms.
    private func tick() -> Int {
        dispatchPrecondition(condition: .onQueue(queue))
        var total = 0
        while !isStopped {
            let nowMs = clock.nowMs()
            let next: Int64?
            let processed: Int
            do {
                processed = try drain(nowMs: nowMs)
                next = try processor.nextDeadlineMs()
            } catch {
                fail(error)
                return total
            }
            total += processed
            retryDelayMs = 0
            lock.withLock { state.learnt(next: next, nowMs: clock.nowMs()) }
            guard let next else {
                arm(atMs: nil, nowMs: nowMs)
                return total
            }
            let afterMs = clock.nowMs()
            if next > afterMs {
                arm(atMs: next, nowMs: afterMs)
                return total
            }
            // Already due again: either time moved on while processing, or processing created
            // due work (a membership catching up cycle by cycle). Never re-arm in the past.
            if processed == 0 && next <= nowMs {
                fail(DeadlineTimerError.processorStalled(nextDeadlineMs: next, nowMs: nowMs))
                return total
            }
        }
        return total
    }

    /// Loops `processDue` until a batch comes back short. Returns how many were processed.
    private func drain(nowMs: Int64) throws -> Int {
        var total = 0
        while true {
            let dues = try processor.processDue(nowMs: nowMs, batchMax: batchMax)
            precondition(dues.count <= batchMax, "processDue returned \(dues.count) > batchMax \(batchMax)")
            if !dues.isEmpty {
                lock.withLock { state.record(dues: dues, nowMs: nowMs) }
            }
            total += dues.count
            if dues.count < batchMax { return total }
        }
    }

    /// After a write: one cheap query; processes only when something is already due.
    private func rearm() {
        guard !isStopped else { return }
        let next: Int64?
        do {
            next = try processor.nextDeadlineMs()
        } catch {
            fail(error)
            return
        }
        lock.withLock { state.learnt(next: next, nowMs: clock.nowMs()) }
        // A manual clock moves only through runDueNow(); here it just refreshes the stats.
        guard clock.followsWallTime else { return }
        let nowMs = clock.nowMs()
        if let next, next <= nowMs {
            _ = tick()
        } else {
            arm(atMs: next, nowMs: nowMs)
        }
    }

    /// Arms the wall-time timer for `atMs`, or parks it when nil. No-op for a manual clock.
    private func arm(atMs: Int64?, nowMs: Int64) {
        guard let source else { return }
        guard let atMs else {
            source.schedule(wallDeadline: .distantFuture, leeway: .milliseconds(1))
            return
        }
        let delayMs = min(max(atMs - nowMs, 0), Self.maxArmDelayMs)
        source.schedule(wallDeadline: .now() + .milliseconds(Int(delayMs)), leeway: .milliseconds(1))
    }

    private func fail(_ error: any Error) {
        lock.withLock { state.errors += 1 }
        onError(error)
        retryDelayMs = retryDelayMs == 0 ? Self.firstRetryDelayMs : min(retryDelayMs * 2, Self.maxRetryDelayMs)
        let nowMs = clock.nowMs()
        arm(atMs: nowMs + retryDelayMs, nowMs: nowMs)
    }

    private var isStopped: Bool { lock.withLock { state.stopped } }

    /// Runs `body` on `queue`: directly when already there (no deadlock), else with `queue.sync`.
    private func onQueue<T>(_ body: () -> T) -> T {
        if DispatchQueue.getSpecific(key: queueKey) != nil { return body() }
        return queue.sync(execute: body)
    }
}

/// The timer's state shared across threads; always accessed under the timer's lock.
private struct SharedState {
    var started = false
    var stopped = false
    var rearmQueued = false
    var processed = 0
    var errors = 0
    var nextDeadlineMs: Int64?
    /// The last instant at which everything due had been processed (at first: the start). A
    /// deadline due at or before it that is processed later did not exist then: it was created
    /// already overdue (a booking entered after the fact, a year-0001 instant) or was due before
    /// the daemon started, so its lateness is not the timer's and stays out of the lag figures.
    var caughtUpAtMs = Int64.min
    var overdueAtCreation = 0
    var lagMaxMs: Int64 = 0
    // Lags above ~400 days are recorded as that; the exact maximum is kept separately.
    var lags = Histogram<UInt64>(highestTrackableValue: 400 * 86_400_000, numberOfSignificantValueDigits: .three)
    var lagBuckets = LagBuckets()

    /// The processor's earliest deadline as read at `nowMs`: when it is not due yet, the timer
    /// was caught up at `nowMs`.
    mutating func learnt(next: Int64?, nowMs: Int64) {
        nextDeadlineMs = next
        if next.map({ $0 > nowMs }) ?? true { caughtUpAtMs = max(caughtUpAtMs, nowMs) }
    }

    mutating func record(dues: [Int64], nowMs: Int64) {
        for dueMs in dues {
            guard dueMs > caughtUpAtMs else {
                overdueAtCreation += 1
                continue
            }
            let lagMs = max(nowMs - dueMs, 0)
            lagMaxMs = max(lagMaxMs, lagMs)
            _ = lags.record(min(UInt64(lagMs), lags.highestTrackableValue))
            lagBuckets.record(lagMs: lagMs)
        }
        processed += dues.count
    }

    func snapshot() -> SchedulerStats {
        let empty = lags.totalCount == 0
        return SchedulerStats(
            processed: processed, nextDeadlineMs: nextDeadlineMs,
            lagP50Ms: empty ? 0 : min(Int64(lags.valueAtPercentile(50)), lagMaxMs),
            lagP99Ms: empty ? 0 : min(Int64(lags.valueAtPercentile(99)), lagMaxMs),
            lagMaxMs: lagMaxMs, errors: errors, overdueAtCreation: overdueAtCreation)
    }
}
