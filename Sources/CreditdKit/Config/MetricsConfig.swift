import Glibc
import TOMLKit

/// `[metrics] listen`: a loopback address and port for the HTTP metrics listener.
///
/// Only loopback is accepted: the listener has no authentication and no TLS, so anything
/// beyond the host itself must come through a scraper (or proxy) that runs there.
struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A loopback address: 127.0.0.0/8 or ::1.
    var host: String
    var port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `HOST:PORT` (IPv6 as `[::1]:PORT`); the reason it is refused otherwise.
    static func parse(_ text: String) -> Result<MetricsListenAddress, Refusal> {
        func refuse(_ why: String) -> Result<MetricsListenAddress, Refusal> {
            .failure(Refusal(message: "[metrics] listen = \"\(text)\": \(why)"))
        }
        guard let colon = text.lastIndex(of: ":") else { return refuse("expected HOST:PORT, e.g. 127.0.0.1:9464") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return refuse("the port must be a number from 1 to 65535")
        }
        guard isLoopback(host) else {
            return refuse("the metrics listener serves loopback only (127.0.0.1 or [::1]); it has no authentication, "
                          + "so scrape it from this host or put a proxy in front")
        }
        return .success(MetricsListenAddress(host: host, port: port))
    }

    /// Why a listen address is refused.
    struct Refusal: Error, Equatable {
        var message: String
    }

    /// A literal address in 127.0.0.0/8, or ::1. Names (even "localhost") are refused: what they
    /// resolve to is not the config's to decide.
    static func isLoopback(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
    }
}

extension ConfigLoader {
    static func readMetrics(_ table: TOMLTable, into config: inout DaemonConfig, _ reader: inout ConfigReader) {
        reader.checkKeys(table, allowed: ["listen"], section: "metrics")
        guard let listen = reader.string(table, "listen", section: "metrics") else { return }
        switch MetricsListenAddress.parse(listen) {
        case .success(let address): config.metricsListen = address
        case .failure(let refusal): reader.fail("listen", section: "metrics", refusal.message)
        }
    }
}
