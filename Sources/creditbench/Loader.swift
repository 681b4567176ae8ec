// creditbench load: writes a generated dataset straight into a new ledger file, before the daemon starts.
//
//   creditbench load --database PATH [--clients 1000] [--events 10000] [--force] [--verify] [--json]
//
// How (docs/BENCHMARKS.md, "Dataset"):
// 1. `Ledger(path:studio:)` (the Store itself) creates the file and runs every migration, so the
//    schema is exactly the daemon's; the session types are created through the Store.
// 2. The file is reopened with plain sqlite3 (no mutexes, no memory statistics): journal_mode OFF,
//    synchronous OFF, an exclusive lock, a large page cache (nothing else may have it open), and
//    CHECK constraints not evaluated row by row (`--verify` checks them all afterwards).
// 3. One thread runs the deterministic generator (LoadGenerator.swift) and inserts every table, as
//    multi-row INSERTs of 200 rows in transactions of about 500k events, in key order (client ids
//    sort as generated, so indexes grow at their end).
// 4. journal_mode goes back to WAL and the file is fsynced.
//
// Every row is one the Store could have written, and every ledger invariant holds (`--verify` runs
// `PRAGMA quick_check`, which checks every CHECK and NOT NULL constraint of every row, then
// `Ledger.verify()`, the same check as `daemon.verify`):
// - each client's history is a sequence of units in time order: `issued` (a new lot), a completed
//   booking (`used`, the allocation held), or a booking cancelled early (`used` then `returned` into the
//   same lot, the allocation returned);
// - bookings take credits in burn-down order (the type's own lots, then `any`; earliest expiry, none
//   last; then oldest; then lowest id); every booking started and ended in the past, so it is
//   completed (or cancelled early): no booking deadline is left for the daemon to process;
// - `any` lots expire 1-2 years from now (due long after the benchmark, but balance shows a next
//   expiry); the types' own lots never expire;
// - per client, the sum of event amounts is the sum of lots' remaining (no debt).
// Client ids are `c` + 8 digits, `c00000000` to `c(N-1)`, which the read workloads pick at random.
import CSQLite
import CreditProtocol
import Foundation
import Store

struct LoadOptions {
    var database = ""
    var clients = 1000
    var events = 10_000
    var force = false
    var verify = false
    var json = false

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--force": force = true; continue
            case "--verify": verify = true; continue
            case "--json": json = true; continue
            default: break
            }
            let value = iterator.next() ?? ""
            switch flag {
            case "--database": database = value
            case "--clients": clients = requireCount(value, "--clients")
            case "--events": events = requireCount(value, "--events")
            default: fail("load: unknown flag \(flag)")
            }
        }
        if database.isEmpty { fail("load: --database PATH is required") }
        if clients < 1 || clients > 100_000_000 { fail("load: --clients must be 1 to 100M") }
        if events < clients { fail("load: --events must be at least --clients (each client gets an issue)") }
    }
}

func requireCount(_ text: String, _ flag: String) -> Int {
    guard let count = parseCount(text) else { fail("bad \(flag) \(text)") }
    return count
}

/// "1k", "10M", "250000".
func parseCount(_ text: String) -> Int? {
    let lower = text.lowercased().replacingOccurrences(of: "_", with: "")
    let multipliers: [Character: Int] = ["k": 1_000, "m": 1_000_000]
    if let last = lower.last, let multiplier = multipliers[last] {
        return Double(lower.dropLast()).map { Int($0 * Double(multiplier)) }
    }
    return Int(lower)
}

let sessionTypes = ["yoga", "pilates", "spin", "boxing"]
let loadActor = "admin"  // a Unix user, as the daemon records for staff who issue credits and book

/// RFC 3339 UTC with milliseconds, as `Timestamp.description` writes it (for rule texts).
func rfc3339(_ ms: Int64) -> String { Timestamp(ms: ms).description }

func clientId(_ n: Int) -> String {
    var digits = String(n)
    if digits.count < 8 { digits = String(repeating: "0", count: 8 - digits.count) + digits }
    return "c" + digits
}

struct GeneratorLot {
    var id: Int64
    var scope: String
    var quantity: Int64
    var remaining: Int64
    var effectiveAtMs: Int64
    var expiresAtMs: Int64?
}

struct LoadCounts: Encodable {
    var clients = 0
    var lots = 0
    var bookings = 0
    var events = 0
}

