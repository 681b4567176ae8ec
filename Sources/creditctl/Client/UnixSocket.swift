import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking, connected AF_UNIX stream socket that reads and writes `\n`-terminated lines.
///
/// creditctl makes a handful of calls and exits, so plain blocking I/O is all it needs.
final class UnixSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    /// Connects to `path`, mapping the usual failures to messages that say what to do.
    init(path: String) throws(CtlError) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw .usage("socket path is too long (\(bytes.count) bytes, at most \(capacity - 1)): \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .cannotConnect("cannot create a socket: \(String(cString: strerror(errno)))") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            close(fd)
            throw UnixSocket.connectError(errno: code, path: path)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The message for a failed connect, by errno.
    static func connectError(errno code: Int32, path: String) -> CtlError {
        switch code {
        case ENOENT, ECONNREFUSED, ENOTDIR:
            return .cannotConnect("creditd is not running at \(path) (start it with: \(SocketPath.startHint(for: path)))")
        case EACCES, EPERM:
            return .cannotConnect("permission denied on \(path): add your user to the creditd group (then log in again)")
        default:
            return .cannotConnect("cannot connect to creditd at \(path): \(String(cString: strerror(code)))")
        }
    }

    /// Writes all of `data`, retrying short writes and EINTR.
    func write(_ data: [UInt8]) throws(CtlError) {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(fd, raw.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
                #else
                Darwin.write(fd, raw.baseAddress! + offset, data.count - offset)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .protocolError("lost the connection to creditd while sending: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Reads one line without its `\n`; nil at end of stream.
    func readLine() throws(CtlError) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 10) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                // Compact now and then so a long `watch` does not grow the buffer forever.
                if start > 65_536 { buffer.removeFirst(start); start = 0 }
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .protocolError("lost the connection to creditd: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                if start < buffer.count { throw .protocolError("creditd closed the connection mid-reply") }
                return nil
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
