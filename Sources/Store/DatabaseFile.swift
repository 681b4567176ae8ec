import Foundation
import Glibc
import GRDB

/// Watches that the file at the ledger's path is still the file the ledger opened.
///
/// SQLite keeps writing to the file it opened: when the database (or its whole directory) is
/// removed or replaced while serving, every commit lands in an unlinked inode, is acknowledged,
/// and is gone at the next start. `check` runs after each commit, before its replies leave: one
/// `stat` of the path per transaction (not per write; ~4 µs on the 2-core test machine, against a
/// commit's fsync of ~3 ms). Once it finds the file gone the fault is latched: every later write is refused
/// until the daemon restarts, because nothing it writes can reach the file a restart opens.
final class DatabaseFileWatch: @unchecked Sendable {
    private let path: String
    private let device: UInt64
    private let inode: UInt64
    private let lock = NSLock()
    private var fault: String?
    private var onFault: (@Sendable (String) -> Void)?

    /// Records the identity of the file now at `path` (following symlinks, as SQLite does);
    /// nil when there is none to watch.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.path = path
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Called once, with the reason, when the fault is first found.
    func setFaultHook(_ hook: @escaping @Sendable (String) -> Void) {
        lock.withLock { onFault = hook }
    }

    /// The fault found so far, without looking again.
    var latched: String? { lock.withLock { fault } }

    /// nil while the path still names the opened file; else why writes are refused (latched).
    func check() -> String? {
        if let latched { return latched }
        var info = stat()
        let problem: String
        if stat(path, &info) != 0 {
            let code = errno
            // Other errors (EACCES, EIO) say nothing about which file the path names.
            guard code == ENOENT || code == ENOTDIR else { return nil }
            problem = "the database file \(path) was removed while serving"
        } else if UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode {
            problem = "the database file \(path) was replaced by another file while serving"
        } else {
            return nil
        }
        let message = problem + ": writes are refused until creditd restarts (their data would be lost)"
        let hook: (@Sendable (String) -> Void)? = lock.withLock {
            guard fault == nil else { return nil }
            fault = message
            return onFault
        }
        hook?(message)
        return latched
    }
}

/// Files the ledger creates get their mode explicitly, whatever the process's umask.
enum DatabaseFile {
    /// The database's mode: owner read-write, group read (backups and monitoring run as the
    /// group). SQLite gives its -wal and -shm files the database file's mode.
    static let mode: mode_t = 0o640

    /// Creates an empty database file at `path` with `mode` when there is none, so that SQLite
    /// (which would create it 0644 minus the umask) opens a file with the intended mode. An
    /// existing file, or one that cannot be created (read-only media), is left to SQLite.
    static func createIfMissing(path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { return }
        _ = fchmod(fd, mode)
        close(fd)
    }
}

/// Tells a full disk from other failures when opening the database.
enum DiskSpace {
    /// Below this many bytes free for the daemon, the disk counts as full: SQLite needs room for
    /// the -shm file (32 KiB) and a few WAL pages before it can even open the database read-write.
    static let fullBelowBytes: UInt64 = 256 << 10

    /// Whether opening failed because the disk holding `path` is full: SQLITE_FULL, or an I/O
    /// error (creating the -shm file on a full disk fails as SQLITE_IOERR) with almost no space left.
    static func isFull(_ error: ResultCode, path: String) -> Bool {
        if error == .SQLITE_FULL { return true }
        guard error == .SQLITE_IOERR || error == .SQLITE_CANTOPEN, FileManager.default.fileExists(atPath: path),
              let free = freeBytes(at: path) else { return false }
        return free < fullBelowBytes
    }

    /// Bytes free for an unprivileged writer on the file system holding `path`.
    static func freeBytes(at path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }
}
