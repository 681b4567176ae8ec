import CreditProtocol
import Foundation
import GRDB

/// A row of `lot`.
struct LotRecord: FetchableRecord, Sendable {
    var id: Int64
    var clientId: String
    var scope: String
    var source: String
    var quantity: Int64
    var remaining: Int64
    var effectiveAtMs: Int64
    var expiresAtMs: Int64?
    var expiryDone: Bool
    var refunded: Bool
    var frozen: Bool
    var boundaryExpiry: Bool
    var purchaseId: String?
    var membershipId: String?
    var cycle: Int?

    static let columns = """
        id, client_id, scope, source, quantity, remaining, effective_at_ms, expires_at_ms, expiry_done, refunded,
        frozen, boundary_expiry, purchase_id, membership_id, cycle
        """

    init(row: Row) {
        id = row[0]
        clientId = row[1]
        scope = row[2]
        source = row[3]
        quantity = row[4]
        remaining = row[5]
        effectiveAtMs = row[6]
        expiresAtMs = row[7]
        expiryDone = row[8]
        refunded = row[9]
        frozen = row[10]
        boundaryExpiry = row[11]
        purchaseId = row[12]
        membershipId = row[13]
        cycle = row[14]
    }

    /// The same columns as `init(row:)`, read straight from SQLite.
    init(columns c: Columns) {
        id = c.int64(0)
        clientId = c.string(1)
        scope = c.string(2)
        source = c.string(3)
        quantity = c.int64(4)
        remaining = c.int64(5)
        effectiveAtMs = c.int64(6)
        expiresAtMs = c.int64OrNil(7)
        expiryDone = c.bool(8)
        refunded = c.bool(9)
        frozen = c.bool(10)
        boundaryExpiry = c.bool(11)
        purchaseId = c.stringOrNil(12)
        membershipId = c.stringOrNil(13)
        cycle = c.int64OrNil(14).map { Int($0) }
    }

    /// Live: in effect, not yet expired, not refunded. Frozen lots are live but not bookable, whatever
    /// their expiry says (resuming shifts it).
    func isLive(atMs now: Int64) -> Bool {
        !refunded && !expiryDone && effectiveAtMs <= now && (frozen || expiresAtMs.map { now < $0 } ?? true)
    }

    private static let selectById = HotSQL("SELECT \(columns) FROM lot WHERE id = ?")

    static func fetch(_ source: some StatementSource, id: Int64) throws -> LotRecord? {
        var lot: LotRecord?
        try source.statement(selectById).forEachRow(binding: { bind in bind(id) }) { lot = LotRecord(columns: $0) }
        return lot
    }

    var info: LotInfo {
        LotInfo(id: id, client: clientId, scope: scope, source: source, quantity: quantity, remaining: remaining,
                effectiveAt: Timestamp(ms: effectiveAtMs), expiresAt: expiresAtMs.map(Timestamp.init(ms:)))
    }

    /// Inserts a new lot and returns it.
    static func insert(_ db: Database, client: String, scope: String, source: String, quantity: Int64,
                       effectiveAtMs: Int64, expiresAtMs: Int64?, actor: String, nowMs: Int64,
                       purchase: String? = nil, membership: String? = nil, cycle: Int? = nil,
                       boundaryExpiry: Bool = false, note: String? = nil) throws -> LotRecord {
        precondition(quantity >= 1)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO lot (client_id, scope, source, quantity, remaining, effective_at_ms, expires_at_ms,
                purchase_id, membership_id, cycle, boundary_expiry, note, actor, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [client, scope, source, quantity, quantity, effectiveAtMs, expiresAtMs,
                                          purchase, membership, cycle, boundaryExpiry, note, actor, nowMs])
        return LotRecord(id: db.lastInsertedRowID, clientId: client, scope: scope, source: source, quantity: quantity,
                         remaining: quantity, effectiveAtMs: effectiveAtMs, expiresAtMs: expiresAtMs, expiryDone: false,
                         refunded: false, frozen: false, boundaryExpiry: boundaryExpiry, purchaseId: purchase,
                         membershipId: membership, cycle: cycle)
    }

    init(id: Int64, clientId: String, scope: String, source: String, quantity: Int64, remaining: Int64,
         effectiveAtMs: Int64, expiresAtMs: Int64?, expiryDone: Bool, refunded: Bool, frozen: Bool,
         boundaryExpiry: Bool, purchaseId: String?, membershipId: String?, cycle: Int?) {
        self.id = id
        self.clientId = clientId
        self.scope = scope
        self.source = source
        self.quantity = quantity
        self.remaining = remaining
        self.effectiveAtMs = effectiveAtMs
        self.expiresAtMs = expiresAtMs
        self.expiryDone = expiryDone
        self.refunded = refunded
        self.frozen = frozen
        self.boundaryExpiry = boundaryExpiry
        self.purchaseId = purchaseId
        self.membershipId = membershipId
        self.cycle = cycle
    }

    private static let updateRemaining = HotSQL("UPDATE lot SET remaining = ? WHERE id = ?")

    static func setRemaining(_ source: some StatementSource, id: Int64, _ remaining: Int64) throws {
        precondition(remaining >= 0)
        try source.statement(updateRemaining).run { bind in bind(remaining); bind(id) }
    }
}

