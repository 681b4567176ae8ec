// libFuzzer target over the very code that serves creditd's socket: each input is a byte stream
// from one connection, split by the connection's line framer (LineFramer, as LineFrameDecoder),
// each line taken through Dispatcher.calls(ofLine:) — RPCParser (the request scanner's fast path
// and its scanned params keys, else Foundation), access and permission checks, Backend.prepare's
// params decoding — and run by the daemon's own LedgerBackend (read, write, the test clock's
// clock.set/advance with its DeadlineTimer) on an in-memory ledger. Nothing of the dispatch is
// mirrored here: this file only orders the calls as the connection handler does (a line's writes
// in one Backend.write, as the group-commit writer would, before any later read of the line; a
// write that runs apart, import.commit, through Backend.writeApart after the writes before it).
//
// Built only by scripts/fuzz.sh, which passes `-D FUZZING -sanitize=address -parse-as-library` (and has
// Package.swift add libFuzzer's coverage to creditd's modules); a normal `swift build` compiles the
// trivial `main` at the bottom so this target never breaks it. Each input starts from the same seeded
// ledger (FuzzReset.swift); replies are checked by ReplySyntax.swift.
#if FUZZING
@testable import CreditdKit
import CreditProtocol
import Foundation
import Logging
import Scheduling
import Store

/// The fuzzer's world: one in-memory ledger, put back to its seed state before every input
/// (FuzzReset.swift). libFuzzer calls the entry point from one thread; the state needs no locking.
nonisolated(unsafe) private var world = FuzzWorld()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    world.run(bytes)
    return 0
}

/// SwiftPM links an executable with `main` aliased to `<module>_main` (`--defsym`), which hides
/// libFuzzer's own main(); this is that symbol, and it hands over to libFuzzer's driver.
@_cdecl("creditd_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzTestOneInput)
}

/// libFuzzer's entry for programs with their own main (compiler-rt FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

struct FuzzWorld {
    /// 2026-01-05T09:00:00Z, the integration tests' test-clock start.
    static let startMs: Int64 = 1_767_603_600_000
    /// The framer's line limit here: the daemon's is 1 MiB, beyond libFuzzer's 512-byte inputs;
    /// a small one lets inputs reach the oversized-line path (the same code, another argument).
    static let lineBytesMax = 400
    /// `daemon.backup` gets a directory that cannot be created: the fuzzer must not write files.
    static let backupDirectory = "/dev/null/creditd-fuzz-backups"

    let ledger: Ledger
    /// The test clock, as `creditd --test-clock`: clock.set / clock.advance move it.
    let clock: ManualClock
    /// The daemon's own backend on `ledger` and `clock`.
    let backend: LedgerBackend
    /// The daemon's request counters, as the connection handler passes them.
    var metrics: DaemonMetrics { backend.metrics }

    /// Callers by the input's first byte: 0x01 a read-only role, 0x02 no role; else the owner.
    static let owner = Caller(uid: 0, gid: 0, pid: 1, userName: "fuzz", role: "owner",
                              permissions: Set(Permission.allCases))
    static let reader = Caller(uid: 1, gid: 1, pid: 1, userName: "viewer", role: "reader", permissions: [.read])
    static let stranger = RPCError.permissionDenied("user nobody has no role in creditd's [access] config")

    init() { self.init(ledger: Self.restorableLedger()) }

    private init(ledger: Ledger) {
        self.ledger = ledger
        clock = ManualClock(nowMs: Self.startMs)
        var logger = Logger(label: "creditd-fuzz")
        logger.logLevel = .critical
        backend = LedgerBackend(ledger: ledger, manualClock: clock, backupDirectory: Self.backupDirectory,
                                hub: SubscriptionHub(), logger: logger, connections: { 1 })
    }

    /// A ledger with session types `yoga` and `ws`, clients `c1` and `c2`, and credits for both.
    static func seededLedger() -> Ledger {
        do {
            let ledger = try Ledger(path: nil, studio: Studio(timeZone: "UTC", currency: "EUR"))
            let seed = FuzzWorld(ledger: ledger)
            // Line by line, not through run(_:), which starts from this very seed.
            for line in FuzzSeed.lines.split(separator: "\n") { seed.handle(line: Array(line.utf8), caller: .success(owner)) }
            return ledger
        } catch {
            fatalError("cannot open an in-memory ledger: \(error)")
        }
    }

