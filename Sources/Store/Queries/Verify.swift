import CreditProtocol
import GRDB

/// Checks every ledger invariant and reports each violation with the ids involved.
enum Verify {
    static func run(_ db: Database) throws -> VerifyResult {
        var violations: [Violation] = []
        try clientBalances(db, &violations)
        try lotBalances(db, &violations)
        try bookingAllocations(db, &violations)
        try lotStates(db, &violations)
        try clientStates(db, &violations)
        try workflowEvents(db, &violations)
        try foreignKeys(db, &violations)
        try skippedDeadlines(db, &violations)
        let counts = try Row.fetchOne(db, sql: """
            SELECT (SELECT COUNT(*) FROM client), (SELECT COUNT(*) FROM lot), (SELECT COUNT(*) FROM event)
            """)!
        return VerifyResult(ok: violations.isEmpty, clients: counts[0], lots: counts[1], events: counts[2],
                            violations: violations)
    }

    /// balance = sum of event amounts = sum of lots' remaining - debt, per client.
    private static func clientBalances(_ db: Database, _ violations: inout [Violation]) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.id,
              COALESCE((SELECT SUM(amount) FROM event WHERE client_id = c.id), 0),
              COALESCE((SELECT SUM(remaining) FROM lot WHERE client_id = c.id AND refunded = 0), 0),
              COALESCE((SELECT SUM(credits) FROM debt WHERE client_id = c.id), 0)
            FROM client c
            """)
        for row in rows {
            let client: String = row[0]
            let events: Int64 = row[1]
            let remaining: Int64 = row[2]
            let debt: Int64 = row[3]
            if events != remaining - debt {
                violations.append(Violation(check: "client_balance", client: client,
                    detail: "sum of event amounts \(events) != lots remaining \(remaining) - debt \(debt)"))
            }
        }
    }

    /// Each lot's remaining equals the signed credits of the events on it. One pass over the events
    /// sums them per lot in memory (one entry per lot): `event.lot_id` has no index (every booking
    /// and cancellation would pay for it), and a GROUP BY would sort every event.
    private static func lotBalances(_ db: Database, _ violations: inout [Violation]) throws {
        var net: [Int64: Int64] = [:]
        // A rolled_over event takes credits from lot_id and gives them to to_lot_id; `extended` moves
        // only the expiry; `transferred_in` fills its new lot as `issued` does.
        try db.makeStatement(sql: """
            SELECT lot_id, CASE kind WHEN 'issued' THEN credits WHEN 'returned' THEN credits
                    WHEN 'transferred_in' THEN credits WHEN 'voided' THEN 0 WHEN 'extended' THEN 0
                    ELSE -credits END, to_lot_id, credits
            FROM event WHERE lot_id IS NOT NULL OR to_lot_id IS NOT NULL
            """).forEachRow(binding: { _ in }) { c in
            if let lot = c.int64OrNil(0) { net[lot, default: 0] += c.int64(1) }
            if let lot = c.int64OrNil(2) { net[lot, default: 0] += c.int64(3) }
        }
        try db.makeStatement(sql: "SELECT id, client_id, remaining FROM lot ORDER BY id").forEachRow(binding: { _ in }) { c in
            let lot = c.int64(0), remaining = c.int64(2), credits = net[lot] ?? 0
            guard remaining != credits else { return }
            violations.append(Violation(check: "lot_balance", client: c.string(1), lot: lot,
                                        detail: "remaining \(remaining) != net credits of its events \(credits)"))
        }
    }

    /// A booking took exactly its cost (held until a status gives it back), and its open debt, if
    /// any, is the one row of `debt` that says so.
    private static func bookingAllocations(_ db: Database, _ violations: inout [Violation]) throws {
        let taken = try Row.fetchAll(db, sql: """
            SELECT b.id, b.client_id, b.status, b.credit_cost,
              (SELECT COALESCE(SUM(value ->> 1), 0) FROM json_each(b.allocations)) AS taken
            FROM booking b WHERE taken != b.credit_cost
            """)
        for row in taken {
            let status: String = row[2], cost: Int64 = row[3], credits: Int64 = row[4]
            violations.append(Violation(check: "booking_allocation", client: row[1], booking: row[0],
                                        detail: "\(status) booking of cost \(cost) took \(credits) credits"))
        }
        // Open debt entries (status still holding) against the debt rows, both ways.
        let debts = try Row.fetchAll(db, sql: """
            WITH owed AS (
              SELECT b.id, b.client_id, (SELECT value ->> 1 FROM json_each(b.allocations) WHERE value ->> 0 IS NULL) AS credits
              FROM booking b
              WHERE b.allocations LIKE '%null%' AND b.status NOT IN ('cancelled_early', 'cancelled_waived'))
            SELECT o.id, o.client_id, o.credits, d.credits FROM owed o
              LEFT JOIN debt d ON d.client_id = o.client_id AND d.booking_id = o.id
              WHERE d.credits IS NOT o.credits
            UNION ALL
            SELECT d.booking_id, d.client_id, NULL, d.credits FROM debt d
              WHERE NOT EXISTS (SELECT 1 FROM owed o WHERE o.id = d.booking_id AND o.client_id = d.client_id)
            """)
        for row in debts {
            let owed: Int64? = row[2], recorded: Int64? = row[3]
            violations.append(Violation(check: "booking_debt", client: row[1], booking: row[0],
                                        detail: "owes \(owed.map(String.init) ?? "nothing") but the debt row says \(recorded.map(String.init) ?? "nothing")"))
        }
    }

    /// Refunded or expired lots keep nothing.
    private static func lotStates(_ db: Database, _ violations: inout [Violation]) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, client_id, remaining, refunded, expiry_done FROM lot
            WHERE remaining > 0 AND (refunded = 1 OR expiry_done = 1)
            """)
        for row in rows {
            let remaining: Int64 = row[2]
            violations.append(Violation(check: "lot_state", client: row[1], lot: row[0],
                                        detail: "a refunded or expired lot still has \(remaining) credits"))
        }
    }

    /// Deadlines the scheduler could not process (`DeadlineFailures`): each names its row.
    private static func skippedDeadlines(_ db: Database, _ violations: inout [Violation]) throws {
        for failure in try DeadlineFailures.all(db, limit: Limits.verifyForeignKeyViolationsMax) {
            let isLot = failure.kind == "expire_lot"
            let isBooking = failure.kind == "settle_cancellation" || failure.kind == "complete_booking"
            violations.append(Violation(
                check: "deadline_skipped", lot: isLot ? Int64(failure.subject) : nil,
                booking: isBooking ? failure.subject : nil,
                detail: "the scheduler skipped \(failure.kind) of \(failure.subject) due \(Timestamp(ms: failure.atMs)): \(failure.reason)"))
        }
    }

    /// Every reference names an existing row. SQLite does not enforce foreign keys on the writer
    /// (see `Ledger.prepare`); this is where a broken one would show.
    private static func foreignKeys(_ db: Database, _ violations: inout [Violation]) throws {
        let rows = try Row.fetchCursor(db, sql: "PRAGMA foreign_key_check")
        var listed = 0
        while listed < Limits.verifyForeignKeyViolationsMax, let row = try rows.next() {
            let table: String = row[0]
            let rowid: Int64? = row[1]
            let parent: String = row[2]
            violations.append(Violation(check: "foreign_key",
                                        detail: "\(table) row \(rowid.map(String.init) ?? "?") names a missing \(parent)"))
            listed += 1
        }
    }
}