func load(_ options: LoadOptions) -> Int32 {
    let path = options.database
    let manager = FileManager.default
    if manager.fileExists(atPath: path) {
        guard options.force else { fail("load: \(path) exists (use --force to replace it)") }
    }
    for suffix in ["", "-wal", "-shm", "-journal", ".side"] { try? manager.removeItem(atPath: path + suffix) }
    // No memory statistics: they take a global mutex around every SQLite allocation.
    _ = csqlite_disable_memstatus()
    let started = nowNs()
    let nowMs = Int64(Date().timeIntervalSince1970 * 1000)

    // 1. The Store creates and migrates the file; the session types go through it as well.
    do {
        let ledger = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR"))
        let actor = Actor(user: loadActor)
        for type in sessionTypes {
            let name = type.prefix(1).uppercased() + type.dropFirst()
            _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(id: type, name: name), by: actor),
                                   nowMs: nowMs - 500 * 86_400_000)
        }
    } catch {
        fail("load: creating the ledger: \(error)")
    }

    // 2-3. Plain sqlite3, one thread: the generator's rows go straight into every table.
    let sqlite = SQLite(path: path)
    prepareForLoad(sqlite)
    let counts = fill(sqlite, options: options, nowMs: nowMs, started: started)
    // As the Store marks a type at its first booking (it locks the type's requires_credit).
    sqlite.exec("UPDATE session_type SET booked = 1 WHERE id IN (SELECT DISTINCT session_type_id FROM booking)")
    let inserted = nowNs()

    // 4. Back to WAL, as the daemon runs it, and on disk.
    sqlite.exec("PRAGMA ignore_check_constraints = OFF")
    sqlite.exec("PRAGMA locking_mode = NORMAL")
    sqlite.exec("PRAGMA journal_mode = WAL")
    let fd = open(path, O_RDONLY)
    if fd >= 0 { fsync(fd); close(fd) }
    let finished = nowNs()

    let bytes = (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let verified = options.verify ? verifyLoad(path: path) : nil
    report(LoadReport(database: path, counts: counts, seconds: Double(finished - started) / 1e9,
                      insertSeconds: Double(inserted - started) / 1e9, syncSeconds: Double(finished - inserted) / 1e9,
                      bytes: bytes, verify: verified), json: options.json)
    return (verified?.ok ?? true) ? 0 : 1
}

/// No journal, no fsync, an exclusive lock, a large cache: nothing else has the file open during a
/// load. CHECK constraints are not evaluated per row (a third of the load's CPU); the generator
/// writes only valid rows, and `--verify` proves it with `PRAGMA quick_check`.
func prepareForLoad(_ sqlite: SQLite) {
    sqlite.exec("PRAGMA journal_mode = DELETE")
    sqlite.exec("PRAGMA journal_mode = OFF")
    sqlite.exec("PRAGMA synchronous = OFF")
    sqlite.exec("PRAGMA locking_mode = EXCLUSIVE")
    sqlite.exec("PRAGMA cache_size = -262144")  // 256 MiB
    sqlite.exec("PRAGMA temp_store = MEMORY")
    sqlite.exec("PRAGMA ignore_check_constraints = ON")
}

struct LoadVerification: Encodable {
    /// `PRAGMA quick_check`: every page, record, NOT NULL and CHECK constraint ("ok" or the problems).
    var quickCheck: String
    var quickCheckSeconds: Double
    /// `Ledger.verify()`: every ledger invariant, as `daemon.verify`.
    var ledgerOk: Bool
    var violations: [String]
    var ledgerSeconds: Double
    var ok: Bool { quickCheck == "ok" && ledgerOk }
}

func verifyLoad(path: String) -> LoadVerification {
    let before = nowNs()
    var problems: [String] = []
    do {
        let sqlite = SQLite(path: path)
        sqlite.exec("PRAGMA cache_size = -262144")
        let statement = sqlite.prepare("PRAGMA quick_check(20)")
        while sqlite3_step(statement.handle) == SQLITE_ROW {
            problems.append(String(cString: sqlite3_column_text(statement.handle, 0)))
        }
    }
    let checked = nowNs()
    let result: VerifyResult
    do {
        result = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR")).verify()
    } catch {
        fail("load: verify: \(error)")
    }
    return LoadVerification(quickCheck: problems.joined(separator: "; "), quickCheckSeconds: Double(checked - before) / 1e9,
                            ledgerOk: result.ok, violations: result.violations.prefix(5).map { "\($0)" },
                            ledgerSeconds: Double(nowNs() - checked) / 1e9)
}

struct LoadReport: Encodable {
    var database: String
    var counts: LoadCounts
    var seconds: Double
    var insertSeconds: Double
    var syncSeconds: Double
    var bytes: Int
    var verify: LoadVerification?
    var eventsPerSecond: Double

    init(database: String, counts: LoadCounts, seconds: Double, insertSeconds: Double, syncSeconds: Double, bytes: Int,
         verify: LoadVerification?) {
        self.database = database
        self.counts = counts
        self.seconds = seconds
        self.insertSeconds = insertSeconds
        self.syncSeconds = syncSeconds
        self.bytes = bytes
        self.verify = verify
        eventsPerSecond = (Double(counts.events) / seconds).rounded()
    }
}

func report(_ report: LoadReport, json: Bool) {
    if json {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        return
    }
    let counts = report.counts
    print("creditbench load: \(report.database)")
    print("  clients \(counts.clients), lots \(counts.lots), bookings \(counts.bookings), events \(counts.events)")
    print(String(format: "  %.1f s (inserts %.1f s, sync %.1f s), %.0f events/s, %.0f MiB", report.seconds,
                 report.insertSeconds, report.syncSeconds, report.eventsPerSecond, Double(report.bytes) / 1_048_576))
    if let verify = report.verify {
        print(String(format: "  verify: quick_check %@ (%.1f s), ledger %@ (%.1f s)%@", verify.quickCheck,
                     verify.quickCheckSeconds, verify.ledgerOk ? "ok" : "FAILED", verify.ledgerSeconds,
                     verify.ledgerOk ? "" : " \(verify.violations)"))
    }
    print(String(format: "RESULT load_events_per_s=%.0f events=%d clients=%d", report.eventsPerSecond, counts.events,
                 counts.clients))
}
