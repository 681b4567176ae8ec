// creditbench: end-to-end throughput of a running creditd over its Unix socket.
//
//   creditbench --socket PATH [--connections 32] [--seconds 10] [--warmup 2] [--window 32]
//
// Each connection is one thread with its own socket. It keeps `window` requests in flight
// (pipelined JSON lines) and alternates `booking.create` and `booking.cancel` of the same
// booking, far enough ahead that the cancellation is early: every pair is two durable writes
// that leave the client's balance as it was. Only replies received between the end of the
// warm-up and the end of the run count. At the end every client's balance is checked.
import CreditProtocol
import Foundation
import Glibc

struct Options {
    var socket = ""
    var connections = 32
    var seconds = 10.0
    var warmup = 2.0
    var window = 32

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--socket": socket = value
            case "--connections": connections = max(1, Int(value) ?? connections)
            case "--seconds": seconds = Double(value) ?? seconds
            case "--warmup": warmup = Double(value) ?? warmup
            // More than the daemon's per-connection cap would only queue in the socket buffer.
            case "--window": window = min(Limits.inFlightPerConnectionMax, max(2, Int(value) ?? window))
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
        if socket.isEmpty { socket = ProcessInfo.processInfo.environment["CREDITD_SOCKET"] ?? ".creditd/creditd.sock" }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("creditbench: \(message)\n".utf8))
    exit(1)
}

func nowNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// A blocking Unix-socket connection that writes request lines and reads reply lines.
final class Connection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { fail("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { fail("connect \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { fail("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Reads at least one complete line; calls `each` for every complete line available.
    func readLines(_ each: (ArraySlice<UInt8>) -> Void) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
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

    /// One call, one reply line.
    func call(_ method: String, _ params: String, id: Int = 0) -> String {
        write(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8) + [10])
        var reply = ""
        readLines { reply = String(decoding: $0, as: UTF8.self) }
        return reply
    }
}

/// What one connection did in the measured interval.
struct Tally {
    var replies = 0
    var errors = 0
    var firstError: String?
    var latenciesUs: [UInt32] = []
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var tallies: [Tally] = []
    func add(_ tally: Tally) { lock.withLock { tallies.append(tally) } }
    var all: [Tally] { lock.withLock { tallies } }
}

enum Marker { static let error = Array(#""error":"#.utf8) }

func contains(_ line: ArraySlice<UInt8>, _ pattern: [UInt8]) -> Bool {
    guard line.count >= pattern.count else { return false }
    var i = line.startIndex
    while i <= line.endIndex - pattern.count {
        if line[i] == pattern[0], line[i..<(i + pattern.count)].elementsEqual(pattern) { return true }
        i += 1
    }
    return false
}

/// The benchmark loop of one connection: a sliding window of pipelined book/cancel requests.
func drive(connection index: Int, options: Options, run: String, measureFrom: UInt64, measureUntil: UInt64) -> Tally {
    let connection = Connection(path: options.socket)
    let client = "bench-\(index)"
    var next = 0  // request number: its JSON id, and (halved) its booking's number
    var sentAt: [UInt64] = []  // send instants of requests not yet trimmed; replies come in order
    sentAt.reserveCapacity(1 << 16)
    var head = 0  // index in sentAt of the oldest request without a reply
    var tally = Tally()
    tally.latenciesUs.reserveCapacity(1 << 18)

    func requests(_ count: Int) -> [UInt8] {
        var text = ""
        let now = nowNs()
        for _ in 0..<count {
            let booking = "\(run)-\(index)-\(next / 2)"
            if next % 2 == 0 {
                text += #"{"jsonrpc":"2.0","id":\#(next),"method":"booking.create","params":{"id":"\#(booking)","client":"\#(client)","session_type":"bench","starts_at":"2099-01-01T10:00:00Z"}}"#
            } else {
                text += #"{"jsonrpc":"2.0","id":\#(next),"method":"booking.cancel","params":{"id":"\#(booking)"}}"#
            }
            text += "\n"
            sentAt.append(now)
            next += 1
        }
        return Array(text.utf8)
    }

    connection.write(requests(options.window))
    var stopping = false
    while head < sentAt.count {
        var received = 0
        connection.readLines { line in
            let now = nowNs()
            if now >= measureFrom && now < measureUntil {
                tally.replies += 1
                tally.latenciesUs.append(UInt32(min((now - sentAt[head]) / 1000, UInt64(UInt32.max))))
                if contains(line, Marker.error) {
                    tally.errors += 1
                    if tally.firstError == nil { tally.firstError = String(decoding: line, as: UTF8.self) }
                }
            }
            head += 1
            received += 1
        }
        if head > 1 << 15 {  // keep the send-time queue short
            sentAt.removeFirst(head)
            head = 0
        }
        if !stopping, nowNs() >= measureUntil { stopping = true }
        if stopping {
            // Keep pairs whole: stop only after a cancel, so no booking is left holding a credit.
            if next % 2 == 1 { connection.write(requests(1)) }
        } else if received > 0 {
            connection.write(requests(received))
        }
    }
    return tally
}

// MARK: - Main

func expectOK(_ reply: String, allowing reason: String? = nil) {
    if reply.contains(#""result":"#) { return }
    if let reason, reply.contains(#""reason":"\#(reason)""#) { return }
    fail("setup failed: \(reply)")
}

func benchmark(_ options: Options) -> Int32 {
    let control = Connection(path: options.socket)
    let run = "r\(UInt64(Date().timeIntervalSince1970 * 1000))"

    // Setup: one type, one client per connection with 2 credits.
    expectOK(control.call("session_type.create", #"{"id":"bench","name":"Benchmark"}"#), allowing: "already_exists")
    for index in 0..<options.connections {
        expectOK(control.call("client.create", #"{"id":"bench-\#(index)","name":"Bench \#(index)"}"#),
                 allowing: "already_exists")
        let balance = control.call("balance.get", #"{"client":"bench-\#(index)"}"#)
        if !balance.contains(#""total":2"#) {
            expectOK(control.call("credit.issue", #"{"client":"bench-\#(index)","session_type":"bench","credits":2}"#))
        }
    }

    let start = nowNs()
    let measureFrom = start + UInt64(options.warmup * 1e9)
    let measureUntil = measureFrom + UInt64(options.seconds * 1e9)
    let results = Results()
    let done = DispatchGroup()
    for index in 0..<options.connections {
        done.enter()
        let thread = Thread { [options, run] in
            results.add(drive(connection: index, options: options, run: run, measureFrom: measureFrom,
                              measureUntil: measureUntil))
            done.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    done.wait()

    let tallies = results.all
    let replies = tallies.reduce(0) { $0 + $1.replies }
    let errors = tallies.reduce(0) { $0 + $1.errors }
    let latencies = tallies.flatMap(\.latenciesUs).sorted()
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        return Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000
    }
    let perSecond = Double(replies) / options.seconds

    // Check: every client ends with the 2 credits it started with.
    var wrongBalances = 0
    for index in 0..<options.connections {
        if !control.call("balance.get", #"{"client":"bench-\#(index)"}"#).contains(#""total":2"#) { wrongBalances += 1 }
    }

    print(String(format: "creditbench: %d connections, window %d, %.0f s measured after %.0f s warm-up",
                 options.connections, options.window, options.seconds, options.warmup))
    print(String(format: "  durable writes: %d (%.0f/s); book+cancel pairs: %.0f/s", replies, perSecond, perSecond / 2))
    print(String(format: "  latency ms: p50 %.2f  p99 %.2f  max %.2f", percentile(0.5), percentile(0.99), percentile(1.0)))
    print("  errors: \(errors)\(tallies.compactMap(\.firstError).first.map { " (first: \($0))" } ?? "")")
    print("  balances intact: \(wrongBalances == 0 ? "yes" : "NO (\(wrongBalances) clients off)")")
    print(String(format: "RESULT writes_per_s=%.0f pairs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d",
                 perSecond, perSecond / 2, percentile(0.5), percentile(0.99), errors))
    return errors == 0 && wrongBalances == 0 ? 0 : 1
}

exit(benchmark(Options(CommandLine.arguments)))
