import CreditProtocol
import Foundation
import GRDB
import Scheduling

/// The ledger facade: every method is one SQLite transaction that keeps the ledger's invariants.
///
/// Writes go through one writer connection (WAL, `synchronous=FULL`: a returned write is on disk);
/// reads use WAL reader connections and run alongside writes.
public final class Ledger: @unchecked Sendable {
    let writer: any DatabaseWriter
    let idempotencyRetentionMs: Int64
    /// True when the database sits on read-only media: reads work, every write is `unavailable`.
    public let isReadOnly: Bool
    /// Why the ledger opened read-only (read-only media, a full disk); nil when it takes writes.
    public let readOnlyReason: String?
    /// WAL pages between automatic checkpoints. Each checkpoint fsyncs the database inside a commit,
    /// so fewer, larger ones keep write latency down; 8192 pages bound the WAL near 32 MiB.
    static let walAutocheckpointPages = 8192
    /// Raw read-only connections for the hottest reads (see `ReadConnections`).
    let readers: ReadConnections
    private let calendarCache = CalendarCache()
    let hooks = Hooks()
    /// The database file as opened, checked after every commit (nil in memory).
    let fileWatch: DatabaseFileWatch?
    /// Hears each deadline the scheduler had to skip (`DeadlineFailures`).
    let skippedDeadlineHook = SkippedDeadlineHook()

    /// Opens (creating and migrating if needed) the ledger at `path`, or an in-memory one when `path` is nil.
    /// `willMigrate` hears the identifiers of the migrations about to run on an existing database
    /// (some rebuild whole tables, so a large ledger takes a while), before they run.
    public init(path: String?, studio: Studio, idempotencyRetentionDays: Int = Limits.idempotencyRetentionDaysDefault,
                willMigrate: (([String]) -> Void)? = nil) throws(LedgerError) {
        precondition(idempotencyRetentionDays >= 1)
        idempotencyRetentionMs = Int64(idempotencyRetentionDays) * 86_400_000
        do {
            (writer, readOnlyReason) = try Ledger.open(path: path, studio: studio, willMigrate: willMigrate)
        } catch {
            throw LedgerError.from(error)
        }
        isReadOnly = readOnlyReason != nil
        fileWatch = path.flatMap(DatabaseFileWatch.init(path:))
        readers = ReadConnections(writer: writer, isReadOnly: isReadOnly)
        _ = try calendar()
    }

    /// Opens read-write (creating, migrating, seeding the studio row); a database on read-only
    /// media or a full disk is opened read-only instead, so reads keep working and every write is
    /// `unavailable` (a daemon that exited instead would be restarted into the same failure).
    /// Returns the writer and, when read-only, why.
    private static func open(path: String?, studio: Studio, willMigrate: (([String]) -> Void)?) throws -> (any DatabaseWriter, String?) {
        _ = SQLiteSetup.applied
        let config = configuration(readonly: false)
        guard let path else {
            let queue = try DatabaseQueue(configuration: config)
            try prepare(queue, studio: studio)
            return (queue, nil)
        }
        DatabaseFile.createIfMissing(path: path)
        do {
            let pool = try DatabasePool(path: SQLiteSetup.databaseURI(path: path), configuration: config)
            // DatabasePool switches its writer to synchronous=NORMAL after opening: durability needs FULL.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try prepare(pool, studio: studio, willMigrate: willMigrate)
            return (pool, nil)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY && FileManager.default.fileExists(atPath: path) {
            return (try openReadOnly(path: path, error: error), "the database is on read-only media")
        } catch let error as DatabaseError where DiskSpace.isFull(error.resultCode, path: path) {
            return (try openReadOnly(path: path, error: error),
                    "the disk holding the database is full (\(error.message ?? "\(error.resultCode)"))")
        }
    }

    /// A read-only open: plainly when the WAL's -shm file is there to read, else with `immutable=1`
    /// (SQLite cannot open a WAL database without its -shm on read-only media; after a clean
    /// shutdown everything is in the main file, so nothing is missed).
    private static func openReadOnly(path: String, error: DatabaseError) throws -> DatabaseQueue {
        for name in [path, "file:\(path)?immutable=1"] {
            guard let queue = try? DatabaseQueue(path: name, configuration: configuration(readonly: true)),
                  (try? queue.read({ db in try Schema.migrator().hasCompletedMigrations(db) })) == true
            else { continue }
            return queue
        }
        throw error
    }

    private static func configuration(readonly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readonly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Each operation runs in a savepoint: its journal stays in memory, not in /tmp files. The
            // writer keeps the default temp_store when SQLiteSetup could size the in-memory journal
            // chunks (MEMORY would use 1 KiB chunks); readers keep their temporary b-trees in memory.
            if db.configuration.readonly || !SQLiteSetup.applied.statementJournalChunks {
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Ledger.walAutocheckpointPages)")
        }
        return config
    }

