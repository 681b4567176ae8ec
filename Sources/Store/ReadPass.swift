import Foundation
import GRDBSQLite
import Synchronization

/// One read transaction shared by the hot reads (`balance.get`, `history.list`) that a thread
/// runs in one pass of its work loop, ended by the loop itself when the pass is over.
///
/// In WAL mode every read transaction takes and releases a shared lock on a read mark of the
/// `-shm` file: two `fcntl` calls, ~9 % of a `balance.get` served over the socket. An event loop
/// serves a burst of requests per pass (32 per wake-up in the read benchmark), so opening one
/// transaction for the pass takes those locks once for all of them.
///
/// What it must keep: a read sees every write whose reply was sent before the read ran, whichever
/// loop sent it. The ledger counts its commits (`CommitCounter`, bumped after each commit and
/// before any reply of it can go out); the pass notes the count before its transaction takes
/// its snapshot, and a read that finds the count moved ends the transaction and starts another.
/// `scheduleEnd` queues the end on the loop when the transaction starts; a loop that never
/// blocks while it has tasks to run (NIO's) so ends it before it waits for more work: an idle
/// daemon holds no snapshot and the WAL is checkpointed as before.
///
/// Used by the thread that installed it only (hence `@unchecked Sendable`: its end is queued on
/// that same thread); the ledger finds it through a thread-specific key.
public final class ReadPass: @unchecked Sendable {
    private let path: String
    private let commits: CommitCounter
    private var connection: ReadConnection?
    private var isOpen = false
    /// The ledger's commit count when the open transaction began.
    private var openedAtCommit: UInt64 = 0
    private let scheduleEnd: (@escaping @Sendable () -> Void) -> Void

    init(path: String, commits: CommitCounter, scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) {
        self.path = path
        self.commits = commits
        self.scheduleEnd = scheduleEnd
    }

    /// Runs `body` inside the pass's transaction, opening it (and queueing its end) first if
    /// needed, or again if a commit has finished since it began.
    func run<R>(_ body: (ReadConnection) throws -> R) throws -> R {
        let connection = try self.connection ?? ReadConnection(path: path)
        self.connection = connection
        let count = commits.value
        if isOpen && count != openedAtCommit { end() }
        if !isOpen {
            try connection.begin()
            isOpen = true
            openedAtCommit = count
            scheduleEnd { [self] in end() }
        }
        return try body(connection)
    }

    /// Ends the transaction. A connection that cannot leave it is dropped; the next pass opens another.
    func end() {
        guard isOpen, let connection else { return }
        isOpen = false
        if !connection.finish() { self.connection = nil }
    }

    /// Whether a transaction is open now (tests).
    public var isInTransaction: Bool { isOpen }

    // MARK: - The calling thread's pass

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key for read passes")
        return key
    }()

    /// The pass installed on the calling thread, if any.
    static var current: ReadPass? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<ReadPass>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Installs `pass` for the calling thread (retained for the thread's lifetime), or removes it.
    static func install(_ pass: ReadPass?) {
        if let old = pthread_getspecific(key) {
            let previous = Unmanaged<ReadPass>.fromOpaque(old)
            previous.takeUnretainedValue().end()
            previous.release()
        }
        let pointer = pass.map { Unmanaged.passRetained($0).toOpaque() }
        precondition(pthread_setspecific(key, pointer) == 0, "cannot set the thread's read pass")
    }
}

/// How many write transactions the ledger has committed (see `ReadPass`).
final class CommitCounter: Sendable {
    private let count = Atomic<UInt64>(0)
    var value: UInt64 { count.load(ordering: .sequentiallyConsistent) }
    /// Called after a commit, before any reply of it is sent.
    func committed() { count.add(1, ordering: .sequentiallyConsistent) }
}

extension Ledger {
    /// Makes the calling thread's hot reads share one transaction per pass of its work loop
    /// (see `ReadPass`): `scheduleEnd` must queue its argument to run on this thread once the
    /// current pass's work is done. Returns nil, installing nothing, for a ledger without a
    /// database file of its own to read (in memory, read-only media).
    @discardableResult
    public func installReadPass(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) -> ReadPass? {
        guard let pass = readers.makePass(scheduleEnd: scheduleEnd) else { return nil }
        ReadPass.install(pass)
        return pass
    }

    /// Ends and removes the calling thread's read pass.
    public func removeReadPass() { ReadPass.install(nil) }
}
