import CreditProtocol
import GRDB

/// `report.liability`: the prepaid credits outstanding (live lots' remaining credits) and their
/// value, the deferred revenue an accountant asks for.
///
/// A package lot's credits are worth the purchase's price over the lot's credits (bonus
/// included): each lot's value is `remaining × price ÷ quantity` in minor units, rounded down.
/// Membership grants and rollovers are listed per plan at value 0 (plans carry no price), and
/// manual credits (transfers included) at 0. At a past instant each lot's remaining credits are
/// those its events (up to that instant) leave, counted as `daemon.verify` counts them.
enum Liability {
    static func report(_ db: Database, _ p: LiabilityParams, nowMs: Int64) throws -> LiabilityReport {
        if let client = p.client {
            try Validate.id(client, "client")
            try Exists.client(db, client)
        }
        let atMs = min(p.asOf?.ms ?? nowMs, nowMs)
        let rows = try Row.fetchAll(db, sql: """
            WITH remaining(lot, credits) AS (\(atMs < nowMs ? pastSQL : currentSQL))
            SELECT CASE WHEN l.purchase_id IS NOT NULL THEN 'package'
                        WHEN l.membership_id IS NOT NULL THEN 'plan' ELSE 'manual' END AS source,
                   COALESCE(pu.package_id, m.plan_id) AS origin,
                   COALESCE(pu.currency, (SELECT currency FROM studio)) AS currency,
                   SUM(r.credits),
                   SUM(CASE WHEN pu.id IS NOT NULL THEN r.credits * pu.price_minor / l.quantity ELSE 0 END)
            FROM remaining r JOIN lot l ON l.id = r.lot
              LEFT JOIN purchase pu ON pu.id = l.purchase_id
              LEFT JOIN membership m ON m.id = l.membership_id
            WHERE r.credits > 0 AND (:client IS NULL OR l.client_id = :client)
            GROUP BY source, origin, currency ORDER BY source, origin, currency
            """, arguments: ["at": atMs, "client": p.client])
        let lines = rows.map { row in
            LiabilityLine(source: row[0], id: row[1], currency: row[2], credits: row[3], valueMinor: row[4])
        }
        var totals: [String: LiabilityTotal] = [:]
        for line in lines {
            var total = totals[line.currency] ?? LiabilityTotal(currency: line.currency, credits: 0, valueMinor: 0)
            total.credits += line.credits
            total.valueMinor += line.valueMinor
            totals[line.currency] = total
        }
        return LiabilityReport(asOf: Timestamp(ms: atMs), lines: lines,
                               totals: totals.values.sorted { $0.currency < $1.currency })
    }

    /// Live lots now (frozen ones too: a paused membership's credits are still owed).
    private static let currentSQL = """
        SELECT id, remaining FROM lot
        WHERE remaining > 0 AND refunded = 0 AND expiry_done = 0 AND effective_at_ms <= :at
          AND (frozen = 1 OR expires_at_ms IS NULL OR expires_at_ms > :at)
        """

    /// Each lot's credits after its events up to `:at`: an expiry or refund is an event too.
    private static let pastSQL = """
        SELECT lot, SUM(credits) FROM (
          SELECT lot_id AS lot, CASE kind WHEN 'issued' THEN credits WHEN 'returned' THEN credits
              WHEN 'transferred_in' THEN credits WHEN 'voided' THEN 0 WHEN 'extended' THEN 0
              ELSE -credits END AS credits
          FROM event WHERE lot_id IS NOT NULL AND at_ms <= :at
          UNION ALL
          SELECT to_lot_id, credits FROM event WHERE to_lot_id IS NOT NULL AND at_ms <= :at)
        GROUP BY lot
        """
}
