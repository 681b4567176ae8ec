import Foundation
import GRDB
import GRDBSQLite

/// Read-only SQLite connections for the hottest reads (`balance.get`, `history.list`), used
/// through SQLite's C API with their statements prepared once per connection.
///
/// GRDB's `DatabasePool.read` costs more than those reads' SQL: a reader is checked out of a
/// pool on a dispatch queue, a transaction and a savepoint wrap it, and every statement is found
/// in a cache keyed by its SQL text and run with boxed arguments. Here a read takes an idle
/// connection from a locked list (or opens one) and hands it back; a read of one statement is
/// one read transaction by itself, a read of several wraps them in one `BEGIN`…`COMMIT`
/// (`ReadConnection.snapshot`) so that they see one state of the database. Safe from any number
/// of threads at once: a connection is used by one read at a time. Each read sees every write
/// committed before it began (WAL).
///
/// A ledger without a database file to open again (in memory, or on read-only media, which is
/// opened by GRDB with special flags) runs the same reads on GRDB's own connection instead.
final class ReadConnections: @unchecked Sendable {
    /// Idle connections kept for reuse; more are opened when more reads run at once, and closed
    /// when they come back to a full list.
    static let idleMax = 16

    private let path: String?
    private let writer: any DatabaseWriter
    private let lock = NSLock()
    /// The ledger's commits, counted for the passes.
    let commits = CommitCounter()
    private var idle: [ReadConnection] = []

    init(writer: any DatabaseWriter, isReadOnly: Bool) {
        self.writer = writer
        path = isReadOnly ? nil : (writer as? DatabasePool)?.path
    }

    /// Runs `body` on a connection of its own. Each statement sees every write committed before
    /// it ran; a read of several statements wraps them in `ReadConnection.snapshot`.
    func read<R>(_ body: (ReadConnection) throws -> R) throws -> R {
        guard let path else {
            return try writer.read { db in try body(ReadConnection(borrowing: db)) }
        }
        if let pass = ReadPass.current { return try pass.run(body) }
        let connection = try lock.withLock({ idle.popLast() }) ?? ReadConnection(path: path)
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// A pass for the calling thread (see `ReadPass`); nil when reads borrow GRDB's connection.
    func makePass(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) -> ReadPass? {
        path.map { ReadPass(path: $0, commits: commits, scheduleEnd: scheduleEnd) }
    }

    /// Connections open and idle now.
    var idleCount: Int { lock.withLock { idle.count } }

    /// Whether reads use connections of their own (a database file opened read-write).
    var ownsConnections: Bool { path != nil }

    private func giveBack(_ connection: ReadConnection) {
        // A connection left inside a transaction (a failed COMMIT or ROLLBACK) is not reused.
        guard connection.isIdle else { return }
        lock.withLock {
            if idle.count < ReadConnections.idleMax { idle.append(connection) }
        }
    }
}

/// One connection's prepared statements, found by the address of their SQL text (a
/// `StaticString`) or, for SQL built per request, by the text.
final class ReadConnection {
    let handle: OpaquePointer
    /// GRDB's connection when borrowed: statements then come from GRDB's cache, GRDB closes it.
    private let borrowed: Database?
    private var byAddress: [UInt: OpaquePointer] = [:]
    private var byText: [String: OpaquePointer] = [:]
    /// SQL built per request (history filters) is cached up to this many variants.
    static let textStatementsMax = 64
    /// Bytes of the database file a reader maps into memory (`PRAGMA mmap_size`; SQLite caps it at
    /// its compile-time maximum, 2 GiB - 64 KiB in Debian's build). A read of a page then costs
    /// no `pread` and no copy: the OS page cache is the cache, shared by every connection and
    /// not counted as the daemon's own memory. Measured on the 1M-client dataset: +5 % reads/s.
    static let mapBytesMax: Int64 = 0x7fff_0000

    /// Opens `path` read-only (a WAL reader).
    init(path: String) throws {
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close(connection)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        handle = connection
        borrowed = nil
        // As the ledger's GRDB connections: wait for locks up to 5 s, temporary tables in memory.
        sqlite3_busy_timeout(handle, 5000)
        try execute("PRAGMA temp_store = MEMORY")
        // Where mapping is not possible SQLite reads with pread as before: nothing to report.
        _ = sqlite3_exec(handle, "PRAGMA mmap_size = \(ReadConnection.mapBytesMax)", nil, nil, nil)
    }

    /// GRDB's connection, inside one of its reads.
    init(borrowing db: Database) {
        guard let connection = db.sqliteConnection else { preconditionFailure("GRDB's connection is open during a read") }
        handle = connection
        borrowed = db
    }

    deinit {
        guard borrowed == nil else { return }
        for statement in byAddress.values { sqlite3_finalize(statement) }
        for statement in byText.values { sqlite3_finalize(statement) }
        sqlite3_close(handle)
    }

