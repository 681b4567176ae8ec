// The dataset generator of `creditbench load` (Loader.swift): every client's history, written
// straight into the ledger's tables as the generator produces it.
import CSQLite
import Foundation

/// The columns the loader writes, per table. Every other column of the Store's schema must be one
/// the Store would leave to its default (NULL or a DEFAULT) for these rows: `checkColumns` verifies
/// that against the file's actual schema, so a new migration that adds a required column, or drops
/// or renames one of these, stops the load with a clear message instead of loading wrong rows.
let loadColumns: [(table: String, columns: [String])] = [
    ("client", ["id", "name", "email", "created_at_ms"]),
    ("lot", ["id", "client_id", "scope", "source", "quantity", "remaining", "effective_at_ms", "expires_at_ms", "note",
             "actor", "created_at_ms"]),
    ("booking", ["id", "client_id", "session_type_id", "starts_at_ms", "ends_at_ms", "credit_cost", "status",
                 "cancelled_at_ms", "created_at_ms", "allocations"]),
    ("event", ["kind", "at_ms", "recorded_at_ms", "client_id", "scope", "lot_id", "booking_id", "amount", "credits",
               "actor", "rule"]),
]

/// Stops the load unless every listed column exists and every other one may be left out.
func checkColumns(_ sqlite: SQLite) {
    for (table, columns) in loadColumns {
        // table_xinfo: cid, name, type, notnull, dflt_value, pk, hidden
        let info = sqlite.prepare("SELECT name, \"notnull\", dflt_value IS NOT NULL, pk, type FROM pragma_table_xinfo('\(table)')")
        var present: Set<String> = []
        while sqlite3_step(info.handle) == SQLITE_ROW {
            let name = String(cString: sqlite3_column_text(info.handle, 0))
            present.insert(name)
            let required = sqlite3_column_int(info.handle, 1) != 0 && sqlite3_column_int(info.handle, 2) == 0
            let rowid = sqlite3_column_int(info.handle, 3) == 1
                && String(cString: sqlite3_column_text(info.handle, 4)).uppercased() == "INTEGER"
            if required && !rowid && !columns.contains(name) {
                fail("load: \(table).\(name) is required by the schema but the loader does not write it (LoadGenerator.swift)")
            }
        }
        for column in columns where !present.contains(column) {
            fail("load: the schema has no \(table).\(column), which the loader writes (LoadGenerator.swift)")
        }
    }
}

/// A multi-row inserter for `table`'s loaded columns, each row `row` (placeholders and constants).
func inserter(_ sqlite: SQLite, _ table: String, _ row: String) -> RowInserter {
    let columns = loadColumns.first { $0.table == table }!.columns
    precondition(row.split(separator: ",").count == columns.count, "\(table): one value per column")
    return RowInserter(db: sqlite.db, prefix: "INSERT INTO \(table) (\(columns.joined(separator: ", ")))", row: row)
}

/// The loader's four inserters, one call per row, in the columns of `loadColumns`.
struct LoadWriter {
    private var clients: RowInserter
    private var lots: RowInserter
    private var bookings: RowInserter
    private var events: RowInserter

    init(_ sqlite: SQLite) {
        checkColumns(sqlite)
        clients = inserter(sqlite, "client", "(?, ?, ?, ?)")
        lots = inserter(sqlite, "lot", "(?, ?, ?, 'manual', ?, ?, ?, ?, NULL, ?, ?)")
        bookings = inserter(sqlite, "booking", "(?, ?, ?, ?, ?, 1, ?, ?, ?, ?)")
        events = inserter(sqlite, "event", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    }

    /// Sends the buffered rows; before COMMIT.
    mutating func flush() {
        clients.flush()
        lots.flush()
        bookings.flush()
        events.flush()
    }

    mutating func client(_ id: String, number n: Int, createdAtMs: Int64) {
        clients.text(id); clients.text("Client \(n)"); clients.text(n % 3 == 0 ? "\(id)@example.com" : nil)
        clients.int(createdAtMs)
        clients.step()
    }

    mutating func lot(_ lot: GeneratorLot, client: String) {
        lots.int(lot.id); lots.text(client); lots.text(lot.scope); lots.int(lot.quantity); lots.int(lot.remaining)
        lots.int(lot.effectiveAtMs); lots.int(lot.expiresAtMs); lots.text(loadActor); lots.int(lot.effectiveAtMs)
        lots.step()
    }

    /// A booking of one credit from `lot` (its allocations, as the Store writes them).
    mutating func booking(_ id: String, client: String, type: String, lot: Int64, startsMs: Int64, cancelledMs: Int64?,
                          atMs: Int64) {
        bookings.text(id); bookings.text(client); bookings.text(type); bookings.int(startsMs)
        bookings.int(startsMs + 3_600_000); bookings.text(cancelledMs == nil ? "completed" : "cancelled_early")
        bookings.int(cancelledMs); bookings.int(atMs); bookings.text("[[\(lot),1]]")
        bookings.step()
    }

    mutating func event(_ kind: String, atMs: Int64, client: String, scope: String, lot: Int64, booking: String?,
               amount: Int64, credits: Int64, rule: String? = nil) {
        events.text(kind); events.int(atMs); events.int(atMs); events.text(client); events.text(scope); events.int(lot)
        events.text(booking); events.int(amount); events.int(credits); events.text(loadActor); events.text(rule)
        events.step()
    }
}

/// Generates the whole dataset into `sqlite`, in transactions of about 500k events.
func fill(_ sqlite: SQLite, options: LoadOptions, nowMs: Int64, started: UInt64) -> LoadCounts {
    var generator = ClientGenerator(writer: LoadWriter(sqlite), nowMs: nowMs, events: options.events,
                                    clients: options.clients)
    var lastReport = started
    var eventsInTransaction = 0
    sqlite.exec("BEGIN")
    for n in 0..<options.clients {
        eventsInTransaction += generator.client(n)
        guard eventsInTransaction >= 500_000 else { continue }
        generator.writer.flush()
        sqlite.exec("COMMIT")
        sqlite.exec("BEGIN")
        eventsInTransaction = 0
        let now = nowNs()
        if !options.json, now - lastReport > 5_000_000_000 {
            lastReport = now
            let counts = generator.counts
            let rate = Double(counts.events) / (Double(now - started) / 1e9)
            FileHandle.standardError.write(Data(String(format: "  %d clients, %d events (%.0f events/s)\n",
                                                       counts.clients, counts.events, rate).utf8))
        }
    }
    generator.writer.flush()
    sqlite.exec("COMMIT")
    return generator.counts
}

/// The deterministic history of each client: `issued` lots, completed bookings and bookings
/// cancelled early, in time order, taking credits in burn-down order.
struct ClientGenerator {
    var writer: LoadWriter
    let nowMs: Int64
    let base: Int
    let extra: Int
    let historyStartMs: Int64
    let historyEndMs: Int64
    private(set) var counts = LoadCounts()
    private var nextLotId: Int64 = 1
    private static let day: Int64 = 86_400_000

