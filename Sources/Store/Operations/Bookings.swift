import CreditProtocol
import GRDB

/// Bookings: creating (burn-down), cancelling early or late, waiving, settling, no-shows, completion.
enum Bookings {
    static func create(_ tx: Tx, _ p: BookingCreateParams) throws -> Booking {
        try Validate.id(p.id, "id")
        try Validate.id(p.client, "client")
        try Validate.id(p.sessionType, "session_type")
        let endsAtMs = p.endsAt?.ms ?? p.startsAt.ms + 3_600_000
        try Validate.derivedInstant(endsAtMs, "starts_at \(p.startsAt)", means: "a booking without ends_at lasts one hour")
        guard endsAtMs > p.startsAt.ms else { throw LedgerError.invalidParams("ends_at must be after starts_at") }
        guard endsAtMs - p.startsAt.ms <= Limits.bookingDurationSecondsMax * 1000 else {
            throw LedgerError.limitExceeded("a booking lasts at most \(Limits.bookingDurationSecondsMax) seconds")
        }
        if let cost = p.creditCost { try Validate.range(cost, "credit_cost", 0...Limits.creditCostMax) }
        let type = try tx.sessionType(p.sessionType)
        // A free booking of a type that requires credit would bypass the ledger; waive is the way.
        if p.creditCost == 0, type.requiresCredit {
            throw LedgerError.invalidParams("credit_cost must be at least 1: session type \(type.id) requires credit")
        }
        guard !type.archived else {
            throw LedgerError.sessionTypeArchived("session type \(type.id) is archived: it is not bookable")
        }
        let cost = type.requiresCredit ? (p.creditCost ?? type.creditCost) : 0
        // `already_exists` comes before `not_found` and `insufficient_credits`. Those two are found
        // before anything is written (a refused booking changes no row); the duplicate id is looked
        // for only then, or found by the primary key at the end (after the credits were taken: the
        // group re-runs with savepoints, which a client retrying with an idempotency key never causes).
        let duplicate = LedgerError.alreadyExists("booking \(p.id) already exists")
        var allocations: [Allocation] = []
        let left: Int64
        do {
            left = try use(tx, booking: p.id, client: p.client, type: type, cost: cost, allocations: &allocations)
        } catch {
            throw try exists(tx, id: p.id) ? duplicate : error
        }
        do {
            try insert(tx, p, endsAtMs: endsAtMs, cost: cost, allocations: allocations)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw duplicate
        }
        if !type.booked { try tx.markBooked(type) }
        tx.deadlineChanged()
        // Built from what was just written rather than read back: this is the hot path.
        return Booking(id: p.id, client: p.client, sessionType: type.id, startsAt: p.startsAt,
                       endsAt: Timestamp(ms: endsAtMs), creditCost: cost, status: .booked, allocations: allocations,
                       creditsLeft: left, dryRun: (p.dryRun ?? false) ? true : nil)
    }

    private static let existsSQL = HotSQL("SELECT 1 FROM booking WHERE id = ?")

    private static func exists(_ tx: Tx, id: String) throws -> Bool {
        var found = false
        try tx.statement(existsSQL).forEachRow(binding: { bind in bind(id) }) { _ in found = true }
        return found
    }

    private static let insertSQL = HotSQL("""
        INSERT INTO booking (id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
            complete_at_ms, created_at_ms, allocations) VALUES (?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)
        """)

    private static func insert(_ tx: Tx, _ p: BookingCreateParams, endsAtMs: Int64, cost: Int64,
                               allocations: [Allocation]) throws {
        try tx.statement(insertSQL).run { bind in
                bind(p.id); bind(p.client); bind(p.sessionType); bind(p.startsAt.ms); bind(endsAtMs); bind(cost)
                bind(endsAtMs); bind(tx.nowMs); bind(Allocations.encode(allocations))
            }
    }

    /// Takes `cost` credits in burn-down order; the shortfall is debt if the type allows it.
    /// Returns the credits the client has left for the type. The client must exist and be active.
    private static func use(_ tx: Tx, booking: String, client: String, type: SessionTypeRecord,
                            cost: Int64, allocations: inout [Allocation]) throws -> Int64 {
        let lots = cost > 0 || type.requiresCredit ? try Credits.bookableLots(tx, client: client, type: type.id) : []
        // Checked on every booking (one primary-key lookup): a deactivated client takes none.
        try Exists.activeClient(tx, client)
        let available = lots.reduce(0) { $0 + $1.remaining }
        guard cost > 0 else { return available }
        guard available >= cost || type.allowNegative else {
            throw LedgerError.insufficientCredits(available: available, required: cost)
        }
        var left = cost
        for lot in lots where left > 0 {
            let take = min(lot.remaining, left)
            try LotRecord.setRemaining(tx, id: lot.id, lot.remaining - take)
            try tx.append(.used, client: client, scope: lot.scope, amount: -take, credits: take, lot: lot,
                          booking: booking, sessionType: type.id)
            allocations.append(Allocation(lot: lot.id, credits: take))
            left -= take
        }
        if left > 0 {
            let used = try tx.append(.used, client: client, scope: type.id, amount: -left, credits: left,
                                     booking: booking, rule: ["debt": String(left)], sessionType: type.id)
            try Allocations.insertDebt(tx, client: client, usedEvent: used, booking: booking, scope: type.id,
                                       credits: left)
            allocations.append(Allocation(lot: nil, credits: left))
        }
        return available - cost
    }