    /// The statement for `sql`, prepared on first use; reset, with its previous bindings.
    func statement(_ sql: StaticString) throws -> ReadStatement {
        if let borrowed { return try ReadStatement(borrowed.cachedStatement(sql: sql.description).sqliteStatement) }
        let key = UInt(bitPattern: sql.utf8Start)
        if let cached = byAddress[key] { return ReadStatement(cached) }
        let prepared = try prepare(sql.description)
        byAddress[key] = prepared
        return ReadStatement(prepared)
    }

    /// The statement for SQL built at run time. Beyond `textStatementsMax` variants, it is
    /// prepared for this use only and finalized by `body`'s end.
    func withStatement<R>(sql: String, _ body: (ReadStatement) throws -> R) throws -> R {
        if let borrowed {
            // Not kept in GRDB's cache: the variants are many in principle.
            let statement = try borrowed.makeStatement(sql: sql)
            return try withExtendedLifetime(statement) { try body(ReadStatement(statement.sqliteStatement)) }
        }
        if let cached = byText[sql] { return try body(ReadStatement(cached)) }
        let prepared = try prepare(sql)
        if byText.count < ReadConnection.textStatementsMax {
            byText[sql] = prepared
            return try body(ReadStatement(prepared))
        }
        defer { sqlite3_finalize(prepared) }
        return try body(ReadStatement(prepared))
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)),
                                sql: sql)
        }
        return statement
    }

    private func execute(_ sql: StaticString) throws {
        try statement(sql).run()
    }

    /// The ids of archived session types, as of this connection's latest read transaction.
    ///
    /// Kept between reads while SQLite's data version of the connection is unchanged: it moves
    /// when another connection commits and is read once a statement has started a transaction,
    /// so a set kept from an older version is never used (and a read after a reply to
    /// `session_type.archive` sees the flag). GRDB's connection, which may be the writer itself
    /// (whose own commits do not move its data version), reads the table every time.
    func archivedSessionTypes() throws -> Set<String> {
        guard borrowed == nil else { return try readArchivedSessionTypes() }
        if let cached = archivedCache, cached.version == dataVersion() { return cached.ids }
        let ids = try readArchivedSessionTypes()
        // The version of the transaction that just read them (a commit in between moved it).
        archivedCache = dataVersion().map { ($0, ids) }
        return ids
    }

    private var archivedCache: (version: UInt32, ids: Set<String>)?

    private func readArchivedSessionTypes() throws -> Set<String> {
        var ids = Set<String>()
        try statement("SELECT id FROM session_type WHERE archived = 1").forEachRow { row in ids.insert(row.string(0)) }
        return ids
    }

    /// SQLite's data version of the main database (nil if the file control fails).
    private func dataVersion() -> UInt32? {
        var version: UInt32 = 0
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK else { return nil }
        return version
    }

    /// Starts a read transaction (`ReadPass`); its snapshot is taken by the first statement.
    func begin() throws {
        try execute("BEGIN")
    }

    /// Ends the transaction `begin` started; false when the connection is left inside one.
    func finish() -> Bool {
        if (try? execute("COMMIT")) == nil { try? execute("ROLLBACK") }
        return isIdle
    }

    /// Whether the connection is outside any transaction.
    var isIdle: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Runs `body`'s statements in one read transaction, so that they see one state of the
    /// database. (GRDB's reads, on a borrowed connection, are one already.)
    func snapshot<R>(_ body: () throws -> R) throws -> R {
        // Inside a `ReadPass` the statements already share its transaction.
        guard borrowed == nil, isIdle else { return try body() }
        try execute("BEGIN")
        let result: R
        do {
            result = try body()
        } catch {
            // A connection still inside the transaction afterwards is not reused (see giveBack).
            try? execute("ROLLBACK")
            throw error
        }
        try execute("COMMIT")
        return result
    }
}

/// A prepared statement of a `ReadConnection`: bind every parameter, then step through rows.
struct ReadStatement {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    /// Binds every parameter with `bind`, in order (the previous bindings are replaced).
    func bind(_ bind: (inout Binder) -> Void) -> ReadStatement {
        sqlite3_reset(handle)
        var binder = Binder(statement: handle)
        bind(&binder)
        precondition(binder.index - 1 == sqlite3_bind_parameter_count(handle),
                     "every parameter must be bound: \(String(cString: sqlite3_sql(handle)))")
        return self
    }

    /// Steps through every row, calling `row` for each; the statement is reset when this returns.
    func forEachRow(_ row: (Columns) throws -> Void) throws {
        sqlite3_reset(handle)  // keeps the bindings
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW:
                try row(Columns(statement: handle))
            case SQLITE_DONE:
                return
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))),
                                    sql: String(cString: sqlite3_sql(handle)))
            }
        }
    }

    /// Whether the statement returns at least one row.
    func exists() throws -> Bool {
        var found = false
        try forEachRow { _ in found = true }
        return found
    }

    /// Runs a statement that returns no rows.
    func run() throws { try forEachRow { _ in } }
}
