// Bad input at scale: many connections sending garbage while the measured connections run a workload.
//
// Each garbage connection sends one bad line every 1/rate seconds (rate 0: as fast as the daemon
// takes them, one line in flight per connection), reads and discards whatever comes back, and
// reconnects when the daemon closes it. A few threads drive all of them with non-blocking sockets.
import Foundation
import Glibc

struct GarbageStats: Encodable {
    var connections = 0
    var lines = 0
    var bytes = 0
    var replyBytes = 0
    var reconnects = 0
    var connectFailures = 0
}

/// The kinds of bad line, with their share of the mix (percent).
enum GarbageKind: String, CaseIterable {
    case bytes, truncated, notRequest = "not-request", unknownMethod = "unknown-method", wrongTypes = "wrong-types"
    case deep, utf8, batch, long, numbers, oversize

    var weight: Int {
        switch self {
        case .bytes: 20
        case .truncated: 12
        case .notRequest, .unknownMethod, .wrongTypes: 10
        case .deep, .utf8, .batch, .long: 8
        case .numbers: 5
        case .oversize: 1
        }
    }

    /// "all", or a comma-separated list of kinds, or "-kind,-kind" for all but those.
    static func parse(_ text: String) -> [GarbageKind] {
        if text == "all" { return allCases }
        let names = text.split(separator: ",").map(String.init)
        if names.allSatisfy({ $0.hasPrefix("-") }) {
            let excluded = names.map { String($0.dropFirst()) }
            for name in excluded where GarbageKind(rawValue: name) == nil { fail("unknown garbage kind \(name)") }
            return allCases.filter { !excluded.contains($0.rawValue) }
        }
        return names.map { name in
            guard let kind = GarbageKind(rawValue: name) else { fail("unknown garbage kind \(name)") }
            return kind
        }
    }
}