    mutating func run(_ bytes: [UInt8]) {
        startInput()
        defer { finishInput() }
        var input = bytes[...]
        var caller: Result<Caller, RPCError> = .success(Self.owner)
        switch input.first {
        case 0x01: caller = .success(Self.reader); input = input.dropFirst()
        case 0x02: caller = .failure(Self.stranger); input = input.dropFirst()
        default: break
        }
        for frame in LineFramer.frames(of: Array(input), maxLength: Self.lineBytesMax) {
            guard case .line(let line) = frame else {
                // RPCConnectionHandler answers an oversized line with this, then stops reading.
                check(RPCReply.error(id: .null, .requestLimit("request line too long", limit: Self.lineBytesMax)))
                return
            }
            handle(line: line, caller: caller)
        }
    }

    /// One request line as RPCConnectionHandler takes it, run synchronously: the line's writes go
    /// to the backend as one batch before any read that follows them (read-your-writes).
    func handle(line: [UInt8], caller: Result<Caller, RPCError>) {
        guard let (_, calls) = Dispatcher.calls(ofLine: line, caller: caller, backend: backend, metrics: metrics) else { return }
        var writes: [(id: JSONValue?, write: PreparedWrite)] = []
        for call in calls {
            switch call {
            case .reply(let reply):
                if let reply { check(reply) }
            case .write(let id, let prepared) where backend.runsApart(prepared):
                // RPCConnectionHandler runs it after the line's earlier writes, on its own.
                flush(&writes)
                reply(id, backend.writeApart(prepared).map(\.json))
            case .write(let id, let prepared):
                writes.append((id, prepared))
            case .read(let id, let call):
                flush(&writes)
                reply(id, Result { () throws(WireError) -> Data in try backend.read(call) })
            case .subscribe(let id, let call):
                // Dispatcher.subscribe needs a socket's outlet; its first step is this filter.
                flush(&writes)
                do {
                    _ = try SubscriptionHub.filter(from: call.params)
                    reply(id, .success(Data(#"{"subscription":1}"#.utf8)))
                } catch {
                    if let id { check(RPCReply.error(id: id, error)) }
                }
            }
        }
        flush(&writes)
    }

    /// What the group-commit writer does with queued writes: one `Backend.write`.
    func flush(_ writes: inout [(id: JSONValue?, write: PreparedWrite)]) {
        guard !writes.isEmpty else { return }
        for (write, outcome) in zip(writes, backend.write(writes.map(\.write))) {
            reply(write.id, outcome.map(\.json))
        }
        writes.removeAll()
    }

    func reply(_ id: JSONValue?, _ outcome: Result<Data, WireError>) {
        // An internal error is a bug of the daemon, never the client's fault.
        if case .failure(let error) = outcome, error.reason == .internalError {
            fatalError("internal_error: \(error.message)")
        }
        if let reply = Dispatcher.reply(id: id, outcome) { check(reply) }
    }

    /// Every reply line must be one valid JSON object, and no reply may be an internal error
    /// (those decided before the backend, such as a failed `prepare`, arrive here as bytes).
    func check(_ reply: Data) {
        guard ReplySyntax.isObjectLine(reply) else {
            fatalError("reply is not a JSON object: \(String(decoding: reply, as: UTF8.self))")
        }
        if reply.range(of: Data(#""data":{"reason":"internal_error""#.utf8)) != nil {
            fatalError("internal_error: \(String(decoding: reply, as: UTF8.self))")
        }
    }

    /// Whatever the inputs did, the ledger's invariants hold.
    func checkInvariants() {
        do {
            let result = try ledger.verify()
            if !result.ok { fatalError("daemon.verify found violations: \(result.violations)") }
        } catch {
            fatalError("daemon.verify failed: \(error)")
        }
    }
}

/// The seed state every ledger starts from.
enum FuzzSeed {
    static let lines = """
        {"jsonrpc":"2.0","id":1,"method":"session_type.create","params":{"id":"yoga","name":"Yoga"}}
        {"jsonrpc":"2.0","id":2,"method":"session_type.create","params":{"id":"ws","name":"Workshop","credit_cost":2,"allow_negative":true}}
        {"jsonrpc":"2.0","id":3,"method":"client.create","params":{"id":"c1","name":"Ann"}}
        {"jsonrpc":"2.0","id":4,"method":"client.create","params":{"id":"c2","name":"Bob","email":"bob@example.com"}}
        {"jsonrpc":"2.0","id":5,"method":"credit.issue","params":{"clients":["c1","c2"],"session_type":"yoga","credits":5}}
        {"jsonrpc":"2.0","id":6,"method":"credit.issue","params":{"client":"c1","session_type":"any","credits":2,"expires_on":"2026-03-31"}}
        """
}
#else
// A normal build: an empty program (no statements, so the file also parses under the fuzz
// build's -parse-as-library, which rejects top-level code even in an inactive #if branch).
#endif
