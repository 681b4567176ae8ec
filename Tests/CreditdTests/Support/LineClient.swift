import Foundation
import Glibc

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A plain blocking Unix-socket client speaking JSON lines, with a deadline on every read so
/// a broken daemon fails the test instead of hanging it.
final class LineClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var sawEOF = false
    let timeout: Duration

    init(path: String, timeout: Duration = .seconds(15)) throws {
        self.timeout = timeout
        fd = socket(AF_UNIX, 1 /* SOCK_STREAM */, 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        // No close here: the instance is fully initialised, so deinit runs and closes fd;
        // closing twice would close some other test's freshly opened descriptor.
        guard rc == 0 else { throw TestFailure("connect \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// Writes raw bytes (no newline added). Fails on EPIPE/ECONNRESET.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw TestFailure("send: errno \(errno)") }
            offset += written
        }
    }

    func sendLine(_ text: String) throws { try send(Array((text + "\n").utf8)) }

    /// Shuts down the write side (half-close); the daemon should still answer.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// The next line without its newline, or nil at end of stream (EOF or reset).
    func readLine() throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if sawEOF { return nil }
            try fill(until: deadline)
        }
    }

    /// The next line as a JSON value.
    func readJSON() throws -> Any {
        guard let line = try readLine() else { throw TestFailure("connection closed while waiting for a reply") }
        return try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    }

    /// The next line as a JSON object.
    func readObject() throws -> [String: Any] {
        guard let object = try readJSON() as? [String: Any] else { throw TestFailure("reply is not an object") }
        return object
    }

    /// Sends one request and reads one reply.
    func call(_ method: String, id: Int = 1, params: [String: Any]? = nil) throws -> [String: Any] {
        try sendLine(Self.request(method, id: id, params: params))
        return try readObject()
    }

    /// Whether the daemon closed the connection (EOF or reset) before `timeout`.
    func waitForClose() throws -> Bool {
        while try readLine() != nil {}
        return true
    }

    static func request(_ method: String, id: Int?, params: [String: Any]? = nil) -> String {
        var object: [String: Any] = ["jsonrpc": "2.0", "method": method]
        if let id { object["id"] = id }
        if let params { object["params"] = params }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private func fill(until deadline: ContinuousClock.Instant) throws {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw TestFailure("timed out waiting for the daemon") }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(min(remaining.components.seconds * 1000 + 1, 60_000))
        let ready = poll(&poller, 1, millis)
        guard ready > 0 else {
            if ready < 0, errno == EINTR { return }
            throw TestFailure("timed out waiting for the daemon")
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if count > 0 { buffer += chunk[..<count] }
        else if count == 0 || errno == ECONNRESET { sawEOF = true }
        else if errno != EINTR && errno != EAGAIN { throw TestFailure("recv: errno \(errno)") }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// `error.data.reason` of a reply, if it is an error.
    var errorReason: String? { ((self["error"] as? [String: Any])?["data"] as? [String: Any])?["reason"] as? String }
    /// `error.code` of a reply, if it is an error.
    var errorCode: Int? { (self["error"] as? [String: Any])?["code"] as? Int }
    var result: [String: Any]? { self["result"] as? [String: Any] }
}
