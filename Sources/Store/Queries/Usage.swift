import CreditProtocol
import GRDB

/// Usage summaries per client, membership or purchase, and per membership cycle. The figures add up:
/// starting + rollover_in + free_cancellations + manual_changes - total_booked - rollover_out - expired
/// - refunded == left.
enum Usage {
    static func summary(_ db: Database, _ p: UsageParams) throws -> UsageSummary {
        try Validate.id(p.client, "client")
        try Exists.client(db, p.client)
        guard p.membership == nil || p.purchase == nil else {
            throw LedgerError.invalidParams("give at most one of membership and purchase")
        }
        if let membership = p.membership {
            let m = try Memberships.get(db, membership)
            guard m.client == p.client else { throw LedgerError.notFound("membership \(membership) of \(p.client) not found") }
            var summary = UsageSummary(client: p.client, membership: membership,
                                       usage: try lotLevel(db, column: "membership_id", id: membership, cycle: nil))
            if p.byCycle == true {
                summary.cycles = try cycles(db, membership: membership)
            }
            return summary
        }
        if let purchase = p.purchase {
            let found = try Sales.get(db, purchase)
            guard found.client == p.client else { throw LedgerError.notFound("purchase \(purchase) of \(p.client) not found") }
            return UsageSummary(client: p.client, purchase: purchase,
                                usage: try lotLevel(db, column: "purchase_id", id: purchase, cycle: nil))
        }
        return UsageSummary(client: p.client, usage: try clientLevel(db, client: p.client))
    }

    private static func clientLevel(_ db: Database, client: String) throws -> UsageFigures {
        let row = try Row.fetchOne(db, sql: """
            SELECT
              COALESCE(SUM(CASE WHEN e.kind = 'issued' AND l.source != 'manual' THEN e.amount END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'issued' AND l.source = 'manual' THEN e.amount END), 0)
                - COALESCE(SUM(CASE WHEN e.kind = 'deleted' THEN e.credits END), 0)
                + COALESCE(SUM(CASE WHEN e.kind = 'transferred_in' OR e.kind = 'transferred_out' THEN e.amount END), 0),
              -COALESCE(SUM(CASE WHEN e.kind = 'used' THEN e.amount END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'returned' THEN e.amount END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'rolled_over' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'expired' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'refunded' THEN e.credits END), 0),
              -- A late cancellation reinstated later (booking.reinstate) gave its credits back.
              COALESCE(SUM(CASE WHEN e.kind = 'voided' AND NOT EXISTS (SELECT 1 FROM booking b
                  WHERE b.id = e.booking_id AND b.status != 'cancelled_late') THEN e.credits END), 0),
              COALESCE(SUM(e.amount), 0)
            FROM event e LEFT JOIN lot l ON l.id = e.lot_id WHERE e.client_id = ?
            """, arguments: [client])!
        var figures = UsageFigures()
        figures.starting = row[0]
        figures.manualChanges = row[1]
        figures.totalBooked = row[2]
        figures.freeCancellations = row[3]
        figures.rolloverIn = row[4]
        figures.rolloverOut = row[4]
        figures.expired = row[5]
        figures.refunded = row[6]
        figures.forfeited = row[7]
        figures.left = row[8]
        return figures
    }

    /// Figures over the lots of one membership or purchase (optionally one cycle), counted in credits.
    private static func lotLevel(_ db: Database, column: String, id: String, cycle: Int?) throws -> UsageFigures {
        let cycleFilter = cycle == nil ? "" : " AND e.cycle = \(cycle!)"
        let row = try Row.fetchOne(db, sql: """
            SELECT
              COALESCE(SUM(CASE WHEN e.kind = 'issued' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'used' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'returned' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'rolled_over' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'deleted' OR e.kind = 'transferred_out' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'expired' THEN e.credits END), 0),
              COALESCE(SUM(CASE WHEN e.kind = 'refunded' THEN e.credits END), 0)
            FROM event e WHERE e.\(column) = ?\(cycleFilter)
            """, arguments: [id])!
        let rolledIn = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(e.credits), 0) FROM event e JOIN lot r ON r.id = e.to_lot_id
            WHERE e.kind = 'rolled_over' AND r.\(column) = ?\(cycle == nil ? "" : " AND r.cycle = \(cycle!)")
            """, arguments: [id]) ?? 0
        // Credits late cancellations kept: every allocation on a lot was made by one `used` event of its
        // credits (at booking, or repaying a debt), and a late cancellation gives none of them back.
        let forfeited = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(e.credits), 0) FROM event e JOIN booking b ON b.id = e.booking_id
            WHERE e.\(column) = ? AND e.kind = 'used' AND b.status = 'cancelled_late'\(cycleFilter)
            """, arguments: [id]) ?? 0
        let left = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(remaining), 0) FROM lot WHERE \(column) = ? AND refunded = 0\(cycle == nil ? "" : " AND cycle = \(cycle!)")
            """, arguments: [id]) ?? 0
        var figures = UsageFigures()
        figures.starting = row[0]
        figures.totalBooked = row[1]
        figures.freeCancellations = row[2]
        figures.rolloverOut = row[3]
        figures.manualChanges = -(row[4] as Int64)
        figures.expired = row[5]
        figures.refunded = row[6]
        figures.rolloverIn = rolledIn
        figures.forfeited = forfeited
        figures.left = left
        return figures
    }

    private static func cycles(_ db: Database, membership: String) throws -> [CycleUsage] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT cycle, MIN(effective_at_ms) FROM lot WHERE membership_id = ? AND source = 'membership'
            GROUP BY cycle ORDER BY cycle
            """, arguments: [membership])
        return try rows.map { row in
            let cycle: Int = row[0]
            return CycleUsage(cycle: cycle, startsAt: Timestamp(ms: row[1]),
                              usage: try lotLevel(db, column: "membership_id", id: membership, cycle: cycle))
        }
    }
}
