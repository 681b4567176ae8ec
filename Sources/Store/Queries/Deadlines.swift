import CreditProtocol
import GRDB
import Scheduling

/// The time-driven work: everything is a deadline column in the database, processed in
/// (instant, kind, subject) order. Processed deadlines are cleared in the same transaction, so a
/// crash or a clock step neither loses nor repeats one.
enum Deadlines {
    static func next(_ db: Database) throws -> Int64? {
        // Cached: the timer asks after every write that may move a deadline.
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT MIN(x) FROM (
              SELECT MIN(settle_at_ms) AS x FROM booking WHERE settle_at_ms IS NOT NULL
              UNION ALL SELECT MIN(complete_at_ms) FROM booking WHERE complete_at_ms IS NOT NULL
              UNION ALL SELECT MIN(expires_at_ms) FROM lot
                WHERE expiry_done = 0 AND expires_at_ms IS NOT NULL AND frozen = 0 AND boundary_expiry = 0
              UNION ALL SELECT MIN(next_boundary_at_ms) FROM membership WHERE next_boundary_at_ms IS NOT NULL
              UNION ALL SELECT MIN(expires_at_ms) FROM idempotency_key)
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
                default: preconditionFailure("deadline subjects are ids")
                }
                all.append(Due(atMs: row[0], kind: kind, subject: subject))
            }
        }
        try collect(.settleCancellation, """
            SELECT settle_at_ms, id FROM booking WHERE settle_at_ms <= ? ORDER BY settle_at_ms, id LIMIT ?
            """)
        try collect(.completeBooking, """
            SELECT complete_at_ms, id FROM booking WHERE complete_at_ms <= ? ORDER BY complete_at_ms, id LIMIT ?
            """)
        try collect(.expireLot, """
            SELECT expires_at_ms, id FROM lot WHERE expires_at_ms <= ? AND expiry_done = 0 AND frozen = 0
              AND boundary_expiry = 0 AND expires_at_ms IS NOT NULL ORDER BY expires_at_ms, id LIMIT ?
            """)
        try collect(.membershipBoundary, """
            SELECT next_boundary_at_ms, id FROM membership WHERE next_boundary_at_ms <= ?
            ORDER BY next_boundary_at_ms, id LIMIT ?
            """)
        try collect(.idempotencyCleanup, """
            SELECT expires_at_ms, key FROM idempotency_key WHERE expires_at_ms <= ? ORDER BY expires_at_ms, key LIMIT ?
            """)
        all.sort()
        return Array(all.prefix(limit))
    }

    static func process(_ tx: Tx, _ due: Due) throws {
        switch due.kind {
        case .settleCancellation:
            let booking = try Bookings.get(tx.db, id: due.subject)
            try Bookings.settleNow(tx, booking: booking, atMs: due.atMs, note: nil, by: "scheduler")
        case .completeBooking:
            try Bookings.setStatus(tx, due.subject, .completed, cancelledAtMs: nil, settleAtMs: nil)
        case .expireLot:
            try expire(tx, lotId: Int64(due.subject)!, atMs: due.atMs)
        case .membershipBoundary:
            try Memberships.boundary(tx, membership: due.subject, dueAtMs: due.atMs)
        case .idempotencyCleanup:
            try tx.db.execute(sql: "DELETE FROM idempotency_key WHERE key = ?", arguments: [due.subject])
        }
    }

    private static func expire(_ tx: Tx, lotId: Int64, atMs: Int64) throws {
        guard let lot = try LotRecord.fetch(tx.db, id: lotId) else { preconditionFailure("due lot \(lotId) vanished") }
        if lot.remaining > 0 {
            try tx.append(.expired, client: lot.clientId, scope: lot.scope, amount: -lot.remaining,
                          credits: lot.remaining, lot: lot, atMs: atMs,
                          rule: ["expires_at": Timestamp(ms: atMs).description])
        }
        try tx.db.cachedStatement(sql: "UPDATE lot SET remaining = 0, expiry_done = 1 WHERE id = ?")
            .execute(arguments: [lotId])
    }
}
