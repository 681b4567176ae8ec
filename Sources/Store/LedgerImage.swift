import CreditProtocol
import GRDB
import GRDBSQLite

/// A byte-for-byte copy of an in-memory ledger's database (`sqlite3_serialize`). A ledger opened
/// from it (`Ledger(image:)`) can be put back to it in place (`restore(_:)`) in microseconds, where
/// migrating and seeding a new ledger takes milliseconds: the libFuzzer target starts every input
/// from one seeded ledger this way.
public struct LedgerImage: Sendable {
    /// The database file's bytes, as SQLite would write them to disk.
    public let bytes: [UInt8]
}

extension Ledger {
    /// The in-memory ledger's database as it is now. Only for an in-memory ledger (`path: nil`).
    public func image() throws(LedgerError) -> LedgerImage {
        try withInMemoryConnection { connection throws(LedgerError) in
            var size: sqlite3_int64 = 0
            guard let data = sqlite3_serialize(connection, "main", &size, 0) else {
                throw LedgerError.unavailable("out of memory copying the ledger")
            }
            defer { sqlite3_free(data) }
            return LedgerImage(bytes: Array(UnsafeBufferPointer(start: data, count: Int(size))))
        }
    }

    /// An in-memory ledger holding `image` (from `image()` of a ledger of this version), which
    /// `restore(_:)` can put it back to.
    public convenience init(image: LedgerImage) throws(LedgerError) {
        try self.init(path: nil, studio: Studio(timeZone: "UTC", currency: "EUR"))
        // The connection's main database becomes an in-memory file (SQLite's memdb) holding a copy
        // of the image. This must be the connection's first use of the schema after opening:
        // deserializing swaps the schema object, and eponymous virtual tables used before (e.g.
        // `json_each`) would keep pointing at the freed one. Opening only migrates and reads the
        // studio row, which uses none.
        try withInMemoryConnection { connection throws(LedgerError) in
            let size = image.bytes.count
            guard let buffer = sqlite3_malloc64(sqlite3_uint64(size)) else {
                throw LedgerError.unavailable("out of memory opening a ledger image")
            }
            image.bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: size) }
            // SQLite owns the buffer from here (FREEONCLOSE), also when this fails; it grows it as rows are written.
            let flags = UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE)
            let code = sqlite3_deserialize(connection, "main", buffer.assumingMemoryBound(to: UInt8.self),
                                           sqlite3_int64(size), sqlite3_int64(size), flags)
            guard code == SQLITE_OK else { throw LedgerError.internalError("sqlite3_deserialize: \(code)") }
        }
        do { try Schema.migrator().migrate(writer) } catch { throw LedgerError.from(error) }
    }

    /// Puts a ledger opened with `init(image:)` back to `image` (the same one, or another of the
    /// same schema): every row written since is gone. Between operations only.
    ///
    /// The image's bytes are copied over the start of the in-memory file, as if another process
    /// had replaced the database file while this connection was idle: on its next transaction
    /// SQLite sees the file's change counter differ, drops its page cache and reads the restored
    /// pages. The schema cookie is the one SQLite already knows, so the schema and the prepared
    /// statements stay valid. (Pages past the image's length are left behind; the header's page
    /// count, valid with its change counter, tells SQLite they are not part of the database.)
    public func restore(_ image: LedgerImage) throws(LedgerError) {
        try withInMemoryConnection { connection throws(LedgerError) in
            var size: sqlite3_int64 = 0
            guard let file = sqlite3_serialize(connection, "main", &size, UInt32(SQLITE_SERIALIZE_NOCOPY)) else {
                preconditionFailure("restore(_:) is for a ledger opened with init(image:)")
            }
            var statement = sqlite3_next_stmt(connection, nil)
            while let current = statement {
                precondition(sqlite3_stmt_busy(current) == 0, "a statement is still running during a restore")
                statement = sqlite3_next_stmt(connection, current)
            }
            // The file only grows from the image it was opened with (no VACUUM, no auto_vacuum).
            guard Int(size) >= image.bytes.count else {
                throw LedgerError.internalError("ledger file (\(size) bytes) smaller than its image (\(image.bytes.count))")
            }
            image.bytes.withUnsafeBufferPointer { file.update(from: $0.baseAddress!, count: $0.count) }
            // The change counter already tells SQLite to drop its cached pages, unless the image's
            // counter happens to equal the replaced file's: drop them here too, so it never reads a stale one.
            sqlite3_db_release_memory(connection)
        }
    }

    /// Whether a transaction has committed since the ledger was opened from or restored to
    /// `image`: each commit increments the change counter in the database header.
    public func hasCommits(since image: LedgerImage) throws(LedgerError) -> Bool {
        try withInMemoryConnection { connection throws(LedgerError) in
            var size: sqlite3_int64 = 0
            guard let file = sqlite3_serialize(connection, "main", &size, UInt32(SQLITE_SERIALIZE_NOCOPY)) else {
                preconditionFailure("hasCommits(since:) is for a ledger opened with init(image:)")
            }
            let counter = Ledger.changeCounterOffset..<(Ledger.changeCounterOffset + 4)
            precondition(Int(size) >= counter.upperBound && image.bytes.count >= counter.upperBound)
            return !counter.allSatisfy { file[$0] == image.bytes[$0] }
        }
    }

    /// Where the file change counter sits in an SQLite database header (4 bytes, big-endian).
    private static let changeCounterOffset = 24

    /// Runs `body` with the in-memory writer's raw connection, outside any transaction.
    private func withInMemoryConnection<R>(_ body: (OpaquePointer) throws(LedgerError) -> R) throws(LedgerError) -> R {
        guard let queue = writer as? DatabaseQueue, queue.path == ":memory:" else {
            preconditionFailure("ledger images are for in-memory ledgers (path: nil)")
        }
        do {
            return try queue.writeWithoutTransaction { db in
                precondition(!db.isInsideTransaction, "a ledger image is taken or restored between operations")
                return try body(db.sqliteConnection!)
            }
        } catch {
            throw LedgerError.from(error)
        }
    }
}
