#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call: this turns off SQLite's memory statistics
/// (a global mutex around every allocation). Call before the library is initialized, or after
/// sqlite3_shutdown().
static inline int csqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes): statement and savepoint journals stay in
/// memory, in chunks of `bytes`, until they grow past `bytes` (then they spill to a temporary file).
/// Only used while `PRAGMA temp_store` is not MEMORY (which uses 1 KiB chunks and never spills).
static inline int csqlite_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}
