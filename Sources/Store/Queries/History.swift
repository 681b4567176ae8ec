import CreditProtocol
import GRDB

/// The audit trail, newest first, and event notes.
enum History {
    /// One page, read on a `ReadConnection` in one snapshot; the SQL depends on the filters given
    /// (a handful of variants, each prepared once per connection).
    static func list(_ c: ReadConnection, _ p: HistoryParams) throws -> Page<HistoryItem> {
        try Validate.id(p.client, "client")
        let limit = try Validate.pageSize(p.limit)
        return try c.snapshot { try page(c, p, limit: limit) }
    }

    private static func page(_ c: ReadConnection, _ p: HistoryParams, limit: Int) throws -> Page<HistoryItem> {
        let client = p.client
        guard try c.statement("SELECT 1 FROM client WHERE id = ?").bind({ $0(client) }).exists() else {
            throw LedgerError.notFound("client \(client) not found")
        }
        // A misspelt type would otherwise list nothing, which reads as "no events of that type".
        if let type = p.sessionType, type != "any",
           !(try c.statement("SELECT 1 FROM session_type WHERE id = ?").bind({ $0(type) }).exists()) {
            throw LedgerError.notFound("session type \(type) not found")
        }
        try requireOwned(c, p)
        var kinds: [String] = []
        for kind in p.events ?? [] {
            guard EventKind(rawValue: kind) != nil else {
                throw LedgerError.invalidParams("unknown event kind \(kind)")
            }
            kinds.append(kind)
        }
        let after = try Cursor.decode(p.cursor)
        let afterId = try after.map { cursor throws -> Int64 in
            guard let id = Int64(cursor.key) else { throw LedgerError.invalidParams("cursor is not one this daemon gave out") }
            return id
        }
        var sql = "SELECT \(EventRecord.columns) FROM event WHERE client_id = ?"
        // The booked type on a booking's events (a class paid with `any` credits is still yoga).
        if p.sessionType != nil { sql += " AND COALESCE(session_type, scope) = ?" }
        if !kinds.isEmpty { sql += " AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))" }
        if p.booking != nil { sql += " AND booking_id = ?" }
        if p.membership != nil { sql += " AND membership_id = ?" }
        if p.purchase != nil { sql += " AND purchase_id = ?" }
        if p.from != nil { sql += " AND at_ms >= ?" }
        if p.to != nil { sql += " AND at_ms < ?" }
        if after != nil, afterId != nil { sql += " AND (at_ms, id) < (?, ?)" }
        sql += " ORDER BY at_ms DESC, id DESC LIMIT ?"
        var rows: [HistoryItem] = []
        try c.withStatement(sql: sql) { statement in
            try statement.bind { bind in
                bind(client)
                if let type = p.sessionType { bind(type) }
                for kind in kinds { bind(kind) }
                if let booking = p.booking { bind(booking) }
                if let membership = p.membership { bind(membership) }
                if let purchase = p.purchase { bind(purchase) }
                if let from = p.from { bind(from.ms) }
                if let to = p.to { bind(to.ms) }
                if let after, let afterId { bind(after.ms); bind(afterId) }
                bind(limit + 1)
            }.forEachRow { row in rows.append(EventRecord.item(columns: row)) }
        }
        return Setup.page(rows, limit: limit) { Cursor.encode(ms: $0.at.ms, key: String($0.id)) }
    }

    /// The booking, membership and purchase filters name one of the client's: a misspelt or another
    /// client's id would otherwise list nothing, which reads as "nothing happened".
    private static func requireOwned(_ c: ReadConnection, _ p: HistoryParams) throws {
        let client = p.client
        let filters: [(String, String?, StaticString)] = [
            ("booking", p.booking, "SELECT 1 FROM booking WHERE id = ? AND client_id = ?"),
            ("membership", p.membership, "SELECT 1 FROM membership WHERE id = ? AND client_id = ?"),
            ("purchase", p.purchase, "SELECT 1 FROM purchase WHERE id = ? AND client_id = ?"),
        ]
        for case let (table, id?, sql) in filters {
            guard try c.statement(sql).bind({ $0(id); $0(client) }).exists() else {
                throw LedgerError.notFound("\(table) \(id) of client \(client) not found")
            }
        }
    }

    /// Sets or clears an event's note; the previous versions stay in `note_edit`.
    static func setNote(_ tx: Tx, _ p: NoteSetParams) throws -> HistoryItem {
        try Validate.note(p.note)
        guard let row = try Row.fetchOne(tx.db, sql: "SELECT \(EventRecord.columns) FROM event WHERE id = ?",
                                         arguments: [p.event]) else {
            throw LedgerError.notFound("event \(p.event) not found")
        }
        return try editNote(tx, EventRecord(row: row), note: p.note)
    }

    /// Sets or clears `event`'s note, keeping the original as the first version of its history.
    static func editNote(_ tx: Tx, _ event: EventRecord, note newNote: String?) throws -> HistoryItem {
        let note = (newNote?.isEmpty ?? true) ? nil : newNote
        let edits = try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM note_edit WHERE event_id = ?",
                                     arguments: [event.id]) ?? 0
        if edits == 0 {
            // Keep the original note as the first version of the history.
            try tx.db.execute(sql: "INSERT INTO note_edit (event_id, note, actor, staff, at_ms) VALUES (?, ?, ?, ?, ?)",
                              arguments: [event.id, event.note, event.actor, event.staff, event.recordedAtMs])
        }
        try tx.db.execute(sql: "INSERT INTO note_edit (event_id, note, actor, staff, at_ms) VALUES (?, ?, ?, ?, ?)",
                          arguments: [event.id, note, tx.actor.user, tx.actor.staff, tx.nowMs])
        try tx.db.execute(sql: "UPDATE event SET note = ? WHERE id = ?", arguments: [note, event.id])
        var item = event.item
        item.note = note
        return item
    }

    /// Every version of an event's note, oldest first. The first is always the note the event was
    /// written with (by its actor, at its `recorded_at`), even when it was never edited: `note_edit`
    /// gets rows only at the first edit, so an unedited event's one version is read from the event.
    static func noteHistory(_ db: Database, _ p: NoteHistoryParams) throws -> Page<NoteEdit> {
        guard let event = try Row.fetchOne(db, sql: "SELECT id, note, actor, staff, recorded_at_ms FROM event WHERE id = ?",
                                           arguments: [p.event]) else {
            throw LedgerError.notFound("event \(p.event) not found")
        }
        var rows = try Row.fetchAll(db, sql: """
            SELECT event_id, note, actor, staff, at_ms FROM note_edit WHERE event_id = ? ORDER BY id
            """, arguments: [p.event])
        if rows.isEmpty { rows = [event] }
        return Page(items: rows.map { NoteEdit(event: $0[0], note: $0[1], actor: $0[2], staff: $0[3], at: Timestamp(ms: $0[4])) },
                    nextCursor: nil)
    }
}
