// creditbench load: writes a generated dataset straight into a new ledger file, before the daemon starts.
//
//   creditbench load --database PATH [--clients 1000] [--events 10000] [--force] [--verify] [--json]
//
// How (docs/BENCHMARKS.md, "Dataset"):
// 1. `Ledger(path:studio:)` (the Store itself) creates the file, and a side file, and runs every
//    migration, so the schema is exactly the daemon's; the session types are created through the Store.
// 2. Both files are reopened with plain sqlite3 (no mutexes, no memory statistics): journal_mode OFF,
//    synchronous OFF, an exclusive lock and a large page cache (nothing else may have them open).
// 3. Two threads run the same deterministic generator: one inserts clients, lots and events into the
//    ledger file, the other bookings and allocations into the side file, as multi-row INSERTs of 200
//    rows in large transactions, in key order (client ids sort as generated, so indexes grow at the end).
// 4. The side tables are copied in whole into the ledger (SQLite's transfer optimization), the side
//    file is removed, journal_mode goes back to WAL and the file is fsynced.
//
// Every row is one the Store could have written, and every ledger invariant holds (`--verify` runs
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
    var allocations = 0
    var events = 0
}

func load(_ options: LoadOptions) -> Int32 {
    let path = options.database
    let side = path + ".side"
    let manager = FileManager.default
    if manager.fileExists(atPath: path) {
        guard options.force else { fail("load: \(path) exists (use --force to replace it)") }
    }
    for file in [path, side] {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? manager.removeItem(atPath: file + suffix) }
    }
    // No memory statistics: they take a global mutex around every SQLite allocation.
    _ = csqlite_disable_memstatus()
    let started = nowNs()
    let nowMs = Int64(Date().timeIntervalSince1970 * 1000)

    // 1. The Store creates and migrates the files; the session types go through it as well.
    do {
        for file in [path, side] {
            let ledger = try Ledger(path: file, studio: Studio(timeZone: "UTC", currency: "EUR"))
            let actor = Actor(user: loadActor)
            for type in sessionTypes where file == path {
                let name = type.prefix(1).uppercased() + type.dropFirst()
                _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(id: type, name: name), by: actor),
                                       nowMs: nowMs - 500 * 86_400_000)
            }
        }
    } catch {
        fail("load: creating the ledger: \(error)")
    }

    // 2. Two threads run the same deterministic generator: one inserts clients, lots and events into the
    //    ledger file, the other bookings and allocations into a side file of the same schema.
    final class Box: @unchecked Sendable { var counts = LoadCounts() }
    let rowCounts = Box()
    let rowsDone = DispatchSemaphore(value: 0)
    let rowsThread = Thread {
        rowCounts.counts = fill(path: side, events: false, options: options, nowMs: nowMs, started: started)
        rowsDone.signal()
    }
    rowsThread.stackSize = 4 << 20
    rowsThread.start()
    let eventCounts = fill(path: path, events: true, options: options, nowMs: nowMs, started: started)
    rowsDone.wait()
    let inserted = nowNs()

    // 3. The side file's tables are copied in whole: into empty tables of the same schema with the same
    //    indexes, SQLite's transfer optimization copies table and index b-trees page by page, in order.
    let sqlite = SQLite(path: path)
    prepareForLoad(sqlite)
    sqlite.exec("ATTACH DATABASE '\(side.replacingOccurrences(of: "'", with: "''"))' AS side")
    sqlite.exec("BEGIN")
    for table in ["booking", "allocation"] {
        sqlite.exec("INSERT INTO main.\(table) SELECT * FROM side.\(table)")
    }
    // As the Store marks a type at its first booking (it locks the type's requires_credit).
    sqlite.exec("UPDATE session_type SET booked = 1 WHERE id IN (SELECT session_type_id FROM booking)")
    sqlite.exec("COMMIT")
    sqlite.exec("DETACH DATABASE side")
    for suffix in ["", "-wal", "-shm", "-journal"] { try? manager.removeItem(atPath: side + suffix) }
    let copied = nowNs()

    // 4. Back to WAL, as the daemon runs it, and on disk.
    sqlite.exec("PRAGMA locking_mode = NORMAL")
    sqlite.exec("PRAGMA journal_mode = WAL")
    let fd = open(path, O_RDONLY)
    if fd >= 0 { fsync(fd); close(fd) }
    let finished = nowNs()

    var counts = rowCounts.counts
    counts.clients = eventCounts.clients
    counts.lots = eventCounts.lots
    counts.events = eventCounts.events
    let seconds = Double(finished - started) / 1e9
    let rate = Double(counts.events) / seconds
    let bytes = (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

    var verified: VerifyResult?
    var verifySeconds = 0.0
    if options.verify {
        let before = nowNs()
        do {
            verified = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR")).verify()
        } catch {
            fail("load: verify: \(error)")
        }
        verifySeconds = Double(nowNs() - before) / 1e9
    }

    if options.json {
        struct Report: Encodable {
            var database: String
            var counts: LoadCounts
            var seconds: Double
            var insertSeconds: Double
            var copySeconds: Double
            var eventsPerSecond: Double
            var bytes: Int
            var verifyOk: Bool?
            var verifySeconds: Double?
        }
        let report = Report(database: path, counts: counts, seconds: seconds,
                            insertSeconds: Double(inserted - started) / 1e9, copySeconds: Double(copied - inserted) / 1e9,
                            eventsPerSecond: rate.rounded(), bytes: bytes, verifyOk: verified?.ok,
                            verifySeconds: options.verify ? verifySeconds : nil)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
    } else {
        print("creditbench load: \(path)")
        print("  clients \(counts.clients), lots \(counts.lots), bookings \(counts.bookings), allocations \(counts.allocations), events \(counts.events)")
        print(String(format: "  %.1f s (inserts %.1f s, copy %.1f s, sync %.1f s), %.0f events/s, %.0f MiB", seconds,
                     Double(inserted - started) / 1e9, Double(copied - inserted) / 1e9, Double(finished - copied) / 1e9,
                     rate, Double(bytes) / 1_048_576))
        if let verified {
            print(String(format: "  verify: %@ (%.1f s)%@", verified.ok ? "ok" : "FAILED", verifySeconds,
                         verified.ok ? "" : " \(verified.violations.prefix(5))"))
        }
        print(String(format: "RESULT load_events_per_s=%.0f events=%d clients=%d", rate, counts.events, counts.clients))
    }
    return (verified?.ok ?? true) ? 0 : 1
}

/// No journal, no fsync, an exclusive lock, a large cache: nothing else has the file open during a load.
func prepareForLoad(_ sqlite: SQLite) {
    sqlite.exec("PRAGMA journal_mode = DELETE")
    sqlite.exec("PRAGMA journal_mode = OFF")
    sqlite.exec("PRAGMA synchronous = OFF")
    sqlite.exec("PRAGMA locking_mode = EXCLUSIVE")
    sqlite.exec("PRAGMA cache_size = -262144")  // 256 MiB
    sqlite.exec("PRAGMA temp_store = MEMORY")
}

/// Generates the whole dataset and inserts either clients, lots and events, or bookings and allocations.
func fill(path: String, events writeEvents: Bool, options: LoadOptions, nowMs: Int64, started: UInt64) -> LoadCounts {
    let sqlite = SQLite(path: path)
    prepareForLoad(sqlite)
    func inserter(_ prefix: String, _ row: String, _ enabled: Bool) -> RowInserter? {
        enabled ? RowInserter(db: sqlite.db, prefix: prefix, row: row) : nil
    }
    let insertClient = inserter("INSERT INTO client (id, name, email, created_at_ms)", "(?, ?, ?, ?)", writeEvents)
    let insertLot = inserter("""
        INSERT INTO lot (id, client_id, scope, source, quantity, remaining, effective_at_ms, expires_at_ms, note, actor,
            created_at_ms)
        """, "(?, ?, ?, 'manual', ?, ?, ?, ?, NULL, ?, ?)", writeEvents)
    let insertBooking = inserter("""
        INSERT INTO booking (id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
            cancelled_at_ms, created_at_ms)
        """, "(?, ?, ?, ?, ?, 1, ?, ?, ?)", !writeEvents)
    let insertAllocation = inserter("""
        INSERT INTO allocation (booking_id, client_id, scope, lot_id, credits, state, created_at_ms)
        """, "(?, ?, ?, ?, 1, ?, ?)", !writeEvents)
    let insertEvent = inserter("""
        INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, booking_id, amount, credits, actor,
            rule)
        """, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", writeEvents)
    let inserters = [insertClient, insertLot, insertBooking, insertAllocation, insertEvent].compactMap { $0 }

    func event(_ kind: String, atMs: Int64, client: String, scope: String, lot: Int64, booking: String?,
               amount: Int64, credits: Int64, rule: @autoclosure () -> String?) {
        guard let insertEvent else { return }
        insertEvent.text(kind); insertEvent.int(atMs); insertEvent.int(atMs); insertEvent.text(client)
        insertEvent.text(scope); insertEvent.int(lot); insertEvent.text(booking); insertEvent.int(amount)
        insertEvent.int(credits); insertEvent.text(loadActor); insertEvent.text(rule())
        insertEvent.step()
    }
    var counts = LoadCounts()
    var nextLotId: Int64 = 1
    let day: Int64 = 86_400_000
    let historyStartMs = nowMs - 400 * day
    let historyEndMs = nowMs - 3 * day  // bookings start up to 2 days after their event, and last 1 hour
    let base = options.events / options.clients
    let extra = options.events % options.clients
    var lastReport = started

    sqlite.exec("BEGIN")
    var eventsInTransaction = 0
    for n in 0..<options.clients {
        let client = clientId(n)
        let type = sessionTypes[n % sessionTypes.count]
        insertClient?.text(client); insertClient?.text("Client \(n)")
        insertClient?.text(n % 3 == 0 ? "\(client)@example.com" : nil); insertClient?.int(historyStartMs - day)
        insertClient?.step()
        counts.clients += 1

        let budget = base + (n < extra ? 1 : 0)
        let spacing = max(Int64(1), (historyEndMs - historyStartMs) / Int64(budget + 1))
        var atMs = historyStartMs + Int64(n % 1000) * 1000
        var lots: [GeneratorLot] = []
        var left = budget
        var unit = 0
        var bookingNumber = 0

        func issue() {
            // Alternate the type's own lots (no expiry) and `any` lots that expire 1-2 years from now.
            let own = lots.count % 2 == 0
            let scope = own ? type : "any"
            let quantity: Int64 = own ? 5 : 3
            let expires: Int64? = own ? nil : nowMs + 365 * day + Int64(n % 365) * day
            let lot = GeneratorLot(id: nextLotId, scope: scope, quantity: quantity, remaining: quantity,
                                   effectiveAtMs: atMs, expiresAtMs: expires)
            nextLotId += 1
            lots.append(lot)  // inserted after the client's bookings, with what remains
            counts.lots += 1
            event("issued", atMs: atMs, client: client, scope: scope, lot: lot.id, booking: nil, amount: quantity,
                  credits: quantity, rule: nil)
            left -= 1
        }

        /// The lot a booking at `atMs` takes its credit from, in burn-down order.
        func burnDown() -> Int? {
            var best: Int?
            for (index, lot) in lots.enumerated() where lot.remaining > 0 && lot.effectiveAtMs <= atMs {
                guard let current = best else { best = index; continue }
                let a = lot, b = lots[current]
                let aKey = (a.scope == "any" ? 1 : 0, a.expiresAtMs == nil ? 1 : 0, a.expiresAtMs ?? 0, a.effectiveAtMs, a.id)
                let bKey = (b.scope == "any" ? 1 : 0, b.expiresAtMs == nil ? 1 : 0, b.expiresAtMs ?? 0, b.effectiveAtMs, b.id)
                if aKey < bKey { best = index }
            }
            return best
        }

        while left > 0 {
            defer { atMs += spacing; unit += 1 }
            let phase = unit % 6
            guard phase != 0, let index = burnDown() else { issue(); continue }
            let lot = lots[index]
            let booking = "\(client)-b\(bookingNumber)"
            bookingNumber += 1
            let startsMs = atMs + 2 * day
            let early = left >= 2 && (phase == 2 || phase == 4)
            let cancelledMs = atMs + 3_600_000
            insertBooking?.text(booking); insertBooking?.text(client); insertBooking?.text(type)
            insertBooking?.int(startsMs); insertBooking?.int(startsMs + 3_600_000)
            insertBooking?.text(early ? "cancelled_early" : "completed"); insertBooking?.int(early ? cancelledMs : nil)
            insertBooking?.int(atMs)
            insertBooking?.step()
            counts.bookings += 1
            insertAllocation?.text(booking); insertAllocation?.text(client); insertAllocation?.text(lot.scope)
            insertAllocation?.int(lot.id); insertAllocation?.text(early ? "returned" : "held"); insertAllocation?.int(atMs)
            insertAllocation?.step()
            counts.allocations += 1
            event("used", atMs: atMs, client: client, scope: lot.scope, lot: lot.id, booking: booking, amount: -1,
                  credits: 1, rule: nil)
            left -= 1
            if early {
                let rule = #"{"cancelled_at":"\#(rfc3339(cancelledMs))","decision":"early","mode":"auto","starts_at":"\#(rfc3339(startsMs))","window_s":"86400"}"#
                event("returned", atMs: cancelledMs, client: client, scope: lot.scope, lot: lot.id, booking: booking,
                      amount: 1, credits: 1, rule: rule)
                left -= 1
            } else {
                lots[index].remaining -= 1
            }
        }
        for lot in lots {
            insertLot?.int(lot.id); insertLot?.text(client); insertLot?.text(lot.scope); insertLot?.int(lot.quantity)
            insertLot?.int(lot.remaining); insertLot?.int(lot.effectiveAtMs); insertLot?.int(lot.expiresAtMs)
            insertLot?.text(loadActor); insertLot?.int(lot.effectiveAtMs)
            insertLot?.step()
        }
        counts.events += budget
        eventsInTransaction += budget
        if eventsInTransaction >= 500_000 {
            for inserter in inserters { inserter.flush() }
            sqlite.exec("COMMIT")
            sqlite.exec("BEGIN")
            eventsInTransaction = 0
            let now = nowNs()
            if writeEvents, !options.json, now - lastReport > 5_000_000_000 {
                lastReport = now
                let rate = Double(counts.events) / (Double(now - started) / 1e9)
                FileHandle.standardError.write(Data(String(format: "  %d clients, %d events (%.0f events/s)\n",
                                                           counts.clients, counts.events, rate).utf8))
            }
        }
    }
    for inserter in inserters { inserter.flush() }
    sqlite.exec("COMMIT")
    return counts
}