/// A row of `event`.
struct EventRecord: Sendable {
    var id: Int64
    var kind: EventKind
    var atMs: Int64
    var recordedAtMs: Int64
    var clientId: String
    var scope: String
    var lotId: Int64?
    var toLotId: Int64?
    var bookingId: String?
    var purchaseId: String?
    var membershipId: String?
    var cycle: Int?
    var amount: Int64
    var credits: Int64
    var actor: String
    var staff: String?
    var note: String?
    var rule: Rule?
    /// The booked session type, on a booking's events (nil on the others: their type is `scope`).
    var sessionType: String?

    static let columns = """
        id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id, purchase_id,
        membership_id, cycle, amount, credits, actor, staff, note, rule, session_type
        """

    init(id: Int64, kind: EventKind, atMs: Int64, recordedAtMs: Int64, clientId: String, scope: String,
         lotId: Int64?, toLotId: Int64?, bookingId: String?, purchaseId: String?, membershipId: String?,
         cycle: Int?, amount: Int64, credits: Int64, actor: String, staff: String?, note: String?,
         rule: Rule?, sessionType: String? = nil) {
        self.id = id
        self.kind = kind
        self.atMs = atMs
        self.recordedAtMs = recordedAtMs
        self.clientId = clientId
        self.scope = scope
        self.lotId = lotId
        self.toLotId = toLotId
        self.bookingId = bookingId
        self.purchaseId = purchaseId
        self.membershipId = membershipId
        self.cycle = cycle
        self.amount = amount
        self.credits = credits
        self.actor = actor
        self.staff = staff
        self.note = note
        self.rule = rule
        self.sessionType = sessionType
    }

    init(row: Row) {
        id = row[0]
        kind = EventKind(rawValue: row[1]) ?? .issued
        atMs = row[2]
        recordedAtMs = row[3]
        clientId = row[4]
        scope = row[5]
        lotId = row[6]
        toLotId = row[7]
        bookingId = row[8]
        purchaseId = row[9]
        membershipId = row[10]
        cycle = row[11]
        amount = row[12]
        credits = row[13]
        actor = row[14]
        staff = row[15]
        note = row[16]
        rule = (row[17] as String?).flatMap(EventRecord.decodeRule).map(Rule.init)
        sessionType = row[18]
    }

    private static let insertSQL = HotSQL("""
        INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id,
            purchase_id, membership_id, cycle, amount, credits, actor, staff, note, rule, session_type)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)

    static func insert(_ record: EventRecord, _ tx: Tx) throws -> Int64 {
        try tx.statement(insertSQL).run { bind in
            bind(record.kind.rawValue); bind(record.atMs); bind(record.recordedAtMs); bind(record.clientId)
            bind(record.scope); bind(record.lotId); bind(record.toLotId); bind(record.bookingId)
            bind(record.purchaseId); bind(record.membershipId); bind(record.cycle); bind(record.amount)
            bind(record.credits); bind(record.actor); bind(record.staff); bind(record.note)
            bind(record.rule?.text); bind(record.sessionType)
        }
        return tx.db.lastInsertedRowID
    }

    var item: HistoryItem {
        HistoryItem(id: id, at: Timestamp(ms: atMs), recordedAt: Timestamp(ms: recordedAtMs), event: kind,
                    client: clientId, sessionType: sessionType ?? scope, lot: lotId, booking: bookingId, amount: amount,
                    credits: credits, actor: actor, staff: staff, note: note, rule: rule?.dictionary, scope: scope)
    }

    static func decodeRule(_ text: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}

/// A row of `session_type`.
struct SessionTypeRecord: FetchableRecord, Sendable {
    var id: String
    var name: String
    var requiresCredit: Bool
    var creditCost: Int64
    var allowNegative: Bool
    var lateCancelWindowS: Int64
    var lateCancelGraceS: Int64
    var archived: Bool
    /// Whether a booking of this type was ever made (its requires_credit is then locked).
    var booked: Bool

    static let columns = """
        id, name, requires_credit, credit_cost, allow_negative, late_cancel_window_s, late_cancel_grace_s, archived,
        booked
        """

    init(row: Row) {
        id = row[0]
        name = row[1]
        requiresCredit = row[2]
        creditCost = row[3]
        allowNegative = row[4]
        lateCancelWindowS = row[5]
        lateCancelGraceS = row[6]
        archived = row[7]
        booked = row[8]
    }

    static func fetch(_ db: Database, id: String) throws -> SessionTypeRecord? {
        try SessionTypeRecord.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns) FROM session_type WHERE id = ?"), arguments: [id])
    }

    static func require(_ db: Database, id: String) throws -> SessionTypeRecord {
        guard let record = try fetch(db, id: id) else { throw LedgerError.notFound("session type \(id) not found") }
        return record
    }

    var wire: SessionType {
        SessionType(id: id, name: name, requiresCredit: requiresCredit, creditCost: creditCost,
                    allowNegative: allowNegative, lateCancelWindowS: lateCancelWindowS,
                    lateCancelGraceS: lateCancelGraceS, archived: archived)
    }
}

/// Existence checks shared by operations.
enum Exists {
    private static let clientSQL = HotSQL("SELECT 1 FROM client WHERE id = ?")

    /// `not_found` unless client `id` exists (a transaction's own statement, or GRDB's cache).
    static func client(_ source: some StatementSource, _ id: String) throws {
        var found = false
        try source.statement(clientSQL).forEachRow(binding: { bind in bind(id) }) { _ in found = true }
        guard found else { throw LedgerError.notFound("client \(id) not found") }
    }
}
