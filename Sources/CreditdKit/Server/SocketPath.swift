import Foundation
import Glibc

/// Errors preparing the socket path.
struct SocketPathError: Error, CustomStringConvertible {
    var description: String
}

/// Makes a socket path ready to bind without ever removing a live socket.
///
/// As OpenBSD bgpd's control_check does: if something exists at the path, connect to it
/// first. If a daemon answers, refuse to start; only a socket nobody listens on (stale, left
/// by a crash) is unlinked.
enum SocketPath {
    // <bits/socket_type.h>; the Glibc overlay does not export these on this toolchain.
    static let socketStream: Int32 = 1
    static let socketCloseOnExec: Int32 = 0o2000000

    static func prepare(_ path: String) throws(SocketPathError) {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SocketPathError(description: "socket path too long: \(path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw SocketPathError(description: "cannot create \(directory): \(error.localizedDescription)")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketPathError(description: "\(path) exists and is not a socket; not touching it")
        }
        if isLive(path) {
            throw SocketPathError(description: "another daemon is serving \(path); refusing to start")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SocketPathError(description: "cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something accepts connections at `path`.
    static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, socketStream | socketCloseOnExec, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        // ECONNREFUSED: a socket file with no listener. Anything else but success: not live either.
        return rc == 0 || errno == EAGAIN
    }

    /// The umask the socket is created under: mode 0660, owner and group read-write.
    static let creationMask: mode_t = 0o117
}
