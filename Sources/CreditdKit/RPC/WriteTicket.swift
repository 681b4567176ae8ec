import CreditProtocol
import Foundation
import Synchronization

/// The outcome of one queued write, to be awaited by any number of tasks.
///
/// Enqueueing is synchronous and returns a ticket, so a connection can fix the order of its
/// writes first and wait for them afterwards.
final class WriteTicket: Sendable {
    private struct State {
        var result: Result<Data, WireError>?
        var waiters: [CheckedContinuation<Result<Data, WireError>, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// The write's outcome, once its transaction is durable.
    var value: Result<Data, WireError> {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<Data, WireError>? in
                    if state.result == nil { state.waiters.append(continuation) }
                    return state.result
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    func fulfill(_ result: Result<Data, WireError>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Result<Data, WireError>, Never>] in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}

/// Per-connection ordering of requests.
///
/// Lines are dispatched concurrently, but each is *admitted* in arrival order: admission is
/// where its writes are enqueued (so a connection's writes reach the writer in request
/// order) and where a read learns the connection's latest write, which it awaits before it
/// runs. So a request sees the effects of every earlier request on its connection, while
/// consecutive reads still run in parallel and consecutive writes share group commits.
final class ConnectionOrder: Sendable {
    private struct State {
        var next = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        var lastWrite: WriteTicket?
    }

    private let state = Mutex(State())

    init() {}

    /// Waits for `sequence`'s turn, runs `body` with the connection's latest write ticket
    /// (which `body` updates when it enqueues writes), then lets the next line in.
    /// Every sequence number must be admitted exactly once, or later lines wait forever.
    func admit<T: Sendable>(_ sequence: Int, _ body: (inout WriteTicket?) -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.next == sequence { return true }
                state.waiting[sequence] = continuation
                return false
            }
            if now { continuation.resume() }
        }
        var lastWrite = state.withLock { $0.lastWrite }
        let result = body(&lastWrite)
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.lastWrite = lastWrite
            state.next += 1
            return state.waiting.removeValue(forKey: state.next)
        }
        next?.resume()
        return result
    }
}
