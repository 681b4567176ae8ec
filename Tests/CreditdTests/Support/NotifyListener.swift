import Foundation
import Glibc

/// Stands in for systemd's notification socket ($NOTIFY_SOCKET): collects what the daemon sends.
final class NotifyListener {
    let path: String
    private let fd: Int32
    private(set) var messages: [String] = []

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, 2 /* SOCK_DGRAM */, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// Receives datagrams until one contains `text`, or fails after `timeout`.
    func waitFor(_ text: String, timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while !messages.contains(where: { $0.contains(text) }) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw TestFailure("no \(text) notification; got \(messages)") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining.components.seconds * 1000 + 1)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count > 0 { messages.append(String(decoding: buffer[..<count], as: UTF8.self)) }
        }
    }

    /// Receives every datagram that arrives within `duration` and returns them.
    func collect(for duration: Duration) -> [String] {
        let deadline = ContinuousClock.now + duration
        var received: [String] = []
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return received }
            let ms = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, ms) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                messages.append(message)
                received.append(message)
            }
        }
    }
}
