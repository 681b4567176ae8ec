import CSQLite

/// Process-wide SQLite settings, applied once before the first connection opens. `sqlite3_config`
/// only works before SQLite is initialized: when something else in the process opened a database
/// first, nothing changes and the Store runs as it would without them.
enum SQLiteSetup {
    /// Journals of savepoints and statements are kept in memory up to this size, in one chunk of
    /// it, then spill to a temporary file. This is SQLite's own default, set explicitly: with a
    /// bigger value (8 MiB was tried, for a booking's ~100 KiB savepoint journal) SQLite 3.40 fails
    /// any statement whose journal grows past it with "database or disk is full" (SQLITE_FULL,
    /// without any failed write), which broke migrations and bulk writes on large ledgers
    /// (`SQLiteSetupTests`). Journals of the hot path (no savepoints) stay well under it.
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
    }

    static let applied = Applied(
        memoryStatisticsOff: csqlite_disable_memstatus() == SQLITE_OK,
        statementJournalChunks: csqlite_statement_journal_spill(statementJournalSpillBytes) == SQLITE_OK)
}
