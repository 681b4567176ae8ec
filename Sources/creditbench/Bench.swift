// The measured connections: N threads, one socket each, a sliding window of pipelined requests.
import CreditProtocol
import Foundation
import Histogram

enum Workload: String, CaseIterable {
    case bookCancel = "book-cancel"
    case balance
    case history
    case studioDay = "studio-day"
}

/// What a request is, for per-method latency.
enum Op: Int, CaseIterable {
    case book, cancel, balance, history
    var method: String {
        switch self {
        case .book: "booking.create"
        case .cancel: "booking.cancel"
        case .balance: "balance.get"
        case .history: "history.list"
        }
    }
}

struct BenchOptions {
    var socket = ""
    var connections = 32
    var seconds = 10.0
    var warmup = 2.0
    var window = 32
    var workload = Workload.bookCancel
    /// Dataset clients (`c00000000`...) the reads pick from; 0: the benchmark's own clients.
    var clients = 0
    var json = false
    var garbage = 0
    var garbageRate = 10.0
    var garbageKinds = GarbageKind.allCases
    var seed: UInt64 = 1
    /// 0: a thread per connection, blocking on its replies; N: the connections shared by N
    /// threads that each poll(2) theirs (as redis-benchmark's one event loop does).
    var threads = 0

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            if flag == "--json" { json = true; continue }
            let value = iterator.next() ?? ""
            switch flag {
            case "--socket": socket = value
            case "--connections": connections = max(1, Int(value) ?? connections)
            case "--seconds": seconds = Double(value) ?? seconds
            case "--warmup": warmup = Double(value) ?? warmup
            // More than the daemon's per-connection cap would only queue in the socket buffer.
            case "--window": window = min(Limits.inFlightPerConnectionMax, max(1, Int(value) ?? window))
            case "--workload":
                guard let named = Workload(rawValue: value) else {
                    fail("unknown workload \(value) (\(Workload.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                workload = named
            case "--clients": clients = requireCount(value, "--clients")
            case "--garbage": garbage = max(0, Int(value) ?? 0)
            case "--garbage-rate": garbageRate = max(0, Double(value) ?? garbageRate)
            case "--garbage-kinds": garbageKinds = GarbageKind.parse(value)
            case "--seed": seed = UInt64(value) ?? seed
            case "--threads": threads = max(0, Int(value) ?? threads)
            default: fail("unknown flag \(flag) (see creditbench --help)")
            }
        }
        if socket.isEmpty { socket = ProcessInfo.processInfo.environment["CREDITD_SOCKET"] ?? ".creditd/creditd.sock" }
    }
}

func newHistogram() -> Histogram<UInt64> {
    // Microseconds, 1 µs to 100 s, 3 significant digits.
    Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000, numberOfSignificantValueDigits: .three)
}

/// What one connection did in the measured interval.
struct Tally {
    var replies = 0
    var errors = 0
    var firstError: String?
    var histograms: [Histogram<UInt64>] = Op.allCases.map { _ in newHistogram() }
    var counts = [Int](repeating: 0, count: Op.allCases.count)
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var tallies: [Tally] = []
    func add(_ tally: Tally) { lock.withLock { tallies.append(tally) } }
    var all: [Tally] { lock.withLock { tallies } }
}