    private static func prepare(_ writer: any DatabaseWriter, studio: Studio, willMigrate: (([String]) -> Void)? = nil) throws {
        let migrator = Schema.migrator()
        if let willMigrate {
            let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
            let pending = migrator.migrations.filter { !applied.contains($0) }
            // A new database (nothing applied yet) is empty: creating it is instant.
            if !applied.isEmpty && !pending.isEmpty { willMigrate(pending) }
        }
        try migrator.migrate(writer)
        try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO studio (id, time_zone, currency) VALUES (1, ?, ?)",
                           arguments: [studio.timeZone, studio.currency])
        }
        // Migrations ran with foreign keys enforced. From here on every operation reads the rows it
        // references in its own transaction (`not_found` otherwise), so SQLite's checks would only
        // repeat those searches (eight per booking, ~10 % of its cost); `verify` runs
        // `PRAGMA foreign_key_check` instead (docs/OPERATIONS.md, "Foreign keys").
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA foreign_keys = OFF") }
    }

    /// The `synchronous` setting of the writer connection (2 = FULL).
    public func synchronousMode() throws(LedgerError) -> Int {
        do { return try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } }
        catch { throw LedgerError.from(error) }
    }

    /// Called after every commit with the events it wrote, in order.
    /// `wanted` is asked first, on the writer: the events are only turned into items for the hook
    /// when it says yes (with no subscriber connected, a commit publishes nothing).
    public func setCommitHook(wanted: @escaping @Sendable () -> Bool = { true },
                              _ hook: @escaping @Sendable ([HistoryItem]) -> Void) {
        hooks.set(commit: hook, wanted: wanted)
    }

    /// Called after a commit that may have created an earlier deadline.
    public func setDeadlineHook(_ hook: @escaping @Sendable () -> Void) { hooks.set(deadline: hook) }

    /// The studio's calendar (time zone), cached until the zone changes.
    func calendar() throws(LedgerError) -> StudioCalendar {
        let zone: String
        do { zone = try writer.read { db in try String.fetchOne(db, sql: "SELECT time_zone FROM studio") ?? "UTC" } }
        catch { throw LedgerError.from(error) }
        return try calendarCache.calendar(for: zone)
    }

    func calendar(for zone: String) throws(LedgerError) -> StudioCalendar {
        try calendarCache.calendar(for: zone)
    }

    // MARK: - Writes

    /// Applies one operation in its own transaction.
    public func perform<R>(_ operation: LedgerOperation<R>, nowMs: Int64) throws(LedgerError) -> R {
        try performBatch([operation], nowMs: nowMs)[0].get()
    }

    /// Publishes the events of a transaction run outside `performBatch` (a chunk of an import).
    func afterOwnCommit(events: [EventRecord], deadlinesMoved: Bool) {
        readers.commits.committed()
        hooks.afterCommit(count: events.count, events: events.map(\.item), deadlinesMoved: deadlinesMoved)
    }

    /// Publishes the scheduler's committed events; scheduler writes never need a re-arm hint.
    func afterScheduledCommit(events: [HistoryItem]) {
        hooks.afterCommit(count: events.count, events: events, deadlinesMoved: false)
    }

    // MARK: - Reads

    /// Runs a read on a WAL reader connection.
    public func read<R>(_ body: (Database) throws -> R) throws(LedgerError) -> R {
        do { return try writer.read(body) } catch { throw LedgerError.from(error) }
    }

    /// Runs a read on a raw read-only connection of its own (see `ReadConnections`).
    func rawRead<R>(_ body: (ReadConnection) throws -> R) throws(LedgerError) -> R {
        do { return try readers.read(body) } catch { throw LedgerError.from(error) }
    }

    /// Runs a read with the ledger's context (calendar, now).
    func query<R>(nowMs: Int64, _ body: (Tx) throws -> R) throws(LedgerError) -> R {
        do {
            return try writer.read { db in try body(Tx(db: db, nowMs: nowMs, ledger: self)) }
        } catch {
            throw LedgerError.from(error)
        }
    }
}

