// readbench: the CPU of one read request inside creditd, without the socket and the threads.
//
//   swift build -c release --product readbench -Xswiftc -enable-testing -Xswiftc -DREADBENCH
//   .build/release/readbench --database PATH [--method balance|history] [--reads N] [--clients K]
//                            [--threads T] [--now RFC3339] [--print]
//
// Each read is a request line as creditbench sends it (`balance.get` of a random client of the
// dataset `creditbench load` built, or `history.list` with limit 20) run through the daemon's own
// path: RPCParser → ReadMethods.run → the reply line (`ReadPathProbe` below). It prints the CPU time
// (user + system) per read, which a busy shared machine disturbs far less than the wall time, and
// a digest of every reply so two builds can be checked to answer the same.
//
// It reaches the daemon's internals with `@testable import`, so the shipped CreditdKit carries no
// benchmark-only API: build it with `-enable-testing -DREADBENCH` as above (like scripts/fuzz.sh
// builds creditd-fuzz); a plain `swift build` compiles only the stub at the bottom.
#if READBENCH
import CreditProtocol
@testable import CreditdKit
import Foundation
import Store

/// The in-process part of a read request as the daemon runs it — parse the line, look up the
/// method, `ReadMethods.run`, build the reply line — without the socket, the access config or
/// any threading.
struct ReadPathProbe {
    let ledger: Ledger
    let caller = Caller(uid: 0, gid: 0, pid: 0, userName: "readbench", role: "owner",
                        permissions: Set(Permission.allCases))

    /// The reply line (no newline) to one single-call request line of a ledger read (a method
    /// `ReadMethods` serves), or nil when the line is not a call with an id or its method writes.
    func reply(to line: [UInt8], nowMs: Int64) -> Data? {
        guard case .single(.request(let request)) = RPCParser.parse(line), let id = request.id,
              let method = Method(rawValue: request.methodName), !method.isMutating else { return nil }
        let call = Call(method: method, params: request.params, caller: caller, paramKeys: request.paramKeys)
        do {
            return RPCReply.result(id: id, try ReadMethods.run(call, ledger: ledger, nowMs: nowMs))
        } catch {
            return RPCReply.error(id: id, RPCError(error))
        }
    }
}

struct Options {
    var database = ""
    var method = "balance"
    var reads = 100_000
    var clients = 100_000
    var threads = 1
    var nowMs = Timestamp("2026-01-05T09:00:00Z")!.ms
    var print = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if flag == "--print" { print = true; continue }
            let value = iterator.next() ?? ""
            switch flag {
            case "--database": database = value
            case "--method": method = value
            case "--reads": reads = Options.count(value)
            case "--clients": clients = Options.count(value)
            case "--threads": threads = Options.count(value)
            case "--now":
                guard let now = Timestamp(value) else { fatalError("--now: not an RFC 3339 instant: \(value)") }
                nowMs = now.ms
            default: fatalError("unknown flag \(flag)")
            }
        }
        precondition(!database.isEmpty, "--database PATH is required")
        precondition(["balance", "history"].contains(method), "--method balance|history")
        precondition(reads >= 1 && clients >= 1 && threads >= 1)
    }

    /// `100k`, `1M` or a plain number.
    static func count(_ text: String) -> Int {
        let multiplier = text.hasSuffix("k") ? 1000 : text.hasSuffix("M") ? 1_000_000 : 1
        guard let value = Int(multiplier == 1 ? text : String(text.dropLast())) else { fatalError("not a count: \(text)") }
        return value * multiplier
    }
}

/// CPU time (user + system) of this process so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// The client ids `creditbench load` writes: `c` and eight digits.
func clientId(_ n: Int) -> String {
    var digits = String(n)
    if digits.count < 8 { digits = String(repeating: "0", count: 8 - digits.count) + digits }
    return "c" + digits
}

/// The request lines of one thread, made before timing starts (as a client would send them).
func lines(_ options: Options, thread: Int, count: Int) -> [[UInt8]] {
    var state = UInt64(thread + 1) &* 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { id in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let client = clientId(Int((state >> 33) % UInt64(options.clients)))
        let line = options.method == "balance"
            ? #"{"jsonrpc":"2.0","id":\#(id),"method":"balance.get","params":{"client":"\#(client)"}}"#
            : #"{"jsonrpc":"2.0","id":\#(id),"method":"history.list","params":{"client":"\#(client)","limit":20}}"#
        return Array(line.utf8)
    }
}

/// FNV-1a over every reply byte: equal digests mean equal replies.
struct Digest {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    var bytes = 0
    mutating func add(_ data: Data) {
        data.withUnsafeBytes { raw in
            for byte in raw { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        bytes += data.count
    }
}

let options = Options(CommandLine.arguments)
let ledger: Ledger
do {
    ledger = try Ledger(path: options.database, studio: Studio(timeZone: "UTC", currency: "EUR"))
} catch {
    fatalError("cannot open \(options.database): \(error)")
}
let probe = ReadPathProbe(ledger: ledger)
let perThread = (options.reads + options.threads - 1) / options.threads
let work = (0..<options.threads).map { lines(options, thread: $0, count: perThread) }
if options.print, let reply = probe.reply(to: work[0][0], nowMs: options.nowMs) {
    print(String(decoding: work[0][0], as: UTF8.self))
    print(String(decoding: reply, as: UTF8.self))
}

final class Results: @unchecked Sendable {
    let lock = NSLock()
    var digests: [Digest]
    var failures = 0
    init(threads: Int) { digests = Array(repeating: Digest(), count: threads) }
}
let results = Results(threads: options.threads)
let cpuStart = cpuSeconds()
let wallStart = DispatchTime.now().uptimeNanoseconds
DispatchQueue.concurrentPerform(iterations: options.threads) { thread in
    var digest = Digest()
    var failures = 0
    for line in work[thread] {
        guard let reply = probe.reply(to: line, nowMs: options.nowMs) else { failures += 1; continue }
        digest.add(reply)
    }
    results.lock.withLock {
        results.digests[thread] = digest
        results.failures += failures
    }
}
let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
let cpu = cpuSeconds() - cpuStart
let reads = perThread * options.threads
let combined = results.digests.reduce(into: Digest()) { total, digest in
    total.value = (total.value ^ digest.value) &* 0x100_0000_01B3
    total.bytes += digest.bytes
}
print(String(format: "readbench %@: %d reads on %d thread(s), %.2f s wall, %.2f s CPU", options.method, reads,
             options.threads, wall, cpu))
print(String(format: "  %.2f µs CPU per read, %.0f reads/s wall; replies: %d bytes, digest %016llx, %d not answered",
             cpu / Double(reads) * 1e6, Double(reads) / wall, combined.bytes, combined.value, results.failures))
print(String(format: "RESULT cpu_us_per_read=%.2f reads_per_s=%.0f", cpu / Double(reads) * 1e6, Double(reads) / wall))
#else
import Foundation

print("readbench: build it with -Xswiftc -enable-testing -Xswiftc -DREADBENCH (see Sources/readbench/main.swift)")
exit(2)
#endif
