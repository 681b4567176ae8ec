import CSQLite
import CWALWrites

/// Process-wide SQLite settings, applied once before the first connection opens. `sqlite3_config`
/// only works before SQLite is initialized: when something else in the process opened a database
/// first, nothing changes and the Store runs as it would without them.
enum SQLiteSetup {
    /// Journals of savepoints and statements are kept in memory up to this size, in one chunk of
    /// it, then spill to a temporary file. This is SQLite's own default, set explicitly: with a
    /// bigger value (8 MiB was tried, for a booking's ~100 KiB savepoint journal) SQLite 3.40 fails
    /// any statement whose journal grows past it with "database or disk is full" (SQLITE_FULL,
    /// without any failed write), which broke migrations and bulk writes on large ledgers
    /// (`SQLiteSetupTests`). Very likely the spill writes the whole chunk at once, and the unix
    /// VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff): a multiple of
    /// 128 KiB writes nothing (see Sources/CWALWrites). Journals of the hot path stay well under it.
    static let statementJournalSpillBytes: Int32 = 64 << 10

    /// Whether each setting took effect.
    struct Applied {
        /// Memory statistics off: with them on, SQLite takes a global mutex around every allocation
        /// and free (~10 % of the instructions of a booking). Nothing here reads them (no soft heap
        /// limit, no `sqlite3_memory_used`).
        var memoryStatisticsOff: Bool
        /// Statement journals in chunks of `statementJournalSpillBytes`, for connections that do
        /// not set `temp_store = MEMORY` (which journals in 1 KiB chunks: ~90 mallocs per booking).
        var statementJournalChunks: Bool
        /// The VFS `walWritesVFS` is registered (after the settings above: registering initializes
        /// SQLite). Without it the writer opens its database as before.
        var walWritesRegistered: Bool
    }

    /// The VFS that gathers a WAL's writes into a few large writes per commit (Sources/CWALWrites):
    /// ~400 `pwrite` calls per group commit become a handful (docs/BENCHMARKS.md, "Session 5").
    /// Only the ledger's own connections use it.
    static let walWritesVFS = "creditd-wal-writes"

    /// How the ledger opens the file at `path`: through `walWritesVFS` when it is registered (a
    /// `file:` URI; Debian's SQLite reads every file name as a URI when it starts with `file:`).
    static func databaseURI(path: String) -> String {
        guard applied.walWritesRegistered else { return path }
        var escaped = ""
        for character in path {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return "file:\(escaped)?vfs=\(walWritesVFS)"
    }

    static let applied = Applied(
        memoryStatisticsOff: csqlite_disable_memstatus() == SQLITE_OK,
        statementJournalChunks: csqlite_statement_journal_spill(statementJournalSpillBytes) == SQLITE_OK,
        walWritesRegistered: sqlite3_compileoption_used("USE_URI") == 1 && creditd_wal_writes_register() == SQLITE_OK)
}