/// One mutating operation: method, canonical params for idempotency, actor and the body to run.
public struct LedgerOperation<R: Codable & Sendable>: Sendable {
    public let method: Method
    public let idempotencyKey: String?
    let paramsText: String
    public let actor: Actor
    public let dryRun: Bool
    let body: @Sendable (Tx) throws -> R

    /// Wraps `body` for `params`; the params (minus key and staff) identify a repeat of the same key.
    public init<P: MutatingParams>(_ method: Method, _ params: P, actor: Actor, dryRun: Bool = false,
                                   body: @escaping @Sendable (Tx, P) throws -> R) {
        self.method = method
        self.idempotencyKey = params.idempotencyKey
        self.paramsText = params.idempotencyKey == nil ? "" : Idempotency.canonical(params)
        self.actor = Actor(user: actor.user, staff: params.staff ?? actor.staff)
        self.dryRun = dryRun
        self.body = { tx in
            try Validate.idempotencyKey(params.idempotencyKey)
            try Validate.staff(params.staff)
            return try body(tx, params)
        }
    }

    /// The same operation with its result mapped, e.g. to encoded JSON for the wire.
    public func map<T>(_ transform: @escaping @Sendable (R) throws -> T) -> LedgerOperation<T> {
        LedgerOperation<T>(method: method, idempotencyKey: idempotencyKey, paramsText: paramsText, actor: actor,
                     dryRun: dryRun, body: { tx in try transform(try body(tx)) })
    }

    init(method: Method, idempotencyKey: String?, paramsText: String, actor: Actor, dryRun: Bool,
         body: @escaping @Sendable (Tx) throws -> R) {
        self.method = method
        self.idempotencyKey = idempotencyKey
        self.paramsText = paramsText
        self.actor = actor
        self.dryRun = dryRun
        self.body = body
    }
}

/// Hooks run after commit, outside the transaction.
final class Hooks: @unchecked Sendable {
    private let lock = NSLock()
    private var commit: (hook: @Sendable ([HistoryItem]) -> Void, wanted: @Sendable () -> Bool)?
    private var deadline: (@Sendable () -> Void)?

    func set(commit hook: @escaping @Sendable ([HistoryItem]) -> Void, wanted: @escaping @Sendable () -> Bool) {
        lock.withLock { commit = (hook, wanted) }
    }
    func set(deadline hook: @escaping @Sendable () -> Void) { lock.withLock { deadline = hook } }

    /// `events` (`count` of them) are built only when a commit hook wants them.
    func afterCommit(count: Int, events: @autoclosure () -> [HistoryItem], deadlinesMoved: Bool) {
        let (commitHook, deadlineHook) = lock.withLock { (commit, deadline) }
        if count > 0, let commitHook, commitHook.wanted() { commitHook.hook(events()) }
        if deadlinesMoved { deadlineHook?() }
    }
}

/// Calendars by zone; creating a TimeZone is too slow for every transaction.
private final class CalendarCache: @unchecked Sendable {
    private let lock = NSLock()
    private var calendars: [String: StudioCalendar] = [:]

    func calendar(for zone: String) throws(LedgerError) -> StudioCalendar {
        if let cached = lock.withLock({ calendars[zone] }) { return cached }
        do {
            let calendar = try StudioCalendar(timeZoneIdentifier: zone)
            lock.withLock { calendars[zone] = calendar }
            return calendar
        } catch {
            throw .invalidParams("unknown time zone \(zone)")
        }
    }
}
