// storebench: release-mode throughput of the Store on a file database with synchronous=FULL.
//
//   swift run -c release storebench [--bookings N] [--batch 64] [--dir PATH] [--raw 0] [--fail-every 0]
//
// It measures bookings applied through `Ledger.performBatch` (one transaction per batch, a savepoint
// per booking, as the daemon's group commit does), then the early cancellation of every one of them
// the same way (the daemon benchmark's other half), and the raw SQLite ceiling on the same disk:
// plain INSERTs with the same batch size, and one commit per row (`--raw 0` skips those).
// `--fail-every N` makes every Nth booking one for a client without credits (insufficient_credits,
// after its booking row was written), to measure batches where some operations fail.
import CSQLite
import CreditProtocol
import Foundation
import Store

struct Options {
    var bookings = 64_000
    var batch = 64
    var dir = FileManager.default.temporaryDirectory.appendingPathComponent("storebench").path
    var raw = true
    var failEvery = 0

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--bookings": bookings = Int(value) ?? bookings
            case "--batch": batch = Int(value) ?? batch
            case "--dir": dir = value
            case "--raw": raw = value != "0"
            case "--fail-every": failEvery = Int(value) ?? failEvery
            default: fatalError("unknown flag \(flag)")
            }
        }
    }
}

/// CPU time (user + system) of this process so far, in seconds: less sensitive than wall time to
/// other load on a shared machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

struct Phase {
    var rate: Double
    var cpuPerOperation: Double
}

/// Applies `count` operations made by `operation(index)` in batches, timing wall and CPU time.
func run<R>(_ ledger: Ledger, _ options: Options, count: Int, nowMs: inout Int64,
            _ operation: (Int) -> LedgerOperation<R>) throws -> Phase {
    var done = 0
    let cpuStart = cpuSeconds()
    let elapsed = try seconds {
        while done < count {
            let ops = (0..<min(options.batch, count - done)).map { operation(done + $0) }
            for (offset, result) in ledger.performBatch(ops, nowMs: nowMs).enumerated() {
                // With --fail-every, exactly the chosen bookings (and so their cancellations) fail.
                if options.failEvery > 0 && (done + offset) % options.failEvery == 0 {
                    precondition((try? result.get()) == nil, "operation \(done + offset) should have failed")
                } else {
                    _ = try result.get()
                }
            }
            done += ops.count
            nowMs += 1
        }
    }
    let cpu = cpuSeconds() - cpuStart
    return Phase(rate: Double(done) / elapsed, cpuPerOperation: cpu / Double(done))
}

// The two timed phases, kept out of line so that a profiler can count each alone, e.g.
// `valgrind --tool=callgrind --toggle-collect='*bookingPhase*' .build/release/storebench --raw 0`.
@inline(never)
func bookingPhase(_ ledger: Ledger, _ options: Options, clients: Int, actor: Actor, nowMs: inout Int64) throws -> Phase {
    let startsAt = Timestamp(ms: nowMs + 86_400_000 * 7)
    return try run(ledger, options, count: options.bookings, nowMs: &nowMs) { i in
        let client = options.failEvery > 0 && i % options.failEvery == 0 ? "broke" : "c\(i % clients)"
        return Ledger.bookingCreate(BookingCreateParams(id: "b\(i)", client: client, sessionType: "yoga",
                                                 startsAt: startsAt), by: actor)
    }
}

/// Bookings start a week ahead: every cancellation is early and gives the credits back to their lots.
@inline(never)
func cancellationPhase(_ ledger: Ledger, _ options: Options, actor: Actor, nowMs: inout Int64) throws -> Phase {
    try run(ledger, options, count: options.bookings, nowMs: &nowMs) { i in
        Ledger.bookingCancel(BookingCancelParams(id: "b\(i)"), by: actor)
    }
}