    init(writer: LoadWriter, nowMs: Int64, events: Int, clients: Int) {
        self.writer = writer
        self.nowMs = nowMs
        base = events / clients
        extra = events % clients
        historyStartMs = nowMs - 400 * Self.day
        historyEndMs = nowMs - 3 * Self.day  // bookings start up to 2 days after their event, and last 1 hour
    }

    /// Writes client `n` and its history; returns its number of events.
    mutating func client(_ n: Int) -> Int {
        let day = Self.day
        let client = clientId(n)
        let type = sessionTypes[n % sessionTypes.count]
        writer.client(client, number: n, createdAtMs: historyStartMs - day)
        counts.clients += 1

        let budget = base + (n < extra ? 1 : 0)
        let spacing = max(Int64(1), (historyEndMs - historyStartMs) / Int64(budget + 1))
        var atMs = historyStartMs + Int64(n % 1000) * 1000
        var lots: [GeneratorLot] = []
        var left = budget
        var unit = 0
        var bookingNumber = 0
        while left > 0 {
            defer { atMs += spacing; unit += 1 }
            let phase = unit % 6
            guard phase != 0, let index = Self.burnDown(lots, atMs: atMs) else {
                // Alternate the type's own lots (no expiry) and `any` lots that expire 1-2 years from now.
                let own = lots.count % 2 == 0
                let lot = GeneratorLot(id: nextLotId, scope: own ? type : "any", quantity: own ? 5 : 3,
                                       remaining: own ? 5 : 3, effectiveAtMs: atMs,
                                       expiresAtMs: own ? nil : nowMs + 365 * day + Int64(n % 365) * day)
                nextLotId += 1
                lots.append(lot)  // inserted after the client's bookings, with what remains
                counts.lots += 1
                writer.event("issued", atMs: atMs, client: client, scope: lot.scope, lot: lot.id, booking: nil,
                             amount: lot.quantity, credits: lot.quantity)
                left -= 1
                continue
            }
            let early = left >= 2 && (phase == 2 || phase == 4)
            book(lots[index], client: client, type: type, number: bookingNumber, atMs: atMs, early: early)
            bookingNumber += 1
            left -= early ? 2 : 1
            if !early { lots[index].remaining -= 1 }
        }
        for lot in lots { writer.lot(lot, client: client) }
        counts.events += budget
        return budget
    }

    /// A booking at `atMs` on `lot`: completed (`used`), or cancelled early an hour later (`used`,
    /// then `returned` into the same lot with the rule the daemon writes).
    private mutating func book(_ lot: GeneratorLot, client: String, type: String, number: Int, atMs: Int64,
                               early: Bool) {
        let booking = "\(client)-b\(number)"
        let startsMs = atMs + 2 * Self.day
        let cancelledMs = atMs + 3_600_000
        writer.booking(booking, client: client, type: type, lot: lot.id, startsMs: startsMs,
                       cancelledMs: early ? cancelledMs : nil, atMs: atMs)
        counts.bookings += 1
        writer.event("used", atMs: atMs, client: client, scope: lot.scope, lot: lot.id, booking: booking, amount: -1,
                     credits: 1)
        guard early else { return }
        let rule = #"{"cancelled_at":"\#(rfc3339(cancelledMs))","decision":"early","mode":"auto","starts_at":"\#(rfc3339(startsMs))","window_s":"86400"}"#
        writer.event("returned", atMs: cancelledMs, client: client, scope: lot.scope, lot: lot.id, booking: booking,
                     amount: 1, credits: 1, rule: rule)
    }

    /// The lot a booking at `atMs` takes its credit from, in burn-down order: the type's own lots
    /// before `any`; earliest expiry, none last; oldest; lowest id.
    private static func burnDown(_ lots: [GeneratorLot], atMs: Int64) -> Int? {
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
}
