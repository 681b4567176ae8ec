import CreditProtocol
import GRDB

/// `lot.extend`: goodwill on one live lot's expiry, written as an `extended` event of amount 0.
enum LotExtension {
    /// The rule's value for "never expires".
    static let never = "none"

    static func extend(_ tx: Tx, _ p: LotExtendParams) throws -> LotExtendResult {
        try Validate.note(p.note)
        guard let lot = try LotRecord.fetch(tx.db, id: p.lot) else { throw LedgerError.notFound("lot \(p.lot) not found") }
        let newExpiryMs = try newExpiry(tx, p)
        try requireExtendable(lot, nowMs: tx.nowMs)
        if let newExpiryMs, newExpiryMs <= lot.effectiveAtMs {
            throw LedgerError.invalidParams("the new expiry is not after the lot takes effect")
        }
        guard newExpiryMs != lot.expiresAtMs else {
            throw LedgerError.invalidParams("lot \(p.lot) already expires \(describe(newExpiryMs))")
        }
        try tx.db.execute(sql: "UPDATE lot SET expires_at_ms = ? WHERE id = ?", arguments: [newExpiryMs, lot.id])
        // An earlier expiry may now be the next deadline; a later one leaves the timer early, which finds nothing.
        tx.deadlineChanged()
        let rule: Rule = ["old_expires_at": describe(lot.expiresAtMs), "new_expires_at": describe(newExpiryMs)]
        let event = try tx.append(.extended, client: lot.clientId, scope: lot.scope, amount: 0, credits: lot.remaining,
                                  lot: lot, note: p.note, rule: rule)
        var updated = lot
        updated.expiresAtMs = newExpiryMs
        return LotExtendResult(lot: updated.info, previousExpiresAt: lot.expiresAtMs.map(Timestamp.init(ms:)),
                               event: event)
    }

    /// Exactly one of expires_on, expires_at and no_expiry: true; never in the past.
    private static func newExpiry(_ tx: Tx, _ p: LotExtendParams) throws -> Int64? {
        let given = [p.expiresOn != nil, p.expiresAt != nil, p.noExpiry != nil].filter { $0 }.count
        guard given == 1 else { throw LedgerError.invalidParams("give exactly one of expires_on, expires_at and no_expiry") }
        if let noExpiry = p.noExpiry {
            guard noExpiry else { throw LedgerError.invalidParams("no_expiry must be true when given") }
            return nil
        }
        return try Credits.expiry(tx, expiresOn: p.expiresOn, expiresAt: p.expiresAt)
    }

    /// A lot still in use: not refunded or expired, not frozen by a paused membership, and not a
    /// membership cycle's own lot (its boundary rolls it over and expires it).
    private static func requireExtendable(_ lot: LotRecord, nowMs: Int64) throws {
        guard lot.isLive(atMs: nowMs) || (lot.effectiveAtMs > nowMs && !lot.refunded && !lot.expiryDone) else {
            throw LedgerError.invalidState("lot \(lot.id) is not live (refunded or expired)")
        }
        guard !lot.frozen else {
            throw LedgerError.invalidState("lot \(lot.id) is frozen while its membership is paused")
        }
        guard !lot.boundaryExpiry else {
            throw LedgerError.invalidState("lot \(lot.id) is a membership cycle's own lot: it ends at the cycle boundary")
        }
    }

    static func describe(_ ms: Int64?) -> String { ms.map { Timestamp(ms: $0).description } ?? never }
}
