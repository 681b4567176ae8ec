/// `credit.issue`: one client (`client`) or many (`clients`, all or nothing).
public struct CreditIssueParams: MutatingParams {
    public var client: String?
    public var clients: [String]?
    public var sessionType: String
    public var credits: Int64
    /// Valid through this local date: the credits expire at the next local midnight.
    public var expiresOn: String?
    public var expiresAt: Timestamp?
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case client, clients, sessionType = "session_type", credits, expiresOn = "expires_on"
        case expiresAt = "expires_at", note, idempotencyKey = "idempotency_key", staff
    }
    public init(client: String? = nil, clients: [String]? = nil, sessionType: String, credits: Int64,
                expiresOn: String? = nil, expiresAt: Timestamp? = nil, note: String? = nil,
                idempotencyKey: String? = nil, staff: String? = nil) {
        self.client = client
        self.clients = clients
        self.sessionType = sessionType
        self.credits = credits
        self.expiresOn = expiresOn
        self.expiresAt = expiresAt
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// One lot created by an issue, a purchase or a membership cycle.
public struct LotInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var client: String
    public var scope: String
    public var source: String
    public var quantity: Int64
    public var remaining: Int64
    public var effectiveAt: Timestamp
    public var expiresAt: Timestamp?
    public init(id: Int64, client: String, scope: String, source: String, quantity: Int64, remaining: Int64, effectiveAt: Timestamp, expiresAt: Timestamp? = nil) {
        self.id = id
        self.client = client
        self.scope = scope
        self.source = source
        self.quantity = quantity
        self.remaining = remaining
        self.effectiveAt = effectiveAt
        self.expiresAt = expiresAt
    }
}

/// `credit.issue` result: one lot per client and the event ids written.
public struct CreditIssueResult: Codable, Sendable {
    public var lots: [LotInfo]
    public var events: [Int64]
    /// Credits that went to repay earlier debt, over all clients.
    public var debtRepaid: Int64
    public init(lots: [LotInfo], events: [Int64], debtRepaid: Int64) {
        self.lots = lots
        self.events = events
        self.debtRepaid = debtRepaid
    }
}

/// `credit.remove`: takes credits in reverse burn-down order unless `lot` names one.
public struct CreditRemoveParams: MutatingParams {
    public var client: String
    public var sessionType: String
    public var credits: Int64
    public var lot: Int64?
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case client, sessionType = "session_type", credits, lot, note
        case idempotencyKey = "idempotency_key", staff
    }
    public init(client: String, sessionType: String, credits: Int64, lot: Int64? = nil, note: String? = nil,
                idempotencyKey: String? = nil, staff: String? = nil) {
        self.client = client
        self.sessionType = sessionType
        self.credits = credits
        self.lot = lot
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `credit.remove` result.
public struct CreditRemoveResult: Codable, Sendable {
    public var removed: Int64
    public var events: [Int64]
    public init(removed: Int64, events: [Int64]) {
        self.removed = removed
        self.events = events
    }
}

/// `balance.get`.
public struct BalanceParams: WireParams {
    public var client: String
    public var asOf: Timestamp?
    public enum CodingKeys: String, CodingKey, CaseIterable { case client, asOf = "as_of" }
    public init(client: String, asOf: Timestamp? = nil) {
        self.client = client
        self.asOf = asOf
    }
}

/// The credits of one scope that expire first.
public struct NextExpiry: Codable, Sendable, Equatable {
    public var at: Timestamp
    public var credits: Int64
    public init(at: Timestamp, credits: Int64) {
        self.at = at
        self.credits = credits
    }
}

/// A client's balance for one session type (or `any`).
public struct ScopeBalance: Codable, Sendable, Equatable {
    public var sessionType: String
    public var archived: Bool
    public var credits: Int64
    public var nextExpiry: NextExpiry?
    public init(sessionType: String, archived: Bool, credits: Int64, nextExpiry: NextExpiry? = nil) {
        self.sessionType = sessionType
        self.archived = archived
        self.credits = credits
        self.nextExpiry = nextExpiry
    }
    enum CodingKeys: String, CodingKey { case sessionType, archived, credits, nextExpiry }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sessionType, forKey: .sessionType)
        try container.encode(archived, forKey: .archived)
        try container.encode(credits, forKey: .credits)
        try container.encode(nextExpiry, forKey: .nextExpiry)
    }
}

/// `balance.get` result.
public struct Balance: Codable, Sendable, Equatable {
    public var client: String
    public var total: Int64
    public var debt: Int64
    public var bySessionType: [ScopeBalance]
    public init(client: String, total: Int64, debt: Int64, bySessionType: [ScopeBalance]) {
        self.client = client
        self.total = total
        self.debt = debt
        self.bySessionType = bySessionType
    }
}

