import CreditProtocol
import GRDB

/// `credit.transfer`: credits leave `from`'s lots in reverse burn-down order (as `credit.remove`
/// takes them) and each lot's share becomes a new lot of `to` with the same scope and expiry.
enum Transfers {
    static func transfer(_ tx: Tx, _ p: CreditTransferParams) throws -> CreditTransferResult {
        try Validate.id(p.from, "from")
        try Validate.id(p.to, "to")
        try Validate.credits(p.credits)
        try Validate.note(p.note)
        guard p.from != p.to else { throw LedgerError.invalidParams("from and to are the same client") }
        try Exists.client(tx.db, p.from)
        try Exists.activeClient(tx.db, p.to)
        // The new lots are credits `to` did not have: the scope must still take credits.
        try Credits.requireIssuableScope(tx.db, p.sessionType)
        let lots = try Credits.removableLots(tx, client: p.from, scope: p.sessionType, lot: nil)
        let available = lots.reduce(0) { $0 + $1.remaining }
        guard available >= p.credits else {
            throw LedgerError.insufficientCredits(available: available, required: p.credits)
        }
        var left = p.credits
        var parts: [TransferPart] = []
        var repaid: Int64 = 0
        for lot in lots where left > 0 {
            let take = min(lot.remaining, left)
            let (part, partRepaid) = try move(tx, take, from: lot, to: p.to, note: p.note)
            parts.append(part)
            repaid += partRepaid
            left -= take
        }
        return CreditTransferResult(from: p.from, to: p.to, credits: p.credits, parts: parts, debtRepaid: repaid)
    }

    /// Moves `credits` of `lot` into a new lot of `to`: `transferred_out` names the new lot,
    /// `transferred_in` names the lot and event they came from; then `to`'s open debts are repaid
    /// from it as an issue would.
    private static func move(_ tx: Tx, _ credits: Int64, from lot: LotRecord, to: String,
                             note: String?) throws -> (TransferPart, Int64) {
        try LotRecord.setRemaining(tx.db, id: lot.id, lot.remaining - credits)
        var newLot = try LotRecord.insert(tx.db, client: to, scope: lot.scope, source: "manual", quantity: credits,
                                          effectiveAtMs: tx.nowMs, expiresAtMs: lot.expiresAtMs, actor: tx.actor.user,
                                          nowMs: tx.nowMs, note: note)
        let out = try tx.append(.transferredOut, client: lot.clientId, scope: lot.scope, amount: -credits,
                                credits: credits, lot: lot, note: note,
                                rule: ["to_client": to, "to_lot": String(newLot.id)])
        var events = [try tx.append(.transferredIn, client: to, scope: lot.scope, amount: credits, credits: credits,
                                    lot: newLot, note: note,
                                    rule: ["from_client": lot.clientId, "from_lot": String(lot.id),
                                           "from_event": String(out)])]
        let repaid = try Credits.repayDebts(tx, lot: &newLot, events: &events)
        if newLot.expiresAtMs != nil { tx.deadlineChanged() }
        let part = TransferPart(fromLot: lot.id, toLot: newLot.info, credits: credits, outEvent: out, inEvent: events[0])
        return (part, repaid)
    }
}
