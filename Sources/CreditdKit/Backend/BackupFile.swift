import CreditProtocol
import Foundation
import Glibc
import Store

/// `daemon.backup`'s target: a new regular file in the backups directory, never anything a
/// link there points at.
///
/// The directory must be a real directory (a symlink planted at `backups/` is refused), the file
/// is created by the daemon with `O_CREAT|O_EXCL|O_NOFOLLOW` relative to that directory (a link
/// planted at `backups/NAME` is `already_exists`), mode 0600 whatever the umask, and after SQLite
/// has written it the name must still be that file: the size reported is the real file's.
enum BackupFile {
    /// The backups directory's mode when the daemon creates it.
    static let directoryMode: mode_t = 0o750
    /// A backup holds the whole ledger: the owner alone may read it.
    static let fileMode: mode_t = 0o600

    /// Writes the ledger's backup to `directory/name`; returns the file's path and size.
    static func write(_ ledger: Ledger, directory: String, name: String) throws(WireError) -> BackupResult {
        let target = directory + "/" + name
        let directoryFD = try openDirectory(directory)
        defer { close(directoryFD) }
        let fd = openat(directoryFD, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw WireError(.alreadyExists, "backup \(target) already exists") }
            throw WireError(.unavailable, "cannot create \(target): \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        _ = fchmod(fd, fileMode)
        do {
            try ledger.backup(to: target)
        } catch {
            // A half-written backup is worse than none; remove it if the name is still ours.
            if isSameFile(fd, target) { unlink(target) }
            throw error.wire
        }
        return BackupResult(path: target, bytes: try sizeIfStillNamed(fd, target: target))
    }

    /// Opens the backups directory, creating it; refuses a symlink or anything not a directory.
    private static func openDirectory(_ directory: String) throws(WireError) -> Int32 {
        if mkdir(directory, directoryMode) != 0, errno != EEXIST {
            throw WireError(.unavailable, "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            // O_NOFOLLOW fails with ELOOP on a symlink, O_DIRECTORY with ENOTDIR on anything else.
            if code == ELOOP || code == ENOTDIR {
                throw WireError(.unavailable, "\(directory) is not a directory but a symbolic link or another file: "
                    + "refusing to write a backup through it (make it a real directory owned by creditd)")
            }
            throw WireError(.unavailable, "cannot open \(directory): \(String(cString: strerror(code)))")
        }
        return fd
    }

    /// The size of the file behind `fd`, once `target` is checked to still name it.
    private static func sizeIfStillNamed(_ fd: Int32, target: String) throws(WireError) -> Int64 {
        var info = stat()
        guard isSameFile(fd, target), fstat(fd, &info) == 0 else {
            throw WireError(.unavailable, "\(target) was replaced while the backup was written: it may be elsewhere; "
                + "check the backups directory")
        }
        return Int64(info.st_size)
    }

    /// Whether `path` (not followed) names the regular file open as `fd`.
    private static func isSameFile(_ fd: Int32, _ path: String) -> Bool {
        var opened = stat()
        var named = stat()
        guard fstat(fd, &opened) == 0, lstat(path, &named) == 0 else { return false }
        return (named.st_mode & S_IFMT) == S_IFREG && named.st_dev == opened.st_dev && named.st_ino == opened.st_ino
    }
}
