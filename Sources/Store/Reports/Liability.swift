import CreditProtocol
import GRDB

/// `report.liability`: the prepaid credits outstanding now (live lots' remaining credits) and
/// their value, the deferred revenue an accountant asks for.
///
/// A package lot's credits are worth the purchase's price over the lot's credits (bonus
/// included): each lot's value is `remaining × price ÷ quantity` in minor units, rounded down.
/// Membership grants and rollovers are listed per plan at value 0 (plans carry no price), and
/// manual credits (transfers included) at 0.
enum Liability {
    static func report(_ db: Database, _ p: LiabilityParams, nowMs: Int64) throws -> LiabilityReport {
        if let client = p.client {
            try Validate.id(client, "client")
            try Exists.client(db, client)
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT CASE WHEN l.purchase_id IS NOT NULL THEN 'package'
                        WHEN l.membership_id IS NOT NULL THEN 'plan' ELSE 'manual' END AS source,
                   COALESCE(pu.package_id, m.plan_id) AS origin,
                   COALESCE(pu.currency, (SELECT currency FROM studio)) AS currency,
                   SUM(l.remaining),
                   SUM(CASE WHEN pu.id IS NOT NULL THEN l.remaining * pu.price_minor / l.quantity ELSE 0 END)
            FROM lot l
              LEFT JOIN purchase pu ON pu.id = l.purchase_id
              LEFT JOIN membership m ON m.id = l.membership_id
            WHERE l.remaining > 0 AND l.refunded = 0 AND l.expiry_done = 0 AND l.effective_at_ms <= ?
              AND (l.frozen = 1 OR l.expires_at_ms IS NULL OR l.expires_at_ms > ?)
              AND (? IS NULL OR l.client_id = ?)
            GROUP BY source, origin, currency ORDER BY source, origin, currency
            """, arguments: [nowMs, nowMs, p.client, p.client])
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
        return LiabilityReport(asOf: Timestamp(ms: nowMs), lines: lines,
                               totals: totals.values.sorted { $0.currency < $1.currency })
    }
}
