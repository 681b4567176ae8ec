import CreditProtocol
import Foundation

/// Where a connection's writes come from and where their outcomes go.
protocol WriteOrigin: AnyObject, Sendable {
    /// The outcomes of this origin's calls in one transaction, in the order they were submitted.
    /// Called on the writer thread once per transaction: must hand off at once, never block, and
    /// call `retire()` on the delivery on its own thread once done with it.
    func deliver(_ delivery: WriteDelivery)
}

/// One origin's share of a transaction: its outcomes, and its calls until they are retired.
///
/// The calls travel back with their outcomes so that they are freed on the origin's thread:
/// freeing ~500 requests' strings and closures took ~7 % of the writer's time, and on the event
/// loop the memory goes back to the thread that allocated it. The writer never touches a
/// delivery after handing it over, so only the origin's thread uses `calls` from then on.
final class WriteDelivery: @unchecked Sendable {
    let origin: any WriteOrigin
    private(set) var outcomes: [Result<RawResult, WireError>] = []
    private var calls: [ArraySlice<PreparedWrite>] = []

    init(origin: any WriteOrigin) { self.origin = origin }

    fileprivate func add(_ calls: ArraySlice<PreparedWrite>, outcomes more: some Sequence<Result<RawResult, WireError>>) {
        self.calls.append(calls)
        outcomes.append(contentsOf: more)
    }

    /// Frees the calls (the last references to them) on the calling thread.
    func retire() { calls = [] }
}

/// The single writer: mutating calls from every connection queue here, and one dedicated thread
/// applies whatever is queued (up to `Limits.groupCommitMax` calls) with `Backend.write` as one
/// transaction, then hands each connection its outcomes in one delivery.
///
/// While one transaction commits, new calls pile up and form the next group, so the cost of an
/// fsync is shared by everyone who arrived during the previous one. The thread is a plain
/// thread waiting on a condition variable: idle, it makes no wakeups, and it never touches a
/// Dispatch worker pool (see `Dispatcher` for why that matters).
final class GroupCommitWriter: @unchecked Sendable {
    private struct Submission {
        let origin: any WriteOrigin
        var calls: ArraySlice<PreparedWrite>
    }

    private let backend: any Backend
    private let batchMax: Int
    private let metrics: DaemonMetrics?
    /// Guards every field below.
    private let condition = NSCondition()
    private var queue: [Submission] = []
    private var queueStart = 0
    private var writerWaiting = false
    private var transactions: UInt64 = 0
    private var appliedCalls: UInt64 = 0

    init(backend: any Backend, batchMax: Int = Limits.groupCommitMax, metrics: DaemonMetrics? = nil) {
        precondition(batchMax >= 1, "batchMax must be >= 1")
        self.backend = backend
        self.metrics = metrics
        self.batchMax = batchMax
        let thread = Thread { [self] in
            Self.nameCurrentThread("creditd.writer")
            run()
        }
        thread.start()
    }

    /// Names the calling thread for `/proc/PID/task/*/comm`, top and perf. `pthread_setname_np` is
    /// not exported by the Glibc module, and Foundation's `Thread.name` races with `start()` on
    /// Linux (it only applies once the new thread's handle is stored).
    private static func nameCurrentThread(_ name: String) {
        typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(nil, "pthread_setname_np") else { return }
        _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), name)
    }

    /// Queues `calls` (in order) on behalf of `origin`; their outcomes come back through
    /// `origin.deliver`, in order, possibly split over consecutive transactions.
    func submit(_ calls: [PreparedWrite], from origin: any WriteOrigin) {
        guard !calls.isEmpty else { return }
        condition.lock()
        queue.append(Submission(origin: origin, calls: calls[...]))
        let wake = writerWaiting
        condition.unlock()
        if wake { condition.signal() }
    }

    /// Transactions committed and calls applied so far.
    var statistics: (transactions: UInt64, calls: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (transactions, appliedCalls)
    }

    private func run() {
        while true {
            var batch = nextBatch()
            let calls = batch.flatMap(\.calls)
            let startedNs = MonotonicClock.nowNs()
            let outcomes = backend.write(calls)
            record(calls: calls.count, startedNs: startedNs)
            let deliveries = group(outcomes, by: batch)
            // Dropped before the deliveries leave, so that each origin holds the last reference
            // to its calls (see `WriteDelivery`).
            batch.removeAll()
            for delivery in deliveries { delivery.origin.deliver(delivery) }
        }
    }

    /// The group commit's size and duration in the metrics. A function of its own, never inlined:
    /// inlined into `run`'s endless loop, Swift 6.3's loop-invariant code motion never finished.
    @inline(never)
    private func record(calls: Int, startedNs: UInt64) {
        guard let metrics else { return }
        metrics.groupCommitDurations.observe(MonotonicClock.nowNs() &- startedNs)
        metrics.groupCommitCalls.observe(UInt64(calls))
    }

    /// Waits for queued calls, then takes up to `batchMax` of them in submission order.
    private func nextBatch() -> [Submission] {
        condition.lock()
        defer { condition.unlock() }
        while queueStart == queue.count {
            writerWaiting = true
            condition.wait()
            writerWaiting = false
        }
        var batch: [Submission] = []
        var room = batchMax
        while room > 0, queueStart < queue.count {
            var head = queue[queueStart]
            if head.calls.count <= room {
                room -= head.calls.count
                batch.append(head)
                queueStart += 1
            } else {
                batch.append(Submission(origin: head.origin, calls: head.calls.prefix(room)))
                head.calls = head.calls.dropFirst(room)
                queue[queueStart] = head
                room = 0
            }
        }
        // Compact now and then, so the queue's storage does not grow with the daemon's uptime.
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: queue.capacity <= 1024)
            queueStart = 0
        } else if queueStart > 1024 {
            queue.removeFirst(queueStart)
            queueStart = 0
        }
        transactions += 1
        appliedCalls += UInt64(batchMax - room)
        return batch
    }

    /// One delivery per origin, with its outcomes in submission order.
    private func group(_ outcomes: [Result<RawResult, WireError>], by batch: [Submission]) -> [WriteDelivery] {
        var deliveries: [WriteDelivery] = []
        var byOrigin: [ObjectIdentifier: WriteDelivery] = [:]
        var position = 0
        for submission in batch {
            let key = ObjectIdentifier(submission.origin)
            let delivery: WriteDelivery
            if let known = byOrigin[key] {
                delivery = known
            } else {
                delivery = WriteDelivery(origin: submission.origin)
                byOrigin[key] = delivery
                deliveries.append(delivery)
            }
            // A backend that breaks the one-outcome-per-call contract must not hang callers.
            let end = position + submission.calls.count
            delivery.add(submission.calls, outcomes: (position..<end).lazy.map { index in
                index < outcomes.count
                    ? outcomes[index]
                    : .failure(WireError(.internalError, "the ledger returned no outcome for this call"))
            })
            position = end
        }
        return deliveries
    }
}
