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

    static func insert(_ tx: Tx, booking: String, client: String, scope: String, lot: Int64?, credits: Int64) throws {
        precondition(credits >= 1)
        try tx.db.cachedStatement(sql: """
            INSERT INTO allocation (booking_id, client_id, scope, lot_id, credits, state, created_at_ms)
            VALUES (?, ?, ?, ?, ?, 'held', ?)
            """).execute { bind in
                bind(booking); bind(client); bind(scope); bind(lot); bind(credits); bind(tx.nowMs)
            }
    }

    static func held(_ db: Database, booking: String) throws -> [Held] {
        let statement = try db.cachedStatement(sql: """
            SELECT id, scope, lot_id, credits FROM allocation WHERE booking_id = ? AND state = 'held' ORDER BY id
            """)
        statement.bind { bind in bind(booking) }
        return try Row.fetchAll(statement).map { Held(id: $0[0], scope: $0[1], lotId: $0[2], credits: $0[3]) }
    }

    static func all(_ db: Database, booking: String) throws -> [Allocation] {
        let statement = try db.cachedStatement(sql: "SELECT lot_id, credits FROM allocation WHERE booking_id = ? ORDER BY id")
        statement.bind { bind in bind(booking) }
        return try Row.fetchAll(statement).map { Allocation(lot: $0[0], credits: $0[1]) }
    }

    /// Gives a booking's held credits back: into the very lots they came from (a lot that is no
    /// longer live takes them and loses them at once), or by cancelling the debt.
    static func giveBack(_ tx: Tx, booking: String, client: String, note: String?, rule: [String: String]) throws {
        for allocation in try held(tx.db, booking: booking) {
            try tx.db.cachedStatement(sql: "UPDATE allocation SET state = 'returned' WHERE id = ?")
                .execute { bind in bind(allocation.id) }
            guard let lotId = allocation.lotId else {
                try tx.append(.returned, client: client, scope: allocation.scope, amount: allocation.credits,
                              credits: allocation.credits, booking: booking, note: note,
                              rule: rule.merging(["debt": "cancelled"]) { a, _ in a })
                continue
            }
            guard let lot = try LotRecord.fetch(tx.db, id: lotId) else {
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
                try LotRecord.setRemaining(tx.db, id: lot.id, lot.remaining + allocation.credits)
            }
        }
    }
}
