import Foundation
import Glibc

/// One creditd per database: an exclusive `flock` on `<database>.lock`, held for the daemon's
/// life (the kernel drops it when the process dies, however it dies).
///
/// A separate file, because SQLite uses POSIX `fcntl` locks on the database itself, and a
/// process closing any descriptor of a file drops all its `fcntl` locks on it. Two daemons on
/// one database would each think it the only writer: their group commits would interleave
/// and each would serve what the other's scheduler does behind its back.
final class DatabaseLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock for the database at `databasePath` (the lock file sits next to the file the
    /// path resolves to, so two symlinks to one database share it). Throws when another process
    /// holds it, naming that process. Returns nil when no lock file can be made because the
    /// medium is read-only or full: such a database takes no writes anyway.
    static func acquire(databasePath: String) throws(DaemonError) -> DatabaseLock? {
        let path = lockPath(for: databasePath)
        var descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o640)
        if descriptor < 0, [EROFS, ENOSPC, EDQUOT].contains(errno) {
            descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor < 0 { return nil }
        }
        guard descriptor >= 0 else {
            throw DaemonError(description: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = holderPid(descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw DaemonError(description: "cannot lock \(path): \(String(cString: strerror(code)))")
            }
            let who = holder.map { "another creditd (pid \($0))" } ?? "another creditd"
            throw DaemonError(description: "\(who) is already serving the database \(databasePath) (it holds \(path)): "
                + "stop it first, or give this daemon a database of its own")
        }
        _ = fchmod(descriptor, 0o640)
        // The pid is for the message above; failing to write it (a full disk) changes nothing else.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
        return DatabaseLock(path: path, descriptor: descriptor)
    }

    /// `<database>.lock` beside the file the path resolves to (or beside the path when there is
    /// no such file yet).
    static func lockPath(for databasePath: String) -> String {
        if let resolved = realpath(databasePath, nil) {
            defer { free(resolved) }
            return String(cString: resolved) + ".lock"
        }
        return databasePath + ".lock"
    }

    /// The pid written by the holder, if it can be read.
    private static func holderPid(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
