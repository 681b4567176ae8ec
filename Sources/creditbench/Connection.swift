import Foundation
import Glibc

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("creditbench: \(message)\n".utf8))
    exit(1)
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("creditbench: \(message)\n".utf8))
}

func nowNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Connects a Unix stream socket to `path`; returns the fd or -1 with errno set.
func connectUnix(_ path: String, nonBlocking: Bool = false) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0), 0)
    guard fd >= 0 else { return -1 }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if rc != 0 && !(nonBlocking && errno == EINPROGRESS) {
        let saved = errno
        close(fd)
        errno = saved
        return -1
    }
    return fd
}

/// Raises the open-file limit to the hard limit (1000 garbage connections need it).
func raiseFileLimit(to wanted: Int) {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_cur < rlim_t(wanted) {
        limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted))
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < rlim_t(wanted) {
            warn("open-file limit is \(limit.rlim_cur), below the \(wanted) needed (raise ulimit -n)")
        }
    }
}

/// A blocking Unix-socket connection that writes request lines and reads reply lines.
final class Connection {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(path: String) {
        fd = connectUnix(path)
        guard fd >= 0 else { fail("connect \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { fail("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Reads at least one complete line; calls `each` for every complete line available.
    func readLines(_ each: (ArraySlice<UInt8>) -> Void) {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { fail("the daemon closed the connection") }
            buffer.append(contentsOf: chunk[..<n])
            var start = 0
            var found = false
            while let newline = buffer[start...].firstIndex(of: 10) {
                each(buffer[start..<newline])
                start = newline + 1
                found = true
            }
            buffer.removeFirst(start)
            if found { return }
        }
    }

    /// Calls `each` for every complete line one non-blocking read brings (none if the socket
    /// has nothing yet).
    func readAvailableLines(_ each: (ArraySlice<UInt8>) -> Void) {
        var n: Int
        repeat {
            n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
        } while n < 0 && errno == EINTR
        if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
        guard n > 0 else { fail("the daemon closed the connection") }
        buffer.append(contentsOf: chunk[..<n])
        var start = 0
        while let newline = buffer[start...].firstIndex(of: 10) {
            each(buffer[start..<newline])
            start = newline + 1
        }
        buffer.removeFirst(start)
    }

    /// One call, one reply line.
    func call(_ method: String, _ params: String, id: Int = 0) -> String {
        write(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8) + [10])
        var reply = ""
        readLines { reply = String(decoding: $0, as: UTF8.self) }
        return reply
    }
}

func contains(_ line: ArraySlice<UInt8>, _ pattern: [UInt8]) -> Bool {
    guard line.count >= pattern.count else { return false }
    var i = line.startIndex
    while i <= line.endIndex - pattern.count {
        if line[i] == pattern[0], line[i..<(i + pattern.count)].elementsEqual(pattern) { return true }
        i += 1
    }
    return false
}

/// xorshift64*: fast, per thread, reproducible.
struct FastRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
