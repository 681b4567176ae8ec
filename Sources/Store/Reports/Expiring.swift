import CreditProtocol
import GRDB

/// `report.expiring`: the live lots of every client that expire soon, for reminder emails.
enum Expiring {
    /// Lots with credits left that are in effect, not refunded, not frozen (a paused membership's lots
    /// do not expire) and expire in `(now, now + within_days]`; ordered by expiry, then lot id.
    static func list(_ db: Database, _ p: ExpiringParams, nowMs: Int64) throws -> Page<ExpiringLot> {
        try Validate.range(Int64(p.withinDays), "within_days", 1...Int64(Limits.expiryDaysMax))
        if let scope = p.sessionType, scope != "any" {
            try Validate.id(scope, "session_type")
            _ = try SessionTypeRecord.require(db, id: scope)
        }
        let limit = try Validate.pageSize(p.limit)
        let after = try Cursor.decode(p.cursor)
        let afterLot = try after.map { cursor throws -> Int64 in
            guard let id = Int64(cursor.key) else { throw LedgerError.invalidParams("cursor is not one this daemon gave out") }
            return id
        }
        let untilMs = nowMs + Int64(p.withinDays) * 86_400_000
        let rows = try Row.fetchAll(db, sql: """
            SELECT lot.id, lot.client_id, client.name, client.email, lot.scope, lot.remaining, lot.expires_at_ms
            FROM lot JOIN client ON client.id = lot.client_id
            WHERE lot.remaining > 0 AND lot.refunded = 0 AND lot.frozen = 0 AND lot.expiry_done = 0
              AND lot.effective_at_ms <= ? AND lot.expires_at_ms > ? AND lot.expires_at_ms <= ?
              AND (? IS NULL OR lot.scope = ?)
              AND (? IS NULL OR (lot.expires_at_ms, lot.id) > (?, ?))
            ORDER BY lot.expires_at_ms, lot.id
            LIMIT ?
            """, arguments: [nowMs, nowMs, untilMs, p.sessionType, p.sessionType,
                             after?.ms, after?.ms, afterLot, limit + 1])
        let items = rows.map { row in
            ExpiringLot(lot: row[0], client: row[1], clientName: row[2], email: row[3], scope: row[4],
                        credits: row[5], expiresAt: Timestamp(ms: row[6]))
        }
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let kept = Array(items.prefix(limit))
        return Page(items: kept, nextCursor: kept.last.map { Cursor.encode(ms: $0.expiresAt.ms, key: String($0.lot)) })
    }
}
