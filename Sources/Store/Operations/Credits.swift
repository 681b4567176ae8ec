import CreditProtocol
import GRDB
import Scheduling

/// Issuing and removing credits, debt repayment, and the burn-down order.
enum Credits {
    static func issue(_ tx: Tx, _ p: CreditIssueParams) throws -> CreditIssueResult {
        let clients = try issueTargets(p)
        try Validate.credits(p.credits)
        try Validate.note(p.note)
        try requireIssuableScope(tx.db, p.sessionType)
        let expiresAtMs = try expiry(tx, expiresOn: p.expiresOn, expiresAt: p.expiresAt)
        var lots: [LotInfo] = []
        var events: [Int64] = []
        var repaid: Int64 = 0
        for client in clients {
            try Exists.activeClient(tx.db, client)
            let issued = try grant(tx, client: client, scope: p.sessionType, source: "manual", quantity: p.credits,
                                   expiresAtMs: expiresAtMs, note: p.note)
            lots.append(issued.lot.info)
            events.append(contentsOf: issued.events)
            repaid += issued.repaid
        }
        return CreditIssueResult(lots: lots, events: events, debtRepaid: repaid)
    }

    private static func issueTargets(_ p: CreditIssueParams) throws -> [String] {
        switch (p.client, p.clients) {
        case (let client?, nil):
            try Validate.id(client, "client")
            return [client]
        case (nil, let clients?):
            guard !clients.isEmpty else { throw LedgerError.invalidParams("clients must not be empty") }
            guard clients.count <= Limits.bulkIssueClientsMax else {
                throw LedgerError.limitExceeded("clients has more than \(Limits.bulkIssueClientsMax) entries")
            }
            for client in clients { try Validate.id(client, "clients[]") }
            guard Set(clients).count == clients.count else {
                throw LedgerError.invalidParams("clients lists a client twice")
            }
            return clients
        default:
            throw LedgerError.invalidParams("give exactly one of client or clients")
        }
    }

    /// Credits can be issued for `any` or for an existing, unarchived type that requires credits.
    static func requireIssuableScope(_ db: Database, _ scope: String) throws {
        guard scope != "any" else { return }
        try Validate.id(scope, "session_type")
        let type = try SessionTypeRecord.require(db, id: scope)
        guard !type.archived else {
            throw LedgerError.sessionTypeArchived("session type \(scope) is archived: it takes no new credits")
        }
        guard type.requiresCredit else {
            throw LedgerError.invalidParams("session type \(scope) does not require credits")
        }
    }

    static func expiry(_ tx: Tx, expiresOn: String?, expiresAt: Timestamp?) throws -> Int64? {
        switch (expiresOn, expiresAt) {
        case (nil, nil): return nil
        case (let text?, nil):
            guard let date = LocalDate(text) else {
                throw LedgerError.invalidParams("expires_on must be a real date YYYY-MM-DD")
            }
            let atMs = try tx.calendar().endOfDayMs(date)
            try Validate.derivedInstant(atMs, "expires_on \(text)", means: "credits expire at the next local midnight")
            guard atMs > tx.nowMs else { throw LedgerError.invalidParams("expires_on is in the past") }
            return atMs
        case (nil, let at?):
            guard at.ms > tx.nowMs else { throw LedgerError.invalidParams("expires_at is in the past") }
            return at.ms
        default:
            throw LedgerError.invalidParams("give at most one of expires_on and expires_at")
        }
    }

    struct Grant {
        var lot: LotRecord
        var events: [Int64]
        var repaid: Int64
    }

    /// Creates a lot, writes `issued`, and repays the client's open debts for the scope first.
    static func grant(_ tx: Tx, client: String, scope: String, source: String, quantity: Int64,
                      effectiveAtMs: Int64? = nil, expiresAtMs: Int64?, purchase: String? = nil,
                      membership: String? = nil, cycle: Int? = nil, boundaryExpiry: Bool = false,
                      note: String? = nil, rule: Rule? = nil) throws -> Grant {
        let atMs = effectiveAtMs ?? tx.nowMs
        var lot = try LotRecord.insert(tx.db, client: client, scope: scope, source: source, quantity: quantity,
                                       effectiveAtMs: atMs, expiresAtMs: expiresAtMs, actor: tx.actor.user,
                                       nowMs: tx.nowMs, purchase: purchase, membership: membership, cycle: cycle,
                                       boundaryExpiry: boundaryExpiry, note: note)
        var events = [try tx.append(.issued, client: client, scope: scope, amount: quantity, credits: quantity,
                                    lot: lot, atMs: atMs, note: note, rule: rule)]
        let repaid = try repayDebts(tx, lot: &lot, events: &events)
        if expiresAtMs != nil { tx.deadlineChanged() }
        return Grant(lot: lot, events: events, repaid: repaid)
    }

