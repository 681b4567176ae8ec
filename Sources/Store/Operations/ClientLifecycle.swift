import CreditProtocol
import GRDB

/// `client.deactivate` / `client.reactivate`: a deactivated client keeps its history and credits
/// (visible, removable) but takes no new bookings, credits, purchases or memberships.
enum ClientLifecycle {
    static func deactivate(_ tx: Tx, _ p: IdActionParams) throws -> Client {
        try Validate.id(p.id, "id")
        var client = try Setup.getClient(tx.db, p.id)
        guard client.active else { throw LedgerError.invalidState("client \(p.id) is already deactivated") }
        // A running membership would keep granting credits each cycle.
        if let membership = try String.fetchOne(tx.db, sql: """
            SELECT id FROM membership WHERE client_id = ? AND status != 'cancelled' ORDER BY id LIMIT 1
            """, arguments: [p.id]) {
            throw LedgerError.invalidState("client \(p.id) has membership \(membership) running: cancel it first")
        }
        try tx.db.execute(sql: "UPDATE client SET deactivated_at_ms = ? WHERE id = ?", arguments: [tx.nowMs, p.id])
        client.active = false
        return client
    }

    static func reactivate(_ tx: Tx, _ p: IdActionParams) throws -> Client {
        try Validate.id(p.id, "id")
        var client = try Setup.getClient(tx.db, p.id)
        guard !client.active else { throw LedgerError.invalidState("client \(p.id) is active") }
        try tx.db.execute(sql: "UPDATE client SET deactivated_at_ms = NULL WHERE id = ?", arguments: [p.id])
        client.active = true
        return client
    }
}

extension Exists {
    private static let activeClientSQL = HotSQL("SELECT deactivated_at_ms IS NULL FROM client WHERE id = ?")

    /// `not_found` unless client `id` exists, `invalid_state` while it is deactivated: what every
    /// operation that gives a client new credits or a new booking checks.
    static func activeClient(_ source: some StatementSource, _ id: String) throws {
        var active: Bool?
        try source.statement(activeClientSQL).forEachRow(binding: { bind in bind(id) }) { active = $0.bool(0) }
        guard let active else { throw LedgerError.notFound("client \(id) not found") }
        guard active else {
            throw LedgerError.invalidState("client \(id) is deactivated: it takes no new bookings or credits")
        }
    }
}
