// A VFS layer that gathers consecutive writes to a WAL file (see include/wal_writes.h).
//
// Only files SQLite opens with SQLITE_OPEN_WAL are wrapped; every other file is opened by the
// underlying VFS in place and never sees this layer. A wrapped file keeps at most one run of
// bytes [start, start + length) not yet written, and writes it out:
// - as soon as a commit frame is complete. SQLite writes a transaction's frames in order, the
//   commit frame (a frame header whose "database size after commit" field is not zero) last,
//   and only then syncs the WAL (synchronous=FULL) and publishes the new frames to readers in
//   the wal-index. So whatever the synchronous setting, no reader (in this process or another)
//   can learn of a frame that is not in the file, and every sync covers every frame;
// - before anything else could observe the file: a read (the writer's own cache spills, read
//   back), sync, size query, truncation, file control, lock, or close;
// - when the next write does not continue the run, or the buffer is full.
#include "wal_writes.h"
#include "wal_sync_timing.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

enum { BUFFER_BYTES = 4 << 20 };

typedef struct GatherFile {
    sqlite3_file base;        // must be first: SQLite sees this
    sqlite3_file *real;       // the underlying VFS's file, stored right after this struct
    unsigned char *buffer;    // BUFFER_BYTES, allocated on the first gathered write
    sqlite3_int64 start;      // file offset of buffer[0]
    int length;               // bytes gathered, not yet written
    int commitFrameNext;      // the last write was the header of a commit frame
} GatherFile;

enum { WAL_HEADER_BYTES = 32, FRAME_HEADER_BYTES = 24 };

// A frame header is the only 24-byte write SQLite makes to a WAL (after its 32-byte header);
// bytes 4-7 are the database size in pages after a commit, 0 in other frames.
static int is_commit_frame_header(const void *data, int amount, sqlite3_int64 offset) {
    if (amount != FRAME_HEADER_BYTES || offset < WAL_HEADER_BYTES) return 0;
    const unsigned char *header = data;
    return (header[4] | header[5] | header[6] | header[7]) != 0;
}

static sqlite3_vfs *underlying;
static sqlite3_vfs gather_vfs;
static sqlite3_io_methods gather_methods;

// The unix VFS writes at most 128 KiB - 1 per pwrite(2): it masks each length with 0x1ffff, and
// loops on what is left, so a write of a multiple of 128 KiB writes nothing and fails with
// SQLITE_FULL (SQLite 3.40). Gathered runs go down in pieces below that.
enum { PIECE_BYTES = 124 << 10 };

static int write_pieces(GatherFile *file, const unsigned char *data, int amount, sqlite3_int64 offset) {
    while (amount > 0) {
        int piece = amount < PIECE_BYTES ? amount : PIECE_BYTES;
        int code = file->real->pMethods->xWrite(file->real, data, piece, offset);
        if (code != SQLITE_OK) return code;
        data += piece;
        offset += piece;
        amount -= piece;
    }
    return SQLITE_OK;
}

static int flush(GatherFile *file) {
    if (file->length == 0) return SQLITE_OK;
    int length = file->length;
    file->length = 0;
    return write_pieces(file, file->buffer, length, file->start);
}

static int gather_close(sqlite3_file *f) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    int closed = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    return code != SQLITE_OK ? code : closed;
}

static int gather_read(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int gather_write(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    GatherFile *file = (GatherFile *)f;
    int completesCommit = file->commitFrameNext;
    file->commitFrameNext = is_commit_frame_header(data, amount, offset);
    if (amount <= 0 || amount > BUFFER_BYTES / 2) {
        int code = flush(file);
        return code != SQLITE_OK ? code : write_pieces(file, data, amount, offset);
    }
    int follows = file->length > 0 && offset == file->start + file->length;
    if (!follows || file->length + amount > BUFFER_BYTES) {
        int code = flush(file);
        if (code != SQLITE_OK) return code;
        file->start = offset;
    }
    if (file->buffer == NULL) {
        file->buffer = malloc(BUFFER_BYTES);
        if (file->buffer == NULL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    memcpy(file->buffer + file->length, data, (size_t)amount);
    file->length += amount;
    return completesCommit ? flush(file) : SQLITE_OK;
}

static int gather_truncate(sqlite3_file *f, sqlite3_int64 size) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xTruncate(file->real, size);
}

static int gather_sync(sqlite3_file *f, int flags) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    if (code != SQLITE_OK) return code;
    // Timed for creditd's metrics (creditd_wal_sync_duration_seconds): the fdatasync alone.
    uint64_t started = creditd_wal_sync_now_ns();
    code = file->real->pMethods->xSync(file->real, flags);
    creditd_wal_sync_record(creditd_wal_sync_now_ns() - started);
    return code;
}

static int gather_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xFileSize(file->real, size);
}

