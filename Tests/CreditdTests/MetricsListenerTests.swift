import Foundation
import Glibc
import Testing
@testable import CreditdKit

/// `[metrics] listen`: the loopback HTTP listener and its config.
@Suite struct MetricsListenerTests {
    @Test func listenerAnswersGetMetricsAndNothingElse() throws {
        // Given a daemon configured to serve metrics on a free loopback port
        let port = try Self.freeLoopbackPort()
        let daemon = try LedgerDaemon.start(extraConfig: "[metrics]\nlisten = \"127.0.0.1:\(port)\"\n")
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        // When /metrics, another path and another method are requested
        let metrics = try Self.http("GET /metrics", port: port)
        let other = try Self.http("GET /", port: port)
        let post = try Self.http("POST /metrics", port: port)
        // Then /metrics is the exposition, with the Prometheus content type and what was counted
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(metrics.prefix(200))")
        #expect(metrics.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(metrics.contains(#"creditd_requests_total{method="session_type.create",outcome="ok"} 1"#))
        #expect(metrics.contains("\ncreditd_wal_bytes "))
        // And the rest is refused
        #expect(other.hasPrefix("HTTP/1.1 404 Not Found\r\n"), "\(other.prefix(200))")
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), "\(post.prefix(200))")
        #expect(daemon.log.contains("metrics served at http://127.0.0.1:\(port)/metrics"))
    }

    @Test func nonLoopbackListenAddressesAreRefusedWithAClearError() throws {
        // Given the defaults and a config per listen address
        let defaults = ConfigDefaults(timeZone: "UTC", socketPath: "/s", databasePath: "/d", invokingUser: "me")
        let owner = "[access]\nowner = [\"me\"]\n"
        func parse(_ listen: String) throws(ConfigError) -> DaemonConfig {
            // (an owner, after the section, so that `listen` stays on line 2)
            try ConfigLoader.parse("[metrics]\nlisten = \"\(listen)\"\n" + owner, path: nil, defaults: defaults)
        }
        // Then loopback addresses are taken
        #expect(try parse("127.0.0.1:9464").metricsListen == MetricsListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try parse("127.1.2.3:80").metricsListen?.host == "127.1.2.3")
        #expect(try parse("[::1]:9464").metricsListen == MetricsListenAddress(host: "::1", port: 9464))
        // And without [metrics] nothing is served
        #expect(try ConfigLoader.parse(owner, path: nil, defaults: defaults).metricsListen == nil)
        // And every other address, a bad port or an unknown key is a config error naming the line
        for listen in ["0.0.0.0:9464", "192.168.1.10:9464", "[::]:9464", "localhost:9464", "example.com:9464"] {
            let error = #expect(throws: ConfigError.self) { try parse(listen) }
            #expect(error?.description.contains("line 2: [metrics] listen = \"\(listen)\": the metrics listener serves loopback only") == true,
                    "\(String(describing: error))")
        }
        for listen in ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:http"] {
            let error = #expect(throws: ConfigError.self) { try parse(listen) }
            #expect(error?.description.contains("line 2:") == true, "\(String(describing: error))")
        }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("[metrics]\nport = 9464\n" + owner, path: nil, defaults: defaults) }
    }

    /// A loopback port nobody listens on right now (bound to port 0, then released).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One HTTP/1.1 request (`METHOD PATH`) with Connection: close; the whole response.
    static func http(_ requestLine: String, port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw TestFailure("connect to 127.0.0.1:\(port): \(errno)") }
        let request = Array("\(requestLine) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw TestFailure("write: \(errno)") }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }
}
