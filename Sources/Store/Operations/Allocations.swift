import CreditProtocol
import GRDB

/// Credits a booking holds, per lot (or as debt), and giving them back.
enum Allocations {
    struct Held {
        var id: Int64
        var scope: String
        var lotId: Int64?
        var credits: Int64
    }

    private static let insertSQL = HotSQL("""
        INSERT INTO allocation (booking_id, client_id, scope, lot_id, credits, state, created_at_ms)
        VALUES (?, ?, ?, ?, ?, 'held', ?)
        """)

    static func insert(_ tx: Tx, booking: String, client: String, scope: String, lot: Int64?, credits: Int64) throws {
        precondition(credits >= 1)
        try tx.statement(insertSQL).run { bind in
                bind(booking); bind(client); bind(scope); bind(lot); bind(credits); bind(tx.nowMs)
            }
    }

    private static let readSQL = HotSQL("""
        SELECT id, scope, lot_id, credits, state = 'held' FROM allocation WHERE booking_id = ? ORDER BY id
        """)

    /// A booking's allocations in id order: all of them, as the booking shows them, and those it still
    /// holds (one query for both: cancelling needs both).
    static func read(_ source: some StatementSource, booking: String) throws -> (all: [Allocation], held: [Held]) {
        var all: [Allocation] = []
        var held: [Held] = []
        try source.statement(readSQL).forEachRow(binding: { bind in bind(booking) }) { c in
            all.append(Allocation(lot: c.int64OrNil(2), credits: c.int64(3)))
            if c.bool(4) { held.append(Held(id: c.int64(0), scope: c.string(1), lotId: c.int64OrNil(2), credits: c.int64(3))) }
        }
        return (all, held)
    }

    static func all(_ source: some StatementSource, booking: String) throws -> [Allocation] {
        try read(source, booking: booking).all
    }

    private static let returnSQL = HotSQL("UPDATE allocation SET state = 'returned' WHERE id = ?")

    /// Gives a booking's `held` credits back: into the very lots they came from (a lot that is no
    /// longer live takes them and loses them at once), or by cancelling the debt.
    static func giveBack(_ tx: Tx, held: [Held], booking: String, client: String, note: String?,
                         rule: [String: String]) throws {
        for allocation in held {
            try tx.statement(returnSQL).run { bind in bind(allocation.id) }
            guard let lotId = allocation.lotId else {
                try tx.append(.returned, client: client, scope: allocation.scope, amount: allocation.credits,
                              credits: allocation.credits, booking: booking, note: note,
                              rule: rule.merging(["debt": "cancelled"]) { a, _ in a })
                continue
            }
            guard let lot = try LotRecord.fetch(tx, id: lotId) else {
                preconditionFailure("allocation \(allocation.id) names missing lot \(lotId)")
            }
            precondition(lot.remaining + allocation.credits <= lot.quantity, "return overfills lot \(lotId)")
            try tx.append(.returned, client: client, scope: lot.scope, amount: allocation.credits,
                          credits: allocation.credits, lot: lot, booking: booking, note: note, rule: rule)
            if lot.refunded {
                try tx.append(.refunded, client: client, scope: lot.scope, amount: -allocation.credits,
                              credits: allocation.credits, lot: lot, booking: booking,
                              rule: ["reason": "returned into a refunded lot"])
            } else if !lot.isLive(atMs: tx.nowMs) {
                try tx.append(.expired, client: client, scope: lot.scope, amount: -allocation.credits,
                              credits: allocation.credits, lot: lot, booking: booking,
                              rule: ["reason": "returned into an expired lot",
                                     "expires_at": lot.expiresAtMs.map { Timestamp(ms: $0).description } ?? ""])
            } else {
                try LotRecord.setRemaining(tx, id: lot.id, lot.remaining + allocation.credits)
            }
        }
    }
}
