// libFuzzer target over creditd's request path: the line framer's split, RPCParser, then every
// request through the same decode + ledger calls the daemon makes (WriteMethods.operation +
// Ledger.performBatch for writes, ReadMethods.run for reads), as an owner, on an in-memory ledger.
//
// Built only by scripts/fuzz.sh, which passes `-D FUZZING -sanitize=address -parse-as-library` (and has
// Package.swift add libFuzzer's coverage to creditd's modules); a normal `swift build` compiles the
// trivial `main` at the bottom so this target never breaks it. Each input starts from the same seeded
// ledger (FuzzReset.swift); replies are checked by ReplySyntax.swift.
#if FUZZING
@testable import CreditdKit
import CreditProtocol
import Foundation
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
    /// Deadlines the harness's clock.* may process per input (the daemon has no cap; this keeps
    /// one input from spending minutes on a century of weekly membership cycles).
    static let deadlinesPerInput = 2000
    /// 2026-01-05T09:00:00Z, the integration tests' test-clock start.
    static let startMs: Int64 = 1_767_603_600_000

    var ledger: Ledger
    /// The test clock, as `creditd --test-clock`: clock.set / clock.advance move it.
    var clock = ManualClock(nowMs: FuzzWorld.startMs)
    var nowMs: Int64 { clock.nowMs() }
    let owner = Caller(uid: 0, gid: 0, pid: 1, userName: "fuzz", role: "owner",
                       permissions: Set(Permission.allCases))

    init() { ledger = Self.restorableLedger() }

    /// A ledger with a session type `yoga`, clients `c1` and `c2`, and credits for both.
    static func seededLedger() -> Ledger {
        do {
            let ledger = try Ledger(path: nil, studio: Studio(timeZone: "UTC", currency: "EUR"))
            var seed = FuzzWorld(ledger: ledger)
            // Line by line, not through run(_:), which starts from this very seed.
            for line in FuzzSeed.lines.split(separator: "\n") { seed.handle(line: Array(line.utf8)) }
            return ledger
        } catch {
            fatalError("cannot open an in-memory ledger: \(error)")
        }
    }

    private init(ledger: Ledger) { self.ledger = ledger }

    mutating func run(_ bytes: [UInt8]) {
        startInput()
        defer { finishInput() }
        // The connection handler's framing: lines split at \n, each at most lineBytesMax bytes.
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        where line.count <= Limits.lineBytesMax {
            handle(line: Array(line))
        }
    }

    /// One request line, as Dispatcher.handle: a batch's writes go to the ledger as one batch.
    mutating func handle(line: [UInt8]) {
        let items: [RPCItem]
        switch RPCParser.parse(line) {
        case .blank: return
        case .failure(let error): check(RPCReply.error(id: .null, error)); return
        case .single(let item): items = [item]
        case .batch(let batch): items = batch
        }
        var writes: [(id: JSONValue?, call: Call)] = []
        for item in items {
            let request: RPCRequest
            switch item {
            case .invalid(let id, let error, _): check(RPCReply.error(id: id, error)); continue
            case .request(let valid): request = valid
            }
            let id = request.id ?? .null
            guard let method = Method(rawValue: request.methodName) else {
                check(RPCReply.error(id: id, .methodNotFound(request.methodName)))
                continue
            }
            let call = Call(method: method, params: request.params, caller: owner)
            if method.isMutating {
                writes.append((request.id, call))
            } else {
                reply(id, Result { () throws(WireError) -> Data in try read(call) })
            }
        }
        write(writes)
    }

    /// Reads, including the daemon-level methods LedgerBackend answers itself.
    func read(_ call: Call) throws(WireError) -> Data {
        switch call.method {
        case .eventsSubscribe:
            do { _ = try SubscriptionHub.filter(from: call.params) } catch { throw WireError(error.reason, error.message) }
            return Data(#"{"subscription":1}"#.utf8)
        case .daemonStatus:
            _ = try WireCoding.decode(EmptyParams.self, call.params)
            do { _ = try ledger.counts() } catch { throw error.wire }
            return Data("{}".utf8)
        case .daemonBackup:
            // Decoded only: a fuzzer must not write files.
            _ = try WireCoding.decode(BackupParams.self, call.params)
            return Data("{}".utf8)
        case .clockSet:
            clock.set(nowMs: try WireCoding.decode(ClockSetParams.self, call.params).now.ms)
            try runDue()
            return try WireCoding.encode(ClockResult(now: Timestamp(ms: nowMs)))
        case .clockAdvance:
            let seconds = try WireCoding.decode(ClockAdvanceParams.self, call.params).seconds
            guard seconds >= 0, seconds <= 100 * 366 * 86_400 else {
                throw WireError(.invalidParams, "seconds must be between 0 and 100 years")
            }
            clock.advance(seconds: seconds)
            try runDue()
            return try WireCoding.encode(ClockResult(now: Timestamp(ms: nowMs)))
        default:
            return try ReadMethods.run(call, ledger: ledger, nowMs: nowMs)
        }
    }

    /// What the scheduler's timer does when the clock moves: process due deadlines in batches.
    func runDue() throws(WireError) {
        var budget = Self.deadlinesPerInput
        while budget > 0 {
            let processed: [Int64]
            do { processed = try ledger.processDue(nowMs: nowMs, batchMax: 512) } catch {
                throw WireError(.internalError, "scheduler: \(error)")
            }
            if processed.isEmpty { return }
            budget -= processed.count
        }
    }

    /// LedgerBackend.writeNow: params that do not decode fail alone; the rest is one transaction.
    func write(_ writes: [(id: JSONValue?, call: Call)]) {
        var operations: [LedgerOperation<RawResult>] = []
        var ids: [JSONValue?] = []
        for (id, call) in writes {
            do {
                operations.append(try WriteMethods.operation(for: call))
                ids.append(id)
            } catch {
                reply(id ?? .null, .failure(error))
            }
        }
        guard !operations.isEmpty else { return }
        for (id, outcome) in zip(ids, ledger.performBatch(operations, nowMs: nowMs)) {
            reply(id ?? .null, outcome.map(\.json).mapError(\.wire))
        }
    }

    func reply(_ id: JSONValue, _ outcome: Result<Data, WireError>) {
        switch outcome {
        case .success(let result): check(RPCReply.result(id: id, result))
        case .failure(let error):
            // An internal error is a bug of the daemon, never the client's fault.
            if error.reason == .internalError { fatalError("internal_error: \(error.message)") }
            check(RPCReply.error(id: id, RPCError(error)))
        }
    }

    /// Every reply line must be one valid JSON object.
    func check(_ reply: Data) {
        guard ReplySyntax.isObjectLine(reply) else {
            fatalError("reply is not a JSON object: \(String(decoding: reply, as: UTF8.self))")
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
