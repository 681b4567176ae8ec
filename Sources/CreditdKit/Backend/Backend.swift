import CreditProtocol
import Foundation
import Store

/// Who is calling, from SO_PEERCRED, and what their role allows.
struct Caller: Sendable {
    /// Peer user id.
    let uid: UInt32
    /// Peer primary group id.
    let gid: UInt32
    /// Peer process id (at connect time).
    let pid: Int32
    /// User name of `uid`, or the decimal uid when the user has no passwd entry.
    let userName: String
    /// Role name from the config's `[access]`; several matching roles are joined with `+`.
    let role: String
    /// Union of the permissions of `role`.
    let permissions: Set<Permission>
}

/// One decoded JSON-RPC call.
struct Call: Sendable {
    /// The method called.
    let method: Method
    /// The params member re-serialized as a JSON object, `{}` if absent.
    let params: Data
    /// The authenticated caller.
    let caller: Caller
    /// The top-level keys of `params` when the request parser already knows them.
    let paramKeys: [String]?

    init(method: Method, params: Data, caller: Caller, paramKeys: [String]? = nil) {
        self.method = method
        self.params = params
        self.caller = caller
        self.paramKeys = paramKeys
    }
}

/// A mutating call made ready for the writer on its connection's event loop: params decoded,
/// so the single writer only runs the transaction.
struct PreparedWrite: Sendable {
    let call: Call
    /// The ledger operation the call decoded to (`WriteMethods.operation(for:)`).
    let operation: LedgerOperation<RawResult>
}

/// The ledger side of the daemon, as the server (`Dispatcher`, `GroupCommitWriter`) sees it.
/// The daemon has one implementation, `LedgerBackend`; the protocol stays as the seam where
/// in-process tests (Tests/CreditdTests/Support) put a double around the real ledger, to hold
/// a slow read at a chosen moment or count the writer's transactions, without any test hook in
/// the shipped binary.
///
/// Everything is synchronous and runs on the caller's thread: reads on a connection's event loop
/// (or on the slow-read queue when `isSlow`), writes on the single writer thread. Nothing here may
/// use Swift concurrency or a non-overcommit Dispatch queue (see `Dispatcher`).
protocol Backend: Sendable {
    /// A read-only call, run alongside writes (WAL readers). Returns the JSON of `result`.
    func read(_ call: Call) throws(WireError) -> Data
    /// Whether a read may take long enough to stall a connection's event loop (verify, backup,
    /// clock moves, summaries): it then runs on the daemon's slow-read queue instead.
    func isSlow(_ call: Call) -> Bool
    /// Called once on each event-loop thread before it serves: reads on that thread may then share
    /// one transaction per pass of the loop, `scheduleEnd` queueing its end on the loop.
    func prepareEventLoopThread(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void)
    /// Decodes a mutating call's params; a failure is the call's reply, and it never reaches the writer.
    func prepare(_ call: Call) throws(WireError) -> PreparedWrite
    /// Mutating calls applied in ONE transaction, each in its own savepoint; one outcome per call, same order.
    /// A failing call does not affect the others. Durable (fsynced) when this returns.
    func write(_ writes: [PreparedWrite]) -> [Result<RawResult, WireError>]
    /// Whether a mutating call runs apart from the group-commit writer, as transactions of its own
    /// with other writes between them (a large import's commit): then `writeApart` runs it.
    func runsApart(_ write: PreparedWrite) -> Bool
    /// Runs a call for which `runsApart` is true, to its end, on `Dispatcher.longWrites`.
    func writeApart(_ write: PreparedWrite) -> Result<RawResult, WireError>
    /// Shutdown, after the last write: stops background work (the scheduler), waiting for a
    /// transaction in progress to commit, but never longer than `timeoutSeconds`.
    func stop(timeoutSeconds: Int)
}

extension Backend {
    func runsApart(_ write: PreparedWrite) -> Bool { false }
    func writeApart(_ call: PreparedWrite) -> Result<RawResult, WireError> {
        write([call]).first ?? .failure(WireError(.internalError, "the backend returned no outcome"))
    }
}
