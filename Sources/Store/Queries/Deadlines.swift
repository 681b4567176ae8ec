import CreditProtocol
import GRDB
import Scheduling

/// The time-driven work: everything is a deadline column in the database, processed in
/// (instant, kind, subject) order. Processed deadlines are cleared in the same transaction, so a
/// crash or a clock step neither loses nor repeats one.
enum Deadlines {
    static func next(_ db: Database) throws -> Int64? {
        // Cached: the timer asks after every write that may move a deadline. Each kind's earliest
        // deadline walks its index in order and passes over the few skipped ones (`DeadlineFailures`).
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT MIN(x) FROM (
              SELECT (SELECT settle_at_ms FROM booking b WHERE settle_at_ms IS NOT NULL
                AND \(DeadlineFailures.notSkipped(.settleCancellation, at: "b.settle_at_ms", subject: "b.id"))
                ORDER BY settle_at_ms LIMIT 1) AS x
              UNION ALL SELECT (SELECT complete_at_ms FROM booking b WHERE complete_at_ms IS NOT NULL
                AND \(DeadlineFailures.notSkipped(.completeBooking, at: "b.complete_at_ms", subject: "b.id"))
                ORDER BY complete_at_ms LIMIT 1)
              UNION ALL SELECT (SELECT expires_at_ms FROM lot l
                WHERE expiry_done = 0 AND expires_at_ms IS NOT NULL AND frozen = 0 AND boundary_expiry = 0
                AND \(DeadlineFailures.notSkipped(.expireLot, at: "l.expires_at_ms", subject: "CAST(l.id AS TEXT)"))
                ORDER BY expires_at_ms LIMIT 1)
              UNION ALL SELECT (SELECT next_boundary_at_ms FROM membership m WHERE next_boundary_at_ms IS NOT NULL
                AND \(DeadlineFailures.notSkipped(.membershipBoundary, at: "m.next_boundary_at_ms", subject: "m.id"))
                ORDER BY next_boundary_at_ms LIMIT 1)
              UNION ALL SELECT (SELECT expires_at_ms FROM idempotency_key k WHERE
                \(DeadlineFailures.notSkipped(.idempotencyCleanup, at: "k.expires_at_ms", subject: "k.key"))
                ORDER BY expires_at_ms LIMIT 1))
            """))
        return row?[0]
    }

    struct Due: Comparable {
        var atMs: Int64
        var kind: DeadlineKind
        var subject: String
        static func < (a: Due, b: Due) -> Bool { (a.atMs, a.kind.rawValue, a.subject) < (b.atMs, b.kind.rawValue, b.subject) }
    }

    /// Up to `limit` due deadlines, in order.
    static func due(_ db: Database, nowMs: Int64, limit: Int) throws -> [Due] {
        var all: [Due] = []
        func collect(_ kind: DeadlineKind, _ sql: String) throws {
            for row in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [nowMs, limit]) {
                let subject: String
                switch (row[1] as DatabaseValue).storage {
                case .int64(let value): subject = String(value)
                case .string(let value): subject = value
                default: throw LedgerError.internalError("a \(kind.name) deadline has a subject that is not an id")
                }
                all.append(Due(atMs: row[0], kind: kind, subject: subject))
            }
        }
        try collect(.settleCancellation, """
            SELECT settle_at_ms, id FROM booking b WHERE settle_at_ms <= ?
              AND \(DeadlineFailures.notSkipped(.settleCancellation, at: "b.settle_at_ms", subject: "b.id"))
            ORDER BY settle_at_ms, id LIMIT ?
            """)
        try collect(.completeBooking, """
            SELECT complete_at_ms, id FROM booking b WHERE complete_at_ms <= ?
              AND \(DeadlineFailures.notSkipped(.completeBooking, at: "b.complete_at_ms", subject: "b.id"))
            ORDER BY complete_at_ms, id LIMIT ?
            """)
        try collect(.expireLot, """
            SELECT expires_at_ms, id FROM lot l WHERE expires_at_ms <= ? AND expiry_done = 0 AND frozen = 0
              AND boundary_expiry = 0 AND expires_at_ms IS NOT NULL
              AND \(DeadlineFailures.notSkipped(.expireLot, at: "l.expires_at_ms", subject: "CAST(l.id AS TEXT)"))
            ORDER BY expires_at_ms, id LIMIT ?
            """)
        try collect(.membershipBoundary, """
            SELECT next_boundary_at_ms, id FROM membership m WHERE next_boundary_at_ms <= ?
              AND \(DeadlineFailures.notSkipped(.membershipBoundary, at: "m.next_boundary_at_ms", subject: "m.id"))
            ORDER BY next_boundary_at_ms, id LIMIT ?
            """)
        try collect(.idempotencyCleanup, """
            SELECT expires_at_ms, key FROM idempotency_key k WHERE expires_at_ms <= ?
              AND \(DeadlineFailures.notSkipped(.idempotencyCleanup, at: "k.expires_at_ms", subject: "k.key"))
            ORDER BY expires_at_ms, key LIMIT ?
            """)
        all.sort()
        return Array(all.prefix(limit))
    }

    /// Processes `dues` in order. A run of lot expiries (an expiry storm) is done set-wise; the rest
    /// one by one.
    static func process(_ tx: Tx, _ dues: [Due]) throws {
        try forEachRun(dues) { run in
            if run.count == 1 { try process(tx, run[run.startIndex]) } else { try expire(tx, run) }
        }
    }

    /// Calls `body` with each due alone, except that consecutive lot expiries come as one run.
    static func forEachRun(_ dues: [Due], _ body: (ArraySlice<Due>) throws -> Void) rethrows {
        var start = 0
        while start < dues.count {
            var end = start + 1
            if dues[start].kind == .expireLot {
                while end < dues.count, dues[end].kind == .expireLot { end += 1 }
            }
            try body(dues[start..<end])
            start = end
        }
    }

    static func process(_ tx: Tx, _ due: Due) throws {
        switch due.kind {
        case .settleCancellation:
            let booking = try Bookings.get(tx.db, id: due.subject)
            try Bookings.settleNow(tx, booking: booking, atMs: due.atMs, note: nil, by: "scheduler")
        case .completeBooking:
            try Bookings.setStatus(tx, due.subject, .completed, cancelledAtMs: nil, settleAtMs: nil)
        case .expireLot:
            try expire(tx, ArraySlice([due]))
        case .membershipBoundary:
            try Memberships.boundary(tx, membership: due.subject, dueAtMs: due.atMs)
        case .idempotencyCleanup:
            try tx.db.execute(sql: "DELETE FROM idempotency_key WHERE key = ?", arguments: [due.subject])
        }
    }

    /// Expires a run of due lots set-wise: per instant, one SELECT of the lots that still hold credits
    /// and one INSERT ... SELECT of their `expired` events (in lot id order, so the new event ids are
    /// consecutive); then one UPDATE. The events are the ones a lot-by-lot expiry would write.
    private static func expire(_ tx: Tx, _ run: ArraySlice<Due>) throws {
        let ids = try run.map { due in
            guard let id = Int64(due.subject) else { throw LedgerError.internalError("lot id \(due.subject) is not a number") }
            return id
        }
        var records: [EventRecord] = []
        records.reserveCapacity(ids.count)
        var start = run.startIndex
        while start < run.endIndex {
            let atMs = run[start].atMs
            var end = start
            while end < run.endIndex, run[end].atMs == atMs { end += 1 }
            try expire(tx, lots: idList(ids[(start - run.startIndex)..<(end - run.startIndex)]), atMs: atMs,
                       into: &records)
            start = end
        }
        let updated = try tx.db.cachedStatement(sql: """
            UPDATE lot SET remaining = 0, expiry_done = 1 WHERE id IN (SELECT value FROM json_each(?))
            """)
        try updated.execute(arguments: [idList(ids[...])])
        guard tx.db.changesCount == ids.count else { throw LedgerError.internalError("due lots vanished") }
        tx.recordInserted(records)
    }

    /// The `expired` events of the lots in `idList` (a JSON array) due at `atMs`.
    private static func expire(_ tx: Tx, lots idList: String, atMs: Int64, into records: inout [EventRecord]) throws {
        let ruleMap: Rule = ["expires_at": Timestamp(ms: atMs).description]
        let first = records.count
        let cursor = try Row.fetchCursor(tx.db.cachedStatement(sql: """
            SELECT id, client_id, scope, remaining, purchase_id, membership_id, cycle FROM lot
            WHERE id IN (SELECT value FROM json_each(?)) AND remaining > 0 ORDER BY id
            """), arguments: [idList])
        while let lot = try cursor.next() {
            let remaining: Int64 = lot[3]
            records.append(EventRecord(
                id: 0, kind: .expired, atMs: atMs, recordedAtMs: tx.nowMs, clientId: lot[1], scope: lot[2],
                lotId: lot[0], toLotId: nil, bookingId: nil, purchaseId: lot[4], membershipId: lot[5], cycle: lot[6],
                amount: -remaining, credits: remaining, actor: tx.actor.user, staff: tx.actor.staff, note: nil,
                rule: ruleMap))
        }
        guard records.count > first else { return }
        try tx.db.cachedStatement(sql: """
            INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, purchase_id, membership_id,
                cycle, amount, credits, actor, staff, rule)
            SELECT 'expired', ?, ?, client_id, scope, id, purchase_id, membership_id, cycle, -remaining, remaining,
                ?, ?, ?
            FROM lot WHERE id IN (SELECT value FROM json_each(?)) AND remaining > 0 ORDER BY id
            """).execute(arguments: [atMs, tx.nowMs, tx.actor.user, tx.actor.staff, ruleMap.text,
                                     idList])
        let inserted = records.count - first
        guard tx.db.changesCount == inserted else {
            throw LedgerError.internalError("expired events do not match their lots")
        }
        let firstId = tx.db.lastInsertedRowID - Int64(inserted) + 1
        for index in first..<records.count { records[index].id = firstId + Int64(index - first) }
    }

    private static func idList(_ ids: ArraySlice<Int64>) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
