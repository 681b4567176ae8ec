#ifndef CREDITD_WAL_WRITES_H
#define CREDITD_WAL_WRITES_H

/// Registers the VFS "creditd-wal-writes": a thin layer over the default one ("unix") that gathers
/// a WAL file's consecutive writes and hands them to the OS in one write. SQLite writes each frame
/// of a commit as two writes (a 24-byte header, then the page): ~400 write(2) calls per group
/// commit, each paying the kernel's per-call and per-page costs. Gathered writes reach the file
/// as soon as a transaction's commit frame is complete, before SQLite syncs the WAL or tells any
/// reader of the new frames, and before any read, sync, size query, truncation or close of that
/// file: what SQLite asks to be on disk is on disk when it asks, and readers see what they would
/// without it (durability and crash safety stay SQLite's own).
///
/// Connections choose it by name (a `file:` URI with `vfs=creditd-wal-writes`); it is not the
/// default.
///
/// Call once, before the first connection opens. Returns SQLITE_OK, or SQLite's error code.
int creditd_wal_writes_register(void);

/// Bytes a WAL file gathers at most before it writes them out.
int creditd_wal_writes_buffer_bytes(void);

#endif