    /// Open debts of the lot's scope (every scope for `any`), oldest first, take the new credits.
    /// Each repayment is a `used` event of amount 0 on the lot: the booking's debt now sits in the lot.
    static func repayDebts(_ tx: Tx, lot: inout LotRecord, events: inout [Int64]) throws -> Int64 {
        let debts = try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT id, booking_id, scope, credits FROM debt
            WHERE client_id = ? AND (? = 'any' OR scope = ?)
            ORDER BY id
            """), arguments: [lot.clientId, lot.scope, lot.scope])
        var repaid: Int64 = 0
        for debt in debts where lot.remaining > 0 {
            let debtId: Int64 = debt[0]
            let booking: String = debt[1]
            let bookedType: String = debt[2]
            let owed: Int64 = debt[3]
            let take = min(owed, lot.remaining)
            events.append(try tx.append(.used, client: lot.clientId, scope: lot.scope, amount: 0, credits: take,
                                        lot: lot, booking: booking, rule: ["repays_debt": booking],
                                        sessionType: bookedType))
            if take == owed {
                try tx.db.execute(sql: "DELETE FROM debt WHERE client_id = ? AND id = ?",
                                  arguments: [lot.clientId, debtId])
            } else {
                try tx.db.execute(sql: "UPDATE debt SET credits = credits - ? WHERE client_id = ? AND id = ?",
                                  arguments: [take, lot.clientId, debtId])
            }
            try moveDebt(tx, booking: booking, credits: take, to: lot.id)
            lot.remaining -= take
            repaid += take
        }
        if repaid > 0 { try LotRecord.setRemaining(tx.db, id: lot.id, lot.remaining) }
        return repaid
    }

    /// In the booking's allocations, `credits` of its debt now come from `lot`: the whole debt entry
    /// names the lot, or the entry keeps what is still owed and the lot's share is added at the end.
    private static func moveDebt(_ tx: Tx, booking: String, credits: Int64, to lot: Int64) throws {
        var allocations = try Bookings.get(tx, id: booking).allocations
        guard let index = allocations.firstIndex(where: { $0.lot == nil }), allocations[index].credits >= credits else {
            throw LedgerError.internalError("booking \(booking) has a debt row but not that debt")
        }
        if allocations[index].credits == credits {
            allocations[index].lot = lot
        } else {
            allocations[index].credits -= credits
            allocations.append(Allocation(lot: lot, credits: credits))
        }
        try Allocations.set(tx, booking: booking, allocations)
    }

    static func remove(_ tx: Tx, _ p: CreditRemoveParams) throws -> CreditRemoveResult {
        try Validate.id(p.client, "client")
        try Validate.credits(p.credits)
        try Validate.note(p.note)
        try Exists.client(tx.db, p.client)
        if p.sessionType != "any" { _ = try SessionTypeRecord.require(tx.db, id: p.sessionType) }
        let lots = try removableLots(tx, client: p.client, scope: p.sessionType, lot: p.lot)
        let available = lots.reduce(0) { $0 + $1.remaining }
        guard available >= p.credits else {
            throw LedgerError.insufficientCredits(available: available, required: p.credits)
        }
        var left = p.credits
        var events: [Int64] = []
        for lot in lots where left > 0 {
            let take = min(lot.remaining, left)
            try LotRecord.setRemaining(tx.db, id: lot.id, lot.remaining - take)
            events.append(try tx.append(.deleted, client: p.client, scope: lot.scope, amount: -take, credits: take,
                                        lot: lot, note: p.note))
            left -= take
        }
        return CreditRemoveResult(removed: p.credits, events: events)
    }

    /// Live, unfrozen lots of exactly the scope, in reverse burn-down order (or just the named lot).
    static func removableLots(_ tx: Tx, client: String, scope: String, lot: Int64?) throws -> [LotRecord] {
        if let lotId = lot {
            guard let record = try LotRecord.fetch(tx.db, id: lotId), record.clientId == client,
                  record.scope == scope else {
                throw LedgerError.notFound("lot \(lotId) of client \(client) for \(scope) not found")
            }
            guard record.isLive(atMs: tx.nowMs), !record.frozen else {
                throw LedgerError.invalidState("lot \(lotId) is not live")
            }
            return [record]
        }
        return try LotRecord.fetchAll(tx.db.cachedStatement(sql: """
            SELECT \(LotRecord.columns) FROM lot
            WHERE client_id = ? AND scope = ? AND remaining > 0 AND refunded = 0 AND frozen = 0
              AND expiry_done = 0 AND effective_at_ms <= ? AND (expires_at_ms IS NULL OR expires_at_ms > ?)
            ORDER BY expires_at_ms IS NULL DESC, expires_at_ms DESC, effective_at_ms DESC, id DESC
            """), arguments: [client, scope, tx.nowMs, tx.nowMs])
    }

    // `+scope`: the index is searched by client only. An IN list on an indexed column costs a
    // temporary b-tree per execution, and the ORDER BY a sorter; a client has few lots.
    private static let bookableSQL = HotSQL("""
        SELECT \(LotRecord.columns) FROM lot
        WHERE client_id = ? AND +scope IN (?, 'any') AND remaining > 0 AND refunded = 0 AND frozen = 0
          AND expiry_done = 0 AND effective_at_ms <= ? AND (expires_at_ms IS NULL OR expires_at_ms > ?)
        """)

    /// Lots a booking of `type` may use, in burn-down order: the type's own lots before `any`; then
    /// earliest expiry (none last); then earliest effective; then lowest id.
    static func bookableLots(_ tx: Tx, client: String, type: String) throws -> [LotRecord] {
        var lots: [LotRecord] = []
        try tx.statement(bookableSQL).forEachRow(binding: { bind in
            bind(client); bind(type); bind(tx.nowMs); bind(tx.nowMs)
        }) { lots.append(LotRecord(columns: $0)) }
        if lots.count > 1 { lots.sort(by: burnsFirst) }
        return lots
    }

    /// The burn-down order: the type's own lots before `any`; then earliest expiry (none last); then
    /// earliest effective; then lowest id.
    static func burnsFirst(_ a: LotRecord, _ b: LotRecord) -> Bool {
        let anyA = a.scope == "any", anyB = b.scope == "any"
        if anyA != anyB { return !anyA }
        switch (a.expiresAtMs, b.expiresAtMs) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.effectiveAtMs != b.effectiveAtMs { return a.effectiveAtMs < b.effectiveAtMs }
        return a.id < b.id
    }
}
