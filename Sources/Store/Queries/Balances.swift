import CreditProtocol
import GRDB

/// Balances, now or as of a past instant, read on a `ReadConnection` through SQLite's C API:
/// `balance.get` is the most frequent request.
enum Balances {
    /// The client's live lots and its debt in one statement (one read transaction), summed here.
    /// A lot is live when it has credits left, has taken effect, and has not expired; a frozen lot
    /// (paused membership) is live whatever its expiry says, since resuming shifts that expiry.
    /// Rows: kind (1 lot, 2 debt), scope, credits, frozen, expiry. Scopes' `archived` flags come
    /// from `ReadConnection.archivedSessionTypes` (a join per row cost ~3 % of a read).
    private static let currentSQL: StaticString = """
        SELECT 1, lot.scope, lot.remaining, lot.frozen, lot.expires_at_ms
          FROM lot
          WHERE lot.client_id = ?1 AND lot.remaining > 0 AND lot.refunded = 0 AND lot.expiry_done = 0
            AND lot.effective_at_ms <= ?2 AND (lot.frozen = 1 OR lot.expires_at_ms IS NULL OR lot.expires_at_ms > ?2)
        UNION ALL
        SELECT 2, debt.scope, debt.credits, 0, NULL FROM debt WHERE debt.client_id = ?1
        """

    static func get(_ c: ReadConnection, _ p: BalanceParams, nowMs now: Int64) throws -> Balance {
        try Validate.id(p.client, "client")
        let client = p.client
        if let asOf = p.asOf, asOf.ms < now {
            return try c.snapshot {
                try requireClient(c, client)
                return try asOfPast(c, client: client, atMs: asOf.ms)
            }
        }
        var rows = 0
        var scopes: [String: ScopeSum] = [:]
        var debt: Int64 = 0
        try c.statement(currentSQL).bind({ $0(client); $0(now) }).forEachRow { row in
            rows += 1
            let kind = row.int64(0)
            let scope = row.string(1)
            let credits = row.int64(2)
            var sum = scopes[scope] ?? ScopeSum()
            if kind == 1 {
                sum.credits = try add(sum.credits, credits)
                if !row.bool(3), let expiresMs = row.int64OrNil(4) { try sum.expiring(credits, atMs: expiresMs) }
            } else {
                sum.credits -= credits
                debt = try add(debt, credits)
            }
            scopes[scope] = sum
        }
        // A lot or a debt is always its client's, so the client is looked up only when it has
        // neither (a search of the largest index saved on most reads). Clients are never deleted:
        // one that exists now existed when the lots were read.
        if rows == 0 { try requireClient(c, client) }
        let archived = scopes.isEmpty ? [] : try c.archivedSessionTypes()
        var result: [ScopeBalance] = []
        var total: Int64 = 0
        for scope in scopes.keys.sorted() {
            let sum = scopes[scope]!
            total += sum.credits
            guard sum.credits != 0 || sum.nextExpiry != nil else { continue }
            result.append(ScopeBalance(sessionType: scope, archived: scope != "any" && archived.contains(scope), credits: sum.credits,
                                       nextExpiry: sum.nextExpiry))
        }
        return Balance(client: client, total: total, debt: debt, bySessionType: result)
    }

    /// One scope's live credits less its debt, and the credits that expire first.
    private struct ScopeSum {
        var credits: Int64 = 0
        var nextExpiry: NextExpiry?

        mutating func expiring(_ credits: Int64, atMs: Int64) throws {
            guard let first = nextExpiry, first.at.ms <= atMs else {
                nextExpiry = NextExpiry(at: Timestamp(ms: atMs), credits: credits)
                return
            }
            if first.at.ms == atMs { nextExpiry?.credits = try add(first.credits, credits) }
        }
    }

    /// `a + b`, failing as SQLite's SUM does on overflow.
    private static func add(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "integer overflow") }
        return total
    }

    private static func requireClient(_ c: ReadConnection, _ client: String) throws {
        guard try c.statement("SELECT 1 FROM client WHERE id = ?").bind({ $0(client) }).exists() else {
            throw LedgerError.notFound("client \(client) not found")
        }
    }

    /// The balance at a past instant, as `balance.get` answered then: each lot's remaining then is
    /// the net credits of its events that had taken effect (summed as `verify` sums them); the lots
    /// live then count, less the debt open then, per scope, with the first expiry of each scope.
    /// (A lot's `frozen` flag and a type's `archived` flag are today's: neither is kept in history.)
    private static func asOfPast(_ c: ReadConnection, client: String, atMs: Int64) throws -> Balance {
        var remaining: [Int64: Int64] = [:]
        try c.statement("""
            SELECT lot_id, CASE kind WHEN 'issued' THEN credits WHEN 'returned' THEN credits
                    WHEN 'voided' THEN 0 ELSE -credits END, to_lot_id, credits
            FROM event WHERE client_id = ?1 AND at_ms <= ?2 AND (lot_id IS NOT NULL OR to_lot_id IS NOT NULL)
            """).bind({ $0(client); $0(atMs) }).forEachRow { row in
            if let lot = row.int64OrNil(0) { remaining[lot, default: 0] += row.int64(1) }
            if let lot = row.int64OrNil(2) { remaining[lot, default: 0] += row.int64(3) }
        }
        var scopes: [String: ScopeSum] = [:]
        try c.statement("""
            SELECT id, scope, frozen, expires_at_ms FROM lot
            WHERE client_id = ?1 AND effective_at_ms <= ?2 AND (frozen = 1 OR expires_at_ms IS NULL OR expires_at_ms > ?2)
            """).bind({ $0(client); $0(atMs) }).forEachRow { row in
            guard let credits = remaining[row.int64(0)], credits > 0 else { return }
            var sum = scopes[row.string(1)] ?? ScopeSum()
            sum.credits = try add(sum.credits, credits)
            if !row.bool(2), let expiresMs = row.int64OrNil(3) { try sum.expiring(credits, atMs: expiresMs) }
            scopes[row.string(1)] = sum
        }
        // Debt open then, per booked type: credits used without a lot, less debt cancelled by early
        // returns, less debt repaid (a repayment is a `used` event of amount 0 on the repaying lot).
        var debt: Int64 = 0
        try c.statement("""
            SELECT COALESCE(session_type, scope), SUM(CASE WHEN kind = 'returned' THEN -credits
                    WHEN lot_id IS NULL THEN credits ELSE -credits END)
            FROM event WHERE client_id = ?1 AND at_ms <= ?2 AND booking_id IS NOT NULL
              AND ((kind = 'used' AND (lot_id IS NULL OR amount = 0)) OR (kind = 'returned' AND lot_id IS NULL))
            GROUP BY 1
            """).bind({ $0(client); $0(atMs) }).forEachRow { row in
            let owed = row.int64(1)
            guard owed != 0 else { return }
            scopes[row.string(0), default: ScopeSum()].credits -= owed
            debt = try add(debt, owed)
        }
        let archived = scopes.isEmpty ? [] : try c.archivedSessionTypes()
        var result: [ScopeBalance] = []
        var total: Int64 = 0
        for scope in scopes.keys.sorted() {
            let sum = scopes[scope]!
            total += sum.credits
            guard sum.credits != 0 || sum.nextExpiry != nil else { continue }
            result.append(ScopeBalance(sessionType: scope, archived: scope != "any" && archived.contains(scope),
                                       credits: sum.credits, nextExpiry: sum.nextExpiry))
        }
        return Balance(client: client, total: total, debt: debt, bySessionType: result)
    }
}
