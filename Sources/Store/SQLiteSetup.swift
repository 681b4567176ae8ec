import CSQLite

/// Process-wide SQLite settings, applied once before the first connection opens. `sqlite3_config`
/// only works before SQLite is initialized: when something else in the process opened a database
/// first, nothing changes and the Store runs as it would without them.
enum SQLiteSetup {
    /// Journals of savepoints and statements are kept in memory up to this size, in one chunk of
    /// it, then spill to a temporary file. A booking journals ~100 KiB (every page a statement
    /// changes, once for its savepoint and once for the statement). 8 MiB keeps all but bulk
    /// operations in memory and stays under glibc's largest mmap threshold, so the chunk comes from
    /// the heap.
    static let statementJournalSpillBytes: Int32 = 8 << 20

    /// Whether each setting took effect.
    struct Applied {
        /// Memory statistics off: with them on, SQLite takes a global mutex around every allocation
        /// and free (~10 % of the instructions of a booking). Nothing here reads them (no soft heap
        /// limit, no `sqlite3_memory_used`).
        var memoryStatisticsOff: Bool
        /// Statement journals in chunks of `statementJournalSpillBytes`, for connections that do
        /// not set `temp_store = MEMORY` (which journals in 1 KiB chunks: ~90 mallocs per booking).
        var statementJournalChunks: Bool
    }

    static let applied = Applied(
        memoryStatisticsOff: csqlite_disable_memstatus() == SQLITE_OK,
        statementJournalChunks: csqlite_statement_journal_spill(statementJournalSpillBytes) == SQLITE_OK)
}
