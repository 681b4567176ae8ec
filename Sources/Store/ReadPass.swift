import Foundation
import GRDBSQLite

/// One read transaction shared by the hot reads (`balance.get`, `history.list`) that a thread
/// runs in one pass of its work loop, ended by the loop itself when the pass is over.
///
/// In WAL mode every read transaction takes and releases a shared lock on a read mark of the
/// `-shm` file: two `fcntl` calls, ~9 % of a `balance.get` served over the socket. An event loop
/// serves a burst of requests per pass (32 per wake-up in the read benchmark), so opening one
/// transaction for the pass takes those locks once for all of them.
///
/// What it must keep: a read sees every write whose reply was sent before the read ran. The
/// transaction starts when the pass's first read runs and `scheduleEnd` queues its end on the
/// loop at that moment; a write that commits later hands its replies to the loop as a task
/// queued after that end, so no reply of a write the transaction cannot see is sent while it
/// is open. A loop that never blocks while it has tasks to run (NIO's) ends the transaction
/// before it waits for more work, so an idle daemon holds no snapshot and the WAL can be
/// checkpointed as before.
///
/// Used by the thread that installed it only (hence `@unchecked Sendable`: its end is queued on
/// that same thread); the ledger finds it through a thread-specific key.
public final class ReadPass: @unchecked Sendable {
    private let path: String
    private var connection: ReadConnection?
    private var isOpen = false
    private let scheduleEnd: (@escaping @Sendable () -> Void) -> Void

    init(path: String, scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) {
        self.path = path
        self.scheduleEnd = scheduleEnd
    }

    /// Runs `body` inside the pass's transaction, opening it (and queueing its end) first if needed.
    func run<R>(_ body: (ReadConnection) throws -> R) throws -> R {
        let connection = try self.connection ?? ReadConnection(path: path)
        self.connection = connection
        if !isOpen {
            try connection.begin()
            isOpen = true
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

    nonisolated(unsafe) private static var key: pthread_key_t = {
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
