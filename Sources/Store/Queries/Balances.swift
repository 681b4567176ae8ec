import CreditProtocol
import GRDB

/// Balances, now or as of a past instant.
enum Balances {
    static func get(_ tx: Tx, _ p: BalanceParams) throws -> Balance {
        try Validate.id(p.client, "client")
        try Exists.client(tx.db, p.client)
        if let asOf = p.asOf, asOf.ms < tx.nowMs { return try asOfPast(tx.db, client: p.client, atMs: asOf.ms) }
        let now = tx.nowMs
        // Live lots per scope, with the earliest expiry and how many credits expire then. A frozen
        // lot (paused membership) is live whatever its expiry says: resuming shifts that expiry.
        let lotRows = try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT scope, SUM(remaining), MIN(CASE WHEN frozen = 0 THEN expires_at_ms END) FROM lot
            WHERE client_id = ? AND remaining > 0 AND refunded = 0 AND expiry_done = 0
              AND effective_at_ms <= ? AND (frozen = 1 OR expires_at_ms IS NULL OR expires_at_ms > ?)
            GROUP BY scope
            """), arguments: [p.client, now, now])
        var credits: [String: Int64] = [:]
        var expiries: [String: NextExpiry] = [:]
        for row in lotRows {
            let scope: String = row[0]
            credits[scope] = row[1]
            if let firstMs: Int64 = row[2] {
                let due = try Int64.fetchOne(tx.db.cachedStatement(sql: """
                    SELECT SUM(remaining) FROM lot WHERE client_id = ? AND scope = ? AND expires_at_ms = ?
                      AND remaining > 0 AND refunded = 0 AND expiry_done = 0 AND frozen = 0 AND effective_at_ms <= ?
                    """), arguments: [p.client, scope, firstMs, now]) ?? 0
                expiries[scope] = NextExpiry(at: Timestamp(ms: firstMs), credits: due)
            }
        }
        let debts = try debtByScope(tx.db, client: p.client)
        for (scope, owed) in debts { credits[scope, default: 0] -= owed }
        return try assemble(tx.db, client: p.client, credits: credits, expiries: expiries,
                            debt: debts.values.reduce(0, +))
    }

    static func debtByScope(_ db: Database, client: String) throws -> [String: Int64] {
        var debts: [String: Int64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT scope, SUM(credits) FROM allocation WHERE client_id = ? AND lot_id IS NULL AND state = 'held'
            GROUP BY scope
            """), arguments: [client]) {
            debts[row[0]] = row[1]
        }
        return debts
    }

    /// The balance at a past instant is the sum of the amounts of events that took effect by then.
    private static func asOfPast(_ db: Database, client: String, atMs: Int64) throws -> Balance {
        var credits: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT scope, SUM(amount) FROM event WHERE client_id = ? AND at_ms <= ? GROUP BY scope
            """, arguments: [client, atMs]) {
            credits[row[0]] = row[1]
        }
        // Debt then: credits used without a lot, less debt cancelled by early returns, less debt repaid
        // (repayments are `used` events of amount 0 on the repaying lot).
        let debt = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(CASE
                WHEN kind = 'used' AND lot_id IS NULL THEN credits
                WHEN kind = 'returned' AND lot_id IS NULL THEN -credits
                WHEN kind = 'used' AND amount = 0 THEN -credits
                ELSE 0 END), 0)
            FROM event WHERE client_id = ? AND at_ms <= ?
            """, arguments: [client, atMs]) ?? 0
        return try assemble(db, client: client, credits: credits, expiries: [:], debt: debt)
    }

    private static func assemble(_ db: Database, client: String, credits: [String: Int64],
                                 expiries: [String: NextExpiry], debt: Int64) throws -> Balance {
        var scopes: [ScopeBalance] = []
        for scope in credits.keys.sorted() where credits[scope] != 0 || expiries[scope] != nil {
            let archived = scope == "any" ? false
                : (try Bool.fetchOne(db.cachedStatement(sql: "SELECT archived FROM session_type WHERE id = ?"),
                                     arguments: [scope]) ?? false)
            scopes.append(ScopeBalance(sessionType: scope, archived: archived, credits: credits[scope] ?? 0,
                                       nextExpiry: expiries[scope]))
        }
        return Balance(client: client, total: credits.values.reduce(0, +), debt: debt, bySessionType: scopes)
    }
}