enum Marker { static let error = Array(#""error":"#.utf8) }

/// The requests of one connection. Writes book and then cancel the same booking on the connection's
/// own client, far enough ahead that the cancellation is early: each pair leaves the balance as it was.
struct RequestSource {
    let workload: Workload
    let run: String
    let index: Int
    let ownClient: String
    let readClients: Int  // 0: read the connection's own client
    let ownClientCount: Int
    var random: FastRandom
    var next = 0  // the request number (its JSON id)
    var bookings = 0
    var openBooking: String?  // booked, not yet cancelled

    init(workload: Workload, run: String, index: Int, readClients: Int, ownClientCount: Int, seed: UInt64) {
        self.workload = workload
        self.run = run
        self.index = index
        ownClient = "bench-\(index)"
        self.readClients = readClients
        self.ownClientCount = ownClientCount
        random = FastRandom(seed: seed &* 0x9E37_79B9 &+ UInt64(index + 1))
    }

    var mustFinish: Bool { openBooking != nil }

    private mutating func readClient() -> String {
        readClients > 0 ? clientId(random.below(readClients)) : "bench-\(random.below(ownClientCount))"
    }

    mutating func nextOp() -> Op {
        if openBooking != nil, workload == .bookCancel { return .cancel }
        switch workload {
        case .bookCancel: return .book
        case .balance: return .balance
        case .history: return .history
        case .studioDay:
            // A studio's day: mostly reads (front desk and app), a fifth writes.
            let roll = random.below(100)
            if roll < 60 { return .balance }
            if roll < 80 { return .history }
            return openBooking == nil ? .book : .cancel
        }
    }

    mutating func line(_ op: Op) -> String {
        let id = next
        next += 1
        switch op {
        case .book:
            let booking = "\(run)-\(index)-\(bookings)"
            bookings += 1
            openBooking = booking
            return #"{"jsonrpc":"2.0","id":\#(id),"method":"booking.create","params":{"id":"\#(booking)","client":"\#(ownClient)","session_type":"bench","starts_at":"2099-01-01T10:00:00Z"}}"#
        case .cancel:
            let booking = openBooking ?? ""
            openBooking = nil
            return #"{"jsonrpc":"2.0","id":\#(id),"method":"booking.cancel","params":{"id":"\#(booking)"}}"#
        case .balance:
            return #"{"jsonrpc":"2.0","id":\#(id),"method":"balance.get","params":{"client":"\#(readClient())"}}"#
        case .history:
            return #"{"jsonrpc":"2.0","id":\#(id),"method":"history.list","params":{"client":"\#(readClient())","limit":20}}"#
        }
    }
}

/// The benchmark loop of one connection on a thread of its own (blocking reads).
func drive(connection index: Int, options: BenchOptions, run: String, measureFrom: UInt64, measureUntil: UInt64) -> Tally {
    let driver = ConnectionDriver(index: index, options: options, run: run, measureFrom: measureFrom,
                                  measureUntil: measureUntil)
    driver.start()
    while !driver.finished {
        driver.step { driver.connection.readLines($0) }
    }
    return driver.tally
}

func expectOK(_ reply: String, allowing reason: String? = nil) {
    if reply.contains(#""result":"#) { return }
    if let reason, reply.contains(#""reason":"\#(reason)""#) { return }
    fail("setup failed: \(reply)")
}

struct Summary: Encodable {
    struct Latency: Encodable {
        var count: UInt64
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double
        var mean: Double
    }
    var workload: String
    var connections: Int
    var window: Int
    var seconds: Double
    var warmup: Double
    var datasetClients: Int
    var requests: Int
    var opsPerSecond: Double
    var writesPerSecond: Double
    var errors: Int
    var firstError: String?
    var latencyMs: Latency
    var byMethod: [String: Latency]
    var balancesIntact: Bool
    var garbage: GarbageStats?
    var loadAverage: String
}

func latency(_ histogram: Histogram<UInt64>) -> Summary.Latency {
    func ms(_ us: UInt64) -> Double { (Double(us) / 1000 * 1000).rounded() / 1000 }
    return Summary.Latency(count: histogram.totalCount, p50: ms(histogram.valueAtPercentile(50)),
                           p90: ms(histogram.valueAtPercentile(90)), p99: ms(histogram.valueAtPercentile(99)),
                           p999: ms(histogram.valueAtPercentile(99.9)), max: ms(histogram.max),
                           mean: (histogram.mean / 1000 * 1000).rounded() / 1000)
}

func benchmark(_ options: BenchOptions) -> Int32 {
    raiseFileLimit(to: options.connections + options.garbage + 64)
    let control = Connection(path: options.socket)
    let run = "r\(UInt64(Date().timeIntervalSince1970 * 1000))"

    // Setup: one type, one client per connection with 2 credits (the writes' own clients).
    expectOK(control.call("session_type.create", #"{"id":"bench","name":"Benchmark"}"#), allowing: "already_exists")
    for index in 0..<options.connections {
        expectOK(control.call("client.create", #"{"id":"bench-\#(index)","name":"Bench \#(index)"}"#),
                 allowing: "already_exists")
        let balance = control.call("balance.get", #"{"client":"bench-\#(index)"}"#)
        if !balance.contains(#""total":2"#) {
            expectOK(control.call("credit.issue", #"{"client":"bench-\#(index)","session_type":"bench","credits":2}"#))
        }
    }
    if options.clients > 0 {
        expectOK(control.call("client.get", #"{"id":"\#(clientId(options.clients - 1))"}"#))
    }

    let start = nowNs()
    let measureFrom = start + UInt64(options.warmup * 1e9)
    let measureUntil = measureFrom + UInt64(options.seconds * 1e9)
    var fleet: GarbageFleet?
    if options.garbage > 0 {
        fleet = GarbageFleet(path: options.socket, connections: options.garbage, rate: options.garbageRate,
                             kinds: options.garbageKinds)
        fleet?.start(until: measureUntil)
    }
    let results = Results()
    let done = DispatchGroup()
    if options.threads > 0 {
        let threads = min(options.threads, options.connections)
        for thread in 0..<threads {
            done.enter()
            let indices = Array(stride(from: thread, to: options.connections, by: threads))
            let worker = Thread { [options, run] in
                for tally in drivePolling(connections: indices, options: options, run: run, measureFrom: measureFrom,
                                          measureUntil: measureUntil) { results.add(tally) }
                done.leave()
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
    }
    for index in 0..<options.connections where options.threads == 0 {
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
    let garbage = fleet?.finish()

    let tallies = results.all
    let replies = tallies.reduce(0) { $0 + $1.replies }
    let errors = tallies.reduce(0) { $0 + $1.errors }
    var all = newHistogram()
    var byOp = Op.allCases.map { _ in newHistogram() }
    for tally in tallies {
        for op in Op.allCases {
            byOp[op.rawValue].add(tally.histograms[op.rawValue])
            all.add(tally.histograms[op.rawValue])
        }
    }
    let perSecond = Double(replies) / options.seconds
    let writes = tallies.reduce(0) { $0 + $1.counts[Op.book.rawValue] + $1.counts[Op.cancel.rawValue] }

    // Check: every writing client ends with the 2 credits it started with.
    var wrongBalances = 0
    for index in 0..<options.connections {
        if !control.call("balance.get", #"{"client":"bench-\#(index)"}"#).contains(#""total":2"#) { wrongBalances += 1 }
    }
    let loadAverage = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
        .split(separator: " ").prefix(3).joined(separator: " ")

    var methods: [String: Summary.Latency] = [:]
    for op in Op.allCases where byOp[op.rawValue].totalCount > 0 { methods[op.method] = latency(byOp[op.rawValue]) }
    let summary = Summary(
        workload: options.workload.rawValue, connections: options.connections, window: options.window,
        seconds: options.seconds, warmup: options.warmup, datasetClients: options.clients, requests: replies,
        opsPerSecond: perSecond.rounded(), writesPerSecond: (Double(writes) / options.seconds).rounded(), errors: errors,
        firstError: tallies.compactMap(\.firstError).first, latencyMs: latency(all), byMethod: methods,
        balancesIntact: wrongBalances == 0, garbage: garbage, loadAverage: loadAverage)

    if options.json {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: (try? encoder.encode(summary)) ?? Data(), as: UTF8.self))
    } else {
        printTable(summary)
    }
    return errors == 0 && wrongBalances == 0 ? 0 : 1
}

func printTable(_ s: Summary) {
    print(String(format: "creditbench: workload %@, %d connections x window %d, %.0f s measured after %.0f s warm-up",
                 s.workload, s.connections, s.window, s.seconds, s.warmup)
          + (s.datasetClients > 0 ? ", reads over \(s.datasetClients) dataset clients" : ""))
    print(String(format: "  requests: %d (%.0f/s), durable writes %.0f/s, errors %d",
                 s.requests, s.opsPerSecond, s.writesPerSecond, s.errors))
    if let first = s.firstError { print("  first error: \(first.prefix(300))") }
    let header = "method".padding(toLength: 16, withPad: " ", startingAt: 0)
    print("  \(header)    count      p50      p90      p99    p99.9      max     mean   (ms)")
    func row(_ name: String, _ l: Summary.Latency) {
        print("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
              + String(format: " %8llu %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f", l.count, l.p50, l.p90, l.p99, l.p999, l.max, l.mean))
    }
    for op in Op.allCases { if let l = s.byMethod[op.method] { row(op.method, l) } }
    row("all", s.latencyMs)
    if let g = s.garbage {
        print(String(format: "  garbage: %d connections, %d bad lines (%.0f/s, %.1f MiB), %d reconnects, %d failed connects",
                     g.connections, g.lines, Double(g.lines) / s.seconds, Double(g.bytes) / 1_048_576, g.reconnects,
                     g.connectFailures))
    }
    print("  balances intact: \(s.balancesIntact ? "yes" : "NO")   load average: \(s.loadAverage)")
    print(String(format: "RESULT writes_per_s=%.0f ops_per_s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d",
                 s.writesPerSecond, s.opsPerSecond, s.latencyMs.p50, s.latencyMs.p99, s.errors))
}