/// `history.list`: newest first, with cursor paging.
public struct HistoryParams: WireParams {
    public var client: String
    public var sessionType: String?
    public var events: [String]?
    public var from: Timestamp?
    public var to: Timestamp?
    public var limit: Int?
    public var cursor: String?
    /// Only the events of this booking, membership or purchase (of the client).
    public var booking: String?
    public var membership: String?
    public var purchase: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case client, sessionType = "session_type", events, from, to, limit, cursor, booking, membership, purchase
    }
    public init(client: String, sessionType: String? = nil, events: [String]? = nil, from: Timestamp? = nil,
                to: Timestamp? = nil, limit: Int? = nil, cursor: String? = nil) {
        self.client = client
        self.sessionType = sessionType
        self.events = events
        self.from = from
        self.to = to
        self.limit = limit
        self.cursor = cursor
    }
}

/// The kinds of ledger event.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    case issued, used, returned, voided, deleted, expired
    case rolledOver = "rolled_over"
    case refunded
    /// `lot.extend`: the lot's expiry moved (amount 0; the old and new expiry in the rule).
    case extended
    /// `credit.transfer`: credits left this client's lot for another client's new lot.
    case transferredOut = "transferred_out"
    /// `credit.transfer`: the credits another client's lot gave, in a new lot of this client.
    case transferredIn = "transferred_in"
}

/// One event of the audit trail.
public struct HistoryItem: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Timestamp
    public var recordedAt: Timestamp
    public var event: EventKind
    public var client: String
    public var sessionType: String
    public var lot: Int64?
    public var booking: String?
    public var amount: Int64
    public var credits: Int64
    public var actor: String
    public var staff: String?
    public var note: String?
    /// For scheduler decisions and cancellations: the rule that decided it, as JSON text fields.
    public var rule: [String: String]?
    /// The lot's scope (a session type or `any`); `session_type` is the booked type on a booking's
    /// events. Always present in what the daemon sends; nil only when decoding an older daemon's item.
    public var scope: String?
    public init(id: Int64, at: Timestamp, recordedAt: Timestamp, event: EventKind, client: String, sessionType: String, lot: Int64? = nil, booking: String? = nil, amount: Int64, credits: Int64, actor: String, staff: String? = nil, note: String? = nil, rule: [String: String]? = nil, scope: String? = nil) {
        self.id = id
        self.at = at
        self.recordedAt = recordedAt
        self.event = event
        self.client = client
        self.sessionType = sessionType
        self.lot = lot
        self.booking = booking
        self.amount = amount
        self.credits = credits
        self.actor = actor
        self.staff = staff
        self.note = note
        self.rule = rule
        self.scope = scope ?? sessionType
    }

    enum CodingKeys: String, CodingKey {
        case id, at, recordedAt, event, client, sessionType, lot, booking, amount, credits, actor, staff, note, rule, scope
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(at, forKey: .at)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(event, forKey: .event)
        try c.encode(client, forKey: .client)
        try c.encode(sessionType, forKey: .sessionType)
        try c.encode(scope ?? sessionType, forKey: .scope)
        try c.encode(lot, forKey: .lot)
        try c.encode(booking, forKey: .booking)
        try c.encode(amount, forKey: .amount)
        try c.encode(credits, forKey: .credits)
        try c.encode(actor, forKey: .actor)
        try c.encode(staff, forKey: .staff)
        try c.encode(note, forKey: .note)
        try c.encode(rule, forKey: .rule)
    }
}

/// `note.set`: an empty or null note clears it; every edit is kept.
public struct NoteSetParams: MutatingParams {
    public var event: Int64
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case event, note, idempotencyKey = "idempotency_key", staff
    }
    public init(event: Int64, note: String?, idempotencyKey: String? = nil, staff: String? = nil) {
        self.event = event
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `note.history`.
public struct NoteHistoryParams: WireParams {
    public var event: Int64
    public enum CodingKeys: String, CodingKey, CaseIterable { case event }
    public init(event: Int64) { self.event = event }
}

/// One version of an event's note.
public struct NoteEdit: Codable, Sendable, Equatable {
    public var event: Int64
    public var note: String?
    public var actor: String
    public var staff: String?
    public var at: Timestamp
    public init(event: Int64, note: String? = nil, actor: String, staff: String? = nil, at: Timestamp) {
        self.event = event
        self.note = note
        self.actor = actor
        self.staff = staff
        self.at = at
    }
}