    static func cancel(_ tx: Tx, _ p: BookingCancelParams) throws -> Booking {
        try Validate.note(p.note)
        let (booking, held) = try read(tx, id: p.id)
        guard booking.status == .booked else {
            throw LedgerError.invalidState("booking \(p.id) is \(booking.status.rawValue): only a booked session can be cancelled")
        }
        let type = try tx.sessionType(booking.sessionType)
        let earlyUntilMs = booking.startsAt.ms - type.lateCancelWindowS * 1000
        let mode = p.mode ?? .auto
        let early = mode == .early || (mode == .auto && tx.nowMs <= earlyUntilMs)
        var rule: Rule = ["mode": mode.rawValue, "starts_at": booking.startsAt.description,
                    "window_s": String(type.lateCancelWindowS), "cancelled_at": Timestamp(ms: tx.nowMs).description]
        if early {
            rule["decision"] = "early"
            try Allocations.giveBack(tx, held: held, booking: booking, note: p.note, rule: rule)
            try setStatus(tx, p.id, .cancelledEarly, cancelledAtMs: tx.nowMs, settleAtMs: nil)
            // What `get` would read back now: giving credits back changes only the allocations'
            // state, which a booking does not show; the status update is the one just made.
            var cancelled = booking
            cancelled.status = .cancelledEarly
            cancelled.cancelledAt = Timestamp(ms: tx.nowMs)
            cancelled.settlesAt = nil
            return cancelled
        } else {
            let settleAtMs = tx.nowMs + type.lateCancelGraceS * 1000
            try setStatus(tx, p.id, .cancelPending, cancelledAtMs: tx.nowMs, settleAtMs: settleAtMs)
            tx.deadlineChanged()
            if type.lateCancelGraceS == 0 {
                try settleNow(tx, booking: try get(tx, id: p.id), atMs: tx.nowMs, note: p.note, by: "cancel")
            } else if let note = p.note, !note.isEmpty {
                // The note belongs on the `voided` event, written when the cancellation settles.
                try tx.db.execute(sql: "UPDATE booking SET cancel_note = ? WHERE id = ?", arguments: [note, p.id])
            }
        }
        return try get(tx, id: p.id)
    }

    /// Gives a pending late cancellation's credits back. The note given at cancellation is kept: on
    /// the `returned` events (as their note when the waiver gives none, and as `cancel_note` in their rule).
    static func waive(_ tx: Tx, _ p: IdActionParams) throws -> Booking {
        try Validate.note(p.note)
        let (booking, held) = try read(tx, id: p.id)
        guard booking.status == .cancelPending else {
            throw LedgerError.invalidState("booking \(p.id) is \(booking.status.rawValue): only a pending late cancellation can be waived")
        }
        var rule: Rule = ["decision": "waived", "cancelled_at": booking.cancelledAt?.description ?? ""]
        let cancelNote = try pendingNote(tx, id: booking.id)
        if let cancelNote { rule["cancel_note"] = cancelNote }
        let note = (p.note?.isEmpty ?? true) ? cancelNote : p.note
        try Allocations.giveBack(tx, held: held, booking: booking, note: note, rule: rule)
        try setStatus(tx, p.id, .cancelledWaived, cancelledAtMs: booking.cancelledAt?.ms, settleAtMs: nil)
        return try get(tx, id: p.id)
    }

    /// The note given when a pending late cancellation was made (nil when none).
    static func pendingNote(_ tx: Tx, id: String) throws -> String? {
        try String.fetchOne(tx.db, sql: "SELECT cancel_note FROM booking WHERE id = ?", arguments: [id])
    }

    static func settle(_ tx: Tx, _ p: IdActionParams) throws -> Booking {
        try Validate.note(p.note)
        let booking = try get(tx, id: p.id)
        guard booking.status == .cancelPending else {
            throw LedgerError.invalidState("booking \(p.id) is \(booking.status.rawValue): only a pending late cancellation can be settled")
        }
        try settleNow(tx, booking: booking, atMs: tx.nowMs, note: p.note, by: "staff")
        return try get(tx, id: p.id)
    }

    /// Forfeits a pending late cancellation: `voided` (amount 0, credits = cost).
    static func settleNow(_ tx: Tx, booking: Booking, atMs: Int64, note: String?, by: String) throws {
        guard booking.status == .cancelPending else {
            throw LedgerError.internalError("booking \(booking.id) is \(booking.status.rawValue), not a pending late cancellation")
        }
        let pendingNote = try pendingNote(tx, id: booking.id)
        let note = (note?.isEmpty ?? true) ? pendingNote : note
        if booking.creditCost > 0 {
            try tx.append(.voided, client: booking.client, scope: booking.sessionType, amount: 0,
                          credits: booking.creditCost, booking: booking.id, atMs: atMs, note: note,
                          rule: ["decision": "late", "settled_by": by,
                                 "cancelled_at": booking.cancelledAt?.description ?? "",
                                 "starts_at": booking.startsAt.description],
                          sessionType: booking.sessionType)
        }
        try setStatus(tx, booking.id, .cancelledLate, cancelledAtMs: booking.cancelledAt?.ms, settleAtMs: nil)
    }

