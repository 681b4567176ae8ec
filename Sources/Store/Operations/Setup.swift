import CreditProtocol
import GRDB
import Scheduling

/// Studio settings, session types and clients.
enum Setup {
    static func updateStudio(_ tx: Tx, _ p: StudioUpdateParams) throws -> Studio {
        if let zone = p.timeZone {
            _ = try tx.ledger.calendar(for: zone)
            try tx.db.execute(sql: "UPDATE studio SET time_zone = ?", arguments: [zone])
            tx.forgetCalendar()
        }
        if let currency = p.currency {
            try Validate.currency(currency)
            try tx.db.execute(sql: "UPDATE studio SET currency = ?", arguments: [currency])
        }
        return try studio(tx.db)
    }

    static func studio(_ db: Database) throws -> Studio {
        let row = try Row.fetchOne(db, sql: "SELECT time_zone, currency FROM studio")!
        return Studio(timeZone: row[0], currency: row[1])
    }

    static func createSessionType(_ tx: Tx, _ p: SessionTypeCreateParams) throws -> SessionType {
        try Validate.id(p.id, "id")
        guard p.id != "any" else { throw LedgerError.invalidParams("\"any\" is reserved for credits of every type") }
        try Validate.text(p.name, "name", max: Limits.nameCharactersMax)
        let cost = p.creditCost ?? 1
        try Validate.range(cost, "credit_cost", 1...Limits.creditCostMax)
        let window = p.lateCancelWindowS ?? 86_400
        let grace = p.lateCancelGraceS ?? 0
        try Validate.range(window, "late_cancel_window_s", 0...Limits.cancelWindowSecondsMax)
        try Validate.range(grace, "late_cancel_grace_s", 0...Limits.cancelWindowSecondsMax)
        guard try SessionTypeRecord.fetch(tx.db, id: p.id) == nil else {
            throw LedgerError.alreadyExists("session type \(p.id) already exists")
        }
        try tx.db.execute(sql: """
            INSERT INTO session_type (id, name, requires_credit, credit_cost, allow_negative, late_cancel_window_s,
                late_cancel_grace_s, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [p.id, p.name, p.requiresCredit ?? true, cost, p.allowNegative ?? false, window, grace,
                             tx.nowMs])
        tx.forgetSessionTypes()
        return try SessionTypeRecord.require(tx.db, id: p.id).wire
    }

    static func updateSessionType(_ tx: Tx, _ p: SessionTypeUpdateParams) throws -> SessionType {
        var record = try SessionTypeRecord.require(tx.db, id: p.id)
        if let name = p.name {
            try Validate.text(name, "name", max: Limits.nameCharactersMax)
            record.name = name
        }
        if let requiresCredit = p.requiresCredit, requiresCredit != record.requiresCredit {
            guard !record.booked else {
                throw LedgerError.sessionTypeLocked("requires_credit of \(p.id) cannot change once it has bookings")
            }
            record.requiresCredit = requiresCredit
        }
        if let cost = p.creditCost {
            try Validate.range(cost, "credit_cost", 1...Limits.creditCostMax)
            record.creditCost = cost
        }
        if let allowNegative = p.allowNegative { record.allowNegative = allowNegative }
        if let window = p.lateCancelWindowS {
            try Validate.range(window, "late_cancel_window_s", 0...Limits.cancelWindowSecondsMax)
            record.lateCancelWindowS = window
        }
        if let grace = p.lateCancelGraceS {
            try Validate.range(grace, "late_cancel_grace_s", 0...Limits.cancelWindowSecondsMax)
            record.lateCancelGraceS = grace
        }
        try tx.db.execute(sql: """
            UPDATE session_type SET name = ?, requires_credit = ?, credit_cost = ?, allow_negative = ?,
                late_cancel_window_s = ?, late_cancel_grace_s = ? WHERE id = ?
            """, arguments: [record.name, record.requiresCredit, record.creditCost, record.allowNegative,
                             record.lateCancelWindowS, record.lateCancelGraceS, record.id])
        tx.forgetSessionTypes()
        return record.wire
    }

    static func archiveSessionType(_ tx: Tx, _ p: IdActionParams) throws -> SessionTypeArchiveResult {
        var record = try SessionTypeRecord.require(tx.db, id: p.id)
        try tx.db.execute(sql: "UPDATE session_type SET archived = 1 WHERE id = ?", arguments: [p.id])
        tx.forgetSessionTypes()
        record.archived = true
        let holders = try Int.fetchOne(tx.db, sql: """
            SELECT COUNT(DISTINCT client_id) FROM lot
            WHERE scope = ? AND remaining > 0 AND refunded = 0 AND expiry_done = 0
              AND (expires_at_ms IS NULL OR expires_at_ms > ?)
            """, arguments: [p.id, tx.nowMs]) ?? 0
        return SessionTypeArchiveResult(sessionType: record.wire, clientsWithCredits: holders)
    }

    static func listSessionTypes(_ db: Database, _ p: ListParams) throws -> Page<SessionType> {
        let limit = try Validate.pageSize(p.limit)
        let archived = p.includeArchived ?? true
        let rows = try SessionTypeRecord.fetchAll(db, sql: """
            SELECT \(SessionTypeRecord.columns) FROM session_type WHERE id > ? AND (? OR archived = 0)
            ORDER BY id LIMIT ?
            """, arguments: [p.cursor ?? "", archived, limit + 1])
        return page(rows.map(\.wire), limit: limit, cursor: \.id)
    }

    static func createClient(_ tx: Tx, _ p: ClientCreateParams) throws -> Client {
        try Validate.id(p.id, "id")
        try Validate.text(p.name, "name", max: Limits.nameCharactersMax)
        try Validate.email(p.email)
        let email = (p.email?.isEmpty ?? true) ? nil : p.email
        let exists = try Bool.fetchOne(tx.db, sql: "SELECT 1 FROM client WHERE id = ?", arguments: [p.id]) ?? false
        guard !exists else { throw LedgerError.alreadyExists("client \(p.id) already exists") }
        try tx.db.execute(sql: "INSERT INTO client (id, name, email, created_at_ms) VALUES (?, ?, ?, ?)",
                          arguments: [p.id, p.name, email, tx.nowMs])
        return Client(id: p.id, name: p.name, email: email)
    }

    static func updateClient(_ tx: Tx, _ p: ClientUpdateParams) throws -> Client {
        var client = try getClient(tx.db, p.id)
        if let name = p.name {
            try Validate.text(name, "name", max: Limits.nameCharactersMax)
            client.name = name
        }
        if let email = p.email {
            try Validate.email(email)
            client.email = email.isEmpty ? nil : email
        }
        try tx.db.execute(sql: "UPDATE client SET name = ?, email = ? WHERE id = ?",
                          arguments: [client.name, client.email, client.id])
        return client
    }

    static func getClient(_ db: Database, _ id: String) throws -> Client {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, name, email, deactivated_at_ms IS NULL FROM client WHERE id = ?
            """, arguments: [id])
        else { throw LedgerError.notFound("client \(id) not found") }
        return Client(id: row[0], name: row[1], email: row[2], active: row[3])
    }

    /// Deactivated clients are left out unless `include_inactive`.
    static func listClients(_ db: Database, _ p: ClientListParams) throws -> Page<Client> {
        let limit = try Validate.pageSize(p.limit)
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, name, email, deactivated_at_ms IS NULL FROM client
            WHERE id > ? AND (? OR deactivated_at_ms IS NULL) ORDER BY id LIMIT ?
            """, arguments: [p.cursor ?? "", p.includeInactive ?? false, limit + 1])
        return page(rows.map { Client(id: $0[0], name: $0[1], email: $0[2], active: $0[3]) }, limit: limit, cursor: \.id)
    }

    /// Cuts a `limit + 1` fetch into a page whose cursor is the last item's key.
    static func page<T>(_ items: [T], limit: Int, cursor: (T) -> String) -> Page<T> {
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let kept = Array(items.prefix(limit))
        return Page(items: kept, nextCursor: kept.last.map(cursor))
    }
}
