import CreditProtocol
import GRDB

/// `report.activity`: per actor and staff name, what the events of a period say they did.
///
/// - issued: `issued` events (manual issues, sales, membership grants); removed: `deleted`;
///   refunded: `refunded` — each event counted, with its credits;
/// - booked: bookings that took credits (`used` events with a negative amount; a booking spanning
///   lots counts once); cancelled: bookings given back early (`returned` with decision `early`) or
///   forfeited late (`voided`); waived: bookings whose late cancellation was waived (`returned`
///   with decision `waived`) — counted per booking, with the credits of their events.
enum Activity {
    static func report(_ db: Database, _ p: ActivityParams) throws -> ActivityReport {
        guard p.from.ms < p.to.ms else { throw LedgerError.invalidParams("from must be before to") }
        guard p.actor == nil || p.staff == nil else { throw LedgerError.invalidParams("give at most one of actor and staff") }
        if let actor = p.actor { try Validate.text(actor, "actor", max: Limits.nameCharactersMax) }
        if let staff = p.staff { try Validate.text(staff, "staff", max: Limits.staffCharactersMax) }
        let rows = try Row.fetchAll(db, sql: """
            SELECT actor, staff,
              SUM(kind = 'issued'), COALESCE(SUM(CASE WHEN kind = 'issued' THEN credits END), 0),
              SUM(kind = 'deleted'), COALESCE(SUM(CASE WHEN kind = 'deleted' THEN credits END), 0),
              COUNT(DISTINCT CASE WHEN \(booked) THEN booking_id END),
              COALESCE(SUM(CASE WHEN \(booked) THEN credits END), 0),
              COUNT(DISTINCT CASE WHEN \(cancelled) THEN booking_id END),
              COALESCE(SUM(CASE WHEN \(cancelled) THEN credits END), 0),
              COUNT(DISTINCT CASE WHEN \(waived) THEN booking_id END),
              COALESCE(SUM(CASE WHEN \(waived) THEN credits END), 0),
              SUM(kind = 'refunded'), COALESCE(SUM(CASE WHEN kind = 'refunded' THEN credits END), 0)
            FROM event
            WHERE at_ms >= ? AND at_ms < ? AND (? IS NULL OR actor = ?) AND (? IS NULL OR staff = ?)
            GROUP BY actor, staff ORDER BY actor, staff
            """, arguments: [p.from.ms, p.to.ms, p.actor, p.actor, p.staff, p.staff])
        let items = rows.map { row in
            ActivityRow(actor: row[0], staff: row[1],
                        issued: ActivityFigure(count: row[2], credits: row[3]),
                        removed: ActivityFigure(count: row[4], credits: row[5]),
                        booked: ActivityFigure(count: row[6], credits: row[7]),
                        cancelled: ActivityFigure(count: row[8], credits: row[9]),
                        waived: ActivityFigure(count: row[10], credits: row[11]),
                        refunded: ActivityFigure(count: row[12], credits: row[13]))
        }.filter { row in
            // An actor whose events in the period are none of these (expiries, rollovers, transfers) is left out.
            [row.issued, row.removed, row.booked, row.cancelled, row.waived, row.refunded].contains { $0.count > 0 }
        }
        return ActivityReport(from: p.from, to: p.to, items: items)
    }

    private static let booked = "kind = 'used' AND amount < 0"
    private static let cancelled = "((kind = 'returned' AND rule ->> 'decision' = 'early') OR kind = 'voided')"
    private static let waived = "kind = 'returned' AND rule ->> 'decision' = 'waived'"
}