static int gather_lock(sqlite3_file *f, int level) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xLock(file->real, level);
}

static int gather_unlock(sqlite3_file *f, int level) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xUnlock(file->real, level);
}

static int gather_check_reserved_lock(sqlite3_file *f, int *out) {
    GatherFile *file = (GatherFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int gather_file_control(sqlite3_file *f, int op, void *arg) {
    GatherFile *file = (GatherFile *)f;
    int code = flush(file);
    return code != SQLITE_OK ? code : file->real->pMethods->xFileControl(file->real, op, arg);
}

static int gather_sector_size(sqlite3_file *f) {
    GatherFile *file = (GatherFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int gather_device_characteristics(sqlite3_file *f) {
    GatherFile *file = (GatherFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int gather_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL)) {
        // Not a WAL: the underlying VFS's file, in place (szOsFile covers it), untouched.
        return underlying->xOpen(underlying, name, f, flags, outFlags);
    }
    GatherFile *file = (GatherFile *)f;
    memset(file, 0, sizeof(GatherFile));
    file->real = (sqlite3_file *)(file + 1);
    int code = underlying->xOpen(underlying, name, file->real, flags, outFlags);
    // On failure pMethods stays NULL: SQLite then does not call xClose on this file.
    if (code == SQLITE_OK && file->real->pMethods != NULL) file->base.pMethods = &gather_methods;
    return code;
}

static int gather_delete(sqlite3_vfs *v, const char *name, int syncDir) {
    (void)v;
    return underlying->xDelete(underlying, name, syncDir);
}

static int gather_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
    (void)v;
    return underlying->xAccess(underlying, name, flags, out);
}

static int gather_full_pathname(sqlite3_vfs *v, const char *name, int size, char *out) {
    (void)v;
    return underlying->xFullPathname(underlying, name, size, out);
}

static void *gather_dl_open(sqlite3_vfs *v, const char *name) {
    (void)v;
    return underlying->xDlOpen(underlying, name);
}

static void gather_dl_error(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    underlying->xDlError(underlying, size, out);
}

static void (*gather_dl_sym(sqlite3_vfs *v, void *handle, const char *symbol))(void) {
    (void)v;
    return underlying->xDlSym(underlying, handle, symbol);
}

static void gather_dl_close(sqlite3_vfs *v, void *handle) {
    (void)v;
    underlying->xDlClose(underlying, handle);
}

static int gather_randomness(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    return underlying->xRandomness(underlying, size, out);
}

static int gather_sleep(sqlite3_vfs *v, int microseconds) {
    (void)v;
    return underlying->xSleep(underlying, microseconds);
}

static int gather_current_time(sqlite3_vfs *v, double *out) {
    (void)v;
    return underlying->xCurrentTime(underlying, out);
}

static int gather_get_last_error(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    return underlying->xGetLastError ? underlying->xGetLastError(underlying, size, out) : 0;
}

static int gather_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out) {
    (void)v;
    return underlying->xCurrentTimeInt64(underlying, out);
}

int creditd_wal_writes_buffer_bytes(void) { return BUFFER_BYTES; }

int creditd_wal_writes_register(void) {
    if (underlying != NULL) return SQLITE_OK;
    sqlite3_vfs *found = sqlite3_vfs_find(NULL);
    if (found == NULL) return SQLITE_ERROR;
    // A WAL's own methods have no shared memory or mmap: version 1 is what SQLite calls on it.
    gather_methods = (sqlite3_io_methods){
        .iVersion = 1,
        .xClose = gather_close,
        .xRead = gather_read,
        .xWrite = gather_write,
        .xTruncate = gather_truncate,
        .xSync = gather_sync,
        .xFileSize = gather_file_size,
        .xLock = gather_lock,
        .xUnlock = gather_unlock,
        .xCheckReservedLock = gather_check_reserved_lock,
        .xFileControl = gather_file_control,
        .xSectorSize = gather_sector_size,
        .xDeviceCharacteristics = gather_device_characteristics,
    };
    gather_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(GatherFile) + found->szOsFile,
        .mxPathname = found->mxPathname,
        .zName = "creditd-wal-writes",
        .xOpen = gather_open,
        .xDelete = gather_delete,
        .xAccess = gather_access,
        .xFullPathname = gather_full_pathname,
        .xDlOpen = gather_dl_open,
        .xDlError = gather_dl_error,
        .xDlSym = gather_dl_sym,
        .xDlClose = gather_dl_close,
        .xRandomness = gather_randomness,
        .xSleep = gather_sleep,
        .xCurrentTime = gather_current_time,
        .xGetLastError = gather_get_last_error,
        .xCurrentTimeInt64 = gather_current_time_int64,
    };
    underlying = found;
    int code = sqlite3_vfs_register(&gather_vfs, 0);
    if (code != SQLITE_OK) underlying = NULL;
    return code;
}