func benchLedger(_ options: Options) throws -> (book: Phase, cancel: Phase) {
    let path = options.dir + "/ledger.sqlite"
    let ledger = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR"))
    let synchronous = try ledger.synchronousMode()
    precondition(synchronous == 2, "synchronous must be FULL")
    let actor = Actor(user: "bench")
    var now = Timestamp("2026-01-05T09:00:00Z")!.ms
    _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(id: "yoga", name: "Yoga"), by: actor), nowMs: now)
    let clients = 1000
    _ = try ledger.perform(Ledger.clientCreate(ClientCreateParams(id: "broke", name: "No credits"), by: actor), nowMs: now)
    for c in 0..<clients {
        _ = try ledger.perform(Ledger.clientCreate(ClientCreateParams(id: "c\(c)", name: "Client \(c)"), by: actor), nowMs: now)
        _ = try ledger.perform(Ledger.creditIssue(CreditIssueParams(client: "c\(c)", sessionType: "yoga", credits: 100_000), by: actor), nowMs: now)
    }
    let book = try bookingPhase(ledger, options, clients: clients, actor: actor, nowMs: &now)
    let cancel = try cancellationPhase(ledger, options, actor: actor, nowMs: &now)
    let verified = try ledger.verify()
    precondition(verified.ok)
    return (book, cancel)
}

func benchRaw(_ options: Options, batch: Int, rows: Int) -> Double {
    let path = options.dir + "/raw-\(batch).sqlite"
    var db: OpaquePointer?
    precondition(sqlite3_open(path, &db) == SQLITE_OK)
    defer { sqlite3_close(db) }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, client TEXT, amount INTEGER, at INTEGER)", nil, nil, nil)
    var insert: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO t (client, amount, at) VALUES (?, ?, ?)", -1, &insert, nil)
    defer { sqlite3_finalize(insert) }
    let elapsed = seconds {
        var done = 0
        while done < rows {
            sqlite3_exec(db, "BEGIN", nil, nil, nil)
            for i in 0..<batch {
                sqlite3_bind_text(insert, 1, "c\(done + i)", -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                sqlite3_bind_int64(insert, 2, -1)
                sqlite3_bind_int64(insert, 3, Int64(done + i))
                sqlite3_step(insert)
                sqlite3_reset(insert)
            }
            sqlite3_exec(db, "COMMIT", nil, nil, nil)
            done += batch
        }
    }
    return Double(rows) / elapsed
}

let options = Options(CommandLine.arguments)
try? FileManager.default.removeItem(atPath: options.dir)
try FileManager.default.createDirectory(atPath: options.dir, withIntermediateDirectories: true)
let (book, cancel) = try benchLedger(options)
if options.failEvery > 0 { print("every \(options.failEvery)th booking (and its cancel) fails: insufficient_credits (not_found)") }
print("bookings via Ledger.performBatch (batch \(options.batch), synchronous=FULL): \(Int(book.rate)) bookings/s")
print(String(format: "  CPU per booking (user + system): %.1f µs", book.cpuPerOperation * 1e6))
print("early cancellations of those bookings (batch \(options.batch)):        \(Int(cancel.rate)) cancels/s")
print(String(format: "  CPU per cancel (user + system): %.1f µs", cancel.cpuPerOperation * 1e6))
// The Store turns SQLite's memory statistics off before its first connection (SQLiteSetup.swift).
print("SQLite memory statistics: \(sqlite3_memory_used() == 0 ? "off" : "on")")
if options.raw {
    let rawBatched = benchRaw(options, batch: options.batch, rows: options.bookings)
    let rawSingle = benchRaw(options, batch: 1, rows: min(options.bookings, 2000))
    print("raw sqlite3 INSERT, \(options.batch) rows per commit:                  \(Int(rawBatched)) rows/s")
    print("raw sqlite3 INSERT, one commit per row:                          \(Int(rawSingle)) rows/s")
    print(String(format: "ledger / raw batched: %.2f", book.rate / rawBatched))
}
try? FileManager.default.removeItem(atPath: options.dir)