    private static let setStatusSQL = HotSQL("""
        UPDATE booking SET status = ?, cancelled_at_ms = ?, settle_at_ms = ?,
            complete_at_ms = CASE WHEN ? = 'booked' THEN complete_at_ms ELSE NULL END
        WHERE id = ?
        """)

    static func setStatus(_ tx: Tx, _ id: String, _ status: BookingStatus, cancelledAtMs: Int64?,
                          settleAtMs: Int64?) throws {
        try tx.statement(setStatusSQL).run { bind in
                bind(status.rawValue); bind(cancelledAtMs); bind(settleAtMs); bind(status.rawValue); bind(id)
            }
    }

    private static let selectByIdSQL = HotSQL("SELECT \(columns) FROM booking WHERE id = ?")

    static func get(_ source: some StatementSource, id: String) throws -> Booking {
        try read(source, id: id).booking
    }

    /// The booking `id` and the allocations it still holds, or `not_found`.
    static func read(_ source: some StatementSource, id: String) throws -> (booking: Booking, held: [Allocation]) {
        var found: Booking?
        var allocations = ""
        try source.statement(selectByIdSQL).forEachRow(binding: { bind in bind(id) }) { c in
            // The same columns as `booking(_:_:)`; allocations are decoded once the row is done.
            found = Booking(id: c.string(0), client: c.string(1), sessionType: c.string(2),
                            startsAt: Timestamp(ms: c.int64(3)), endsAt: Timestamp(ms: c.int64(4)),
                            creditCost: c.int64(5), status: BookingStatus(rawValue: c.string(6)) ?? .booked,
                            cancelledAt: c.int64OrNil(7).map(Timestamp.init(ms:)),
                            settlesAt: c.int64OrNil(8).map(Timestamp.init(ms:)), allocations: [], creditsLeft: nil,
                            dryRun: nil)
            allocations = c.string(9)
        }
        guard var booking = found else { throw LedgerError.notFound("booking \(id) not found") }
        booking.allocations = try Allocations.decode(allocations)
        return (booking, Allocations.held(booking.status) ? booking.allocations : [])
    }

    static let columns = """
        id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status, cancelled_at_ms, settle_at_ms,
        allocations
        """

    static func booking(_ db: Database, _ row: Row) throws -> Booking {
        Booking(id: row[0], client: row[1], sessionType: row[2], startsAt: Timestamp(ms: row[3]),
                endsAt: Timestamp(ms: row[4]), creditCost: row[5],
                status: BookingStatus(rawValue: row[6]) ?? .booked,
                cancelledAt: (row[7] as Int64?).map(Timestamp.init(ms:)),
                settlesAt: (row[8] as Int64?).map(Timestamp.init(ms:)),
                allocations: try Allocations.decode(row[9]), creditsLeft: nil, dryRun: nil)
    }

    static func list(_ db: Database, _ p: BookingListParams) throws -> Page<Booking> {
        let limit = try Validate.pageSize(p.limit)
        let after = try Cursor.decode(p.cursor)
        // Only the filters given, so that a client's bookings are searched in booking_client (an
        // `? IS NULL OR client_id = ?` form scans every booking).
        var sql = "SELECT \(columns) FROM booking WHERE 1"
        var arguments: StatementArguments = []
        if let client = p.client { sql += " AND client_id = ?"; arguments += [client] }
        if let status = p.status { sql += " AND status = ?"; arguments += [status.rawValue] }
        if let type = p.sessionType {
            // A misspelt type would otherwise list nothing.
            _ = try SessionTypeRecord.require(db, id: type)
            sql += " AND session_type_id = ?"
            arguments += [type]
        }
        if let from = p.from { sql += " AND starts_at_ms >= ?"; arguments += [from.ms] }
        if let to = p.to { sql += " AND starts_at_ms < ?"; arguments += [to.ms] }
        if let after { sql += " AND (starts_at_ms, id) > (?, ?)"; arguments += [after.ms, after.key] }
        sql += " ORDER BY starts_at_ms, id LIMIT ?"
        arguments += [limit + 1]
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let items = try rows.map { try booking(db, $0) }
        return Setup.page(items, limit: limit) { Cursor.encode(ms: $0.startsAt.ms, key: $0.id) }
    }
}

/// Opaque cursors: "<ms>/<key>" of the last item of the previous page.
enum Cursor {
    static func encode(ms: Int64, key: String) -> String { "\(ms)/\(key)" }

    static func decode(_ text: String?) throws -> (ms: Int64, key: String)? {
        guard let text else { return nil }
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), parts[1].count <= 64 else {
            throw LedgerError.invalidParams("cursor is not one this daemon gave out")
        }
        return (ms, String(parts[1]))
    }
}
