import CSQLite

/// Process-wide SQLite settings, applied once before the first connection opens.
enum SQLiteSetup {
    /// Memory statistics off: with them on, SQLite takes a global mutex around every allocation and
    /// free, which was ~10 % of the instructions of a booking. Nothing here reads them (no soft heap
    /// limit, no `sqlite3_memory_used`). `sqlite3_config` only works before SQLite is initialized:
    /// when something else in the process opened a database first, this changes nothing.
    static let memoryStatisticsOff: Bool = csqlite_disable_memstatus() == SQLITE_OK
}
