import CreditProtocol
import Foundation
import Synchronization

/// The single writer: mutating calls from every connection queue here, and whatever is
/// queued (up to `Limits.groupCommitMax`) goes to `Backend.write` as one transaction.
///
/// While one transaction commits, new calls pile up and form the next group, so the cost of
/// an fsync is shared by everyone who arrived during the previous one.
final class GroupCommitWriter: Sendable {
    private struct Pending: Sendable {
        let call: Call
        let ticket: WriteTicket
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var draining = false
        var transactions: UInt64 = 0
        var calls: UInt64 = 0
    }

    private let backend: any Backend
    private let batchMax: Int
    private let state = Mutex(State())

    init(backend: any Backend, batchMax: Int = Limits.groupCommitMax) {
        self.backend = backend
        self.batchMax = batchMax
    }

    /// Queues one mutating call; calls are applied in the order they were enqueued.
    func enqueue(_ call: Call) -> WriteTicket {
        let ticket = WriteTicket()
        let startDrain = state.withLock { state -> Bool in
            state.queue.append(Pending(call: call, ticket: ticket))
            if state.draining { return false }
            state.draining = true
            return true
        }
        if startDrain { Task { await self.drain() } }
        return ticket
    }

    /// Queues one mutating call and returns its outcome once its transaction is durable.
    func submit(_ call: Call) async -> Result<Data, WireError> {
        await enqueue(call).value
    }

    /// Transactions committed and calls applied so far, for `daemon.status`.
    var statistics: (transactions: UInt64, calls: UInt64) {
        state.withLock { ($0.transactions, $0.calls) }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = min(batchMax, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                state.transactions += 1
                state.calls += UInt64(count)
                return batch
            }
            if batch.isEmpty { return }
            let results = await backend.write(batch.map(\.call))
            for (index, pending) in batch.enumerated() {
                // A backend that breaks the one-outcome-per-call contract must not hang callers.
                let result = index < results.count
                    ? results[index]
                    : .failure(WireError(.internalError, "the ledger returned no outcome for this call"))
                pending.ticket.fulfill(result)
            }
        }
    }
}