/// The bad lines: every kind of malformed input the protocol must survive.
func garbageLine(_ random: inout FastRandom, kinds: [GarbageKind]) -> [UInt8] {
    var roll = random.below(kinds.reduce(0) { $0 + $1.weight })
    var kind = kinds[0]
    for candidate in kinds {
        if roll < candidate.weight { kind = candidate; break }
        roll -= candidate.weight
    }
    switch kind {
    case .bytes:  // random bytes, no newline inside
        let count = 1 + random.below(200)
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
        return bytes.map { $0 == 10 ? 0 : $0 } + [10]
    case .truncated:
        return Array(#"{"jsonrpc":"2.0","id":7,"method":"balance.get","params":{"client":"#.utf8) + [10]
    case .notRequest:  // valid JSON, not a request
        let values = ["[1,2,3]", #""hello""#, "null", "42", "{}", "[]", "true", #"{"jsonrpc":"1.0"}"#]
        return Array(values[random.below(values.count)].utf8) + [10]
    case .unknownMethod:
        return Array(#"{"jsonrpc":"2.0","id":1,"method":"no.such_method","params":{}}"#.utf8) + [10]
    case .wrongTypes:
        let bodies = [#"{"jsonrpc":"2.0","id":2,"method":"booking.create","params":{"id":5,"client":[]}}"#,
                      #"{"jsonrpc":"2.0","id":3,"method":"credit.issue","params":{"client":"x","credits":"many"}}"#,
                      #"{"jsonrpc":"2.0","id":4,"method":"balance.get","params":[1,2]}"#,
                      #"{"jsonrpc":"2.0","id":{"a":1},"method":"balance.get","params":{"client":"c0"}}"#]
        return Array(bodies[random.below(bodies.count)].utf8) + [10]
    case .deep:  // nested deeper than the limit
        let depth = 40 + random.below(200)
        return [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + [10]
    case .utf8:  // invalid UTF-8 inside a string, NUL bytes
        return Array(#"{"jsonrpc":"2.0","id":5,"method":"balance.get","params":{"client":""#.utf8) + [0xFF, 0xFE, 0, 0xC3]
            + Array(#""}}"#.utf8) + [10]
    case .batch:  // a batch over the batch limit
        let element = Array(#"{"jsonrpc":"2.0","id":1,"method":"x"},"#.utf8)
        var line: [UInt8] = [UInt8(ascii: "[")]
        for _ in 0..<300 { line += element }
        line[line.count - 1] = UInt8(ascii: "]")
        return line + [10]
    case .long:  // a long line of junk (8-64 KiB)
        let count = 8192 + random.below(57_344)
        return [UInt8](repeating: UInt8(ascii: "x"), count: count) + [10]
    case .numbers:  // huge numbers, odd escapes
        return Array(#"{"jsonrpc":"2.0","id":1e999999,"method":"balance.get","params":{"client":"\ud800\u0000"}}"#.utf8) + [10]
    case .oversize:  // a line over the 1 MiB limit: the daemon must refuse it without buffering forever
        return [UInt8](repeating: UInt8(ascii: "{"), count: (1 << 20) + 4096) + [10]
    }
}

final class GarbageFleet: @unchecked Sendable {
    let path: String
    let connections: Int
    let rate: Double
    let threads: Int
    let kinds: [GarbageKind]
    private let lock = NSLock()
    private var totals = GarbageStats()
    private let done = DispatchGroup()

    init(path: String, connections: Int, rate: Double, kinds: [GarbageKind], threads: Int = 4) {
        self.path = path
        self.kinds = kinds
        self.connections = connections
        self.rate = rate
        self.threads = max(1, min(threads, connections))
    }

    /// Starts sending garbage until `until` (uptime ns); `ready` is signalled once every socket is connected.
    func start(until: UInt64) {
        totals.connections = connections
        let ready = DispatchSemaphore(value: 0)
        for thread in 0..<threads {
            let share = connections / threads + (thread < connections % threads ? 1 : 0)
            done.enter()
            let worker = Thread { [self] in
                let stats = run(count: share, seed: UInt64(thread + 1) &* 7919, until: until, ready: ready)
                lock.withLock {
                    totals.lines += stats.lines
                    totals.bytes += stats.bytes
                    totals.replyBytes += stats.replyBytes
                    totals.reconnects += stats.reconnects
                    totals.connectFailures += stats.connectFailures
                }
                done.leave()
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
        for _ in 0..<threads { ready.wait() }
    }

    func finish() -> GarbageStats {
        done.wait()
        return lock.withLock { totals }
    }

    private struct Socket {
        var fd: Int32 = -1
        var pending: [UInt8] = []
        var offset = 0
        var nextAt: UInt64 = 0
        var awaitingReply = false
        var sentAt: UInt64 = 0
    }

    private func run(count: Int, seed: UInt64, until: UInt64, ready: DispatchSemaphore) -> GarbageStats {
        var stats = GarbageStats()
        var random = FastRandom(seed: seed)
        var sockets = [Socket](repeating: Socket(), count: count)
        let interval = rate > 0 ? UInt64(1e9 / rate) : 0
        func reconnect(_ i: Int) {
            if sockets[i].fd >= 0 { close(sockets[i].fd) }
            sockets[i] = Socket()
            let fd = connectUnix(path, nonBlocking: true)
            if fd < 0 {
                stats.connectFailures += 1
                sockets[i].nextAt = nowNs() + 10_000_000
                return
            }
            sockets[i].fd = fd
            // Spread the first lines over one interval so the fleet does not send in lockstep.
            sockets[i].nextAt = nowNs() + (interval > 0 ? UInt64(random.below(Int(interval))) : 0)
        }
        for i in 0..<count { reconnect(i) }
        ready.signal()
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var polls = [pollfd](repeating: pollfd(), count: count)
        while true {
            let now = nowNs()
            if now >= until { break }
            var earliest = until
            for i in 0..<count {
                if sockets[i].fd < 0 {
                    if now >= sockets[i].nextAt { reconnect(i) }
                    continue
                }
                // Closed loop (rate 0): the next line goes once a reply came back, or after 50 ms.
                let due = interval > 0 ? now >= sockets[i].nextAt
                    : (!sockets[i].awaitingReply || now - sockets[i].sentAt > 50_000_000)
                if sockets[i].pending.isEmpty && due {
                    sockets[i].pending = garbageLine(&random, kinds: kinds)
                    sockets[i].offset = 0
                    sockets[i].nextAt = max(sockets[i].nextAt + interval, now)
                    sockets[i].awaitingReply = true
                    sockets[i].sentAt = now
                    stats.lines += 1
                }
                if !sockets[i].pending.isEmpty {
                    let n = sockets[i].pending.withUnsafeBytes { buffer in
                        send(sockets[i].fd, buffer.baseAddress! + sockets[i].offset, buffer.count - sockets[i].offset,
                             Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                    if n > 0 {
                        sockets[i].offset += n
                        stats.bytes += n
                        if sockets[i].offset == sockets[i].pending.count { sockets[i].pending = [] }
                    } else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                        stats.reconnects += 1
                        reconnect(i)
                        continue
                    }
                }
                if interval > 0 { earliest = min(earliest, sockets[i].nextAt) }
            }
            // Wait for replies (or for the next line due), then drain them.
            for i in 0..<count {
                polls[i].fd = sockets[i].fd
                polls[i].events = Int16(POLLIN) | (sockets[i].pending.isEmpty ? 0 : Int16(POLLOUT))
                polls[i].revents = 0
            }
            let pollAt = nowNs()
            let waitNs = earliest > pollAt ? earliest - pollAt : 0
            let timeoutMs = interval > 0 ? Int32(min(waitNs / 1_000_000, 20)) : 5
            _ = poll(&polls, nfds_t(count), timeoutMs)
            for i in 0..<count where polls[i].fd >= 0 && polls[i].revents != 0 {
                if polls[i].revents & Int16(POLLIN | POLLHUP | POLLERR) == 0 { continue }
                var closed = false
                while true {
                    let n = scratch.withUnsafeMutableBytes { recv(sockets[i].fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
                    if n > 0 {
                        stats.replyBytes += n
                        sockets[i].awaitingReply = false
                        if n < scratch.count { break }
                    } else if n == 0 {
                        closed = true
                        break
                    } else {
                        if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { closed = true }
                        break
                    }
                }
                if closed {
                    stats.reconnects += 1
                    reconnect(i)
                }
            }
        }
        for socket in sockets where socket.fd >= 0 { close(socket.fd) }
        return stats
    }
}
