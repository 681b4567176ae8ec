/// `report.expiring`: every live lot, across clients, that expires within `within_days` days of now.
public struct ExpiringParams: WireParams {
    public var withinDays: Int
    /// Only lots of exactly this scope (a session type or `any`).
    public var sessionType: String?
    public var limit: Int?
    public var cursor: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case withinDays = "within_days", sessionType = "session_type", limit, cursor
    }
    public init(withinDays: Int, sessionType: String? = nil, limit: Int? = nil, cursor: String? = nil) {
        self.withinDays = withinDays
        self.sessionType = sessionType
        self.limit = limit
        self.cursor = cursor
    }
}

/// One lot of `report.expiring`: who holds it, what it is for, how many credits it still has and when
/// they go.
public struct ExpiringLot: Codable, Sendable, Equatable {
    public var lot: Int64
    public var client: String
    public var clientName: String
    public var email: String?
    public var scope: String
    public var credits: Int64
    public var expiresAt: Timestamp
    public init(lot: Int64, client: String, clientName: String, email: String? = nil, scope: String, credits: Int64,
                expiresAt: Timestamp) {
        self.lot = lot
        self.client = client
        self.clientName = clientName
        self.email = email
        self.scope = scope
        self.credits = credits
        self.expiresAt = expiresAt
    }
    enum CodingKeys: String, CodingKey { case lot, client, clientName, email, scope, credits, expiresAt }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lot, forKey: .lot)
        try c.encode(client, forKey: .client)
        try c.encode(clientName, forKey: .clientName)
        try c.encode(email, forKey: .email)
        try c.encode(scope, forKey: .scope)
        try c.encode(credits, forKey: .credits)
        try c.encode(expiresAt, forKey: .expiresAt)
    }
}

/// `client.list {limit?, cursor?, include_inactive?}`: deactivated clients only when asked.
public struct ClientListParams: WireParams {
    public var limit: Int?
    public var cursor: String?
    public var includeInactive: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case limit, cursor, includeInactive = "include_inactive"
    }
    public init(limit: Int? = nil, cursor: String? = nil, includeInactive: Bool? = nil) {
        self.limit = limit
        self.cursor = cursor
        self.includeInactive = includeInactive
    }
}

/// `lot.extend`: goodwill: one live lot gets a new expiry (later, or earlier but not in the past),
/// or none.
public struct LotExtendParams: MutatingParams {
    public var lot: Int64
    /// Valid through this local date: the credits expire at the next local midnight.
    public var expiresOn: String?
    public var expiresAt: Timestamp?
    /// True: the lot never expires.
    public var noExpiry: Bool?
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case lot, expiresOn = "expires_on", expiresAt = "expires_at", noExpiry = "no_expiry", note
        case idempotencyKey = "idempotency_key", staff
    }
    public init(lot: Int64, expiresOn: String? = nil, expiresAt: Timestamp? = nil, noExpiry: Bool? = nil,
                note: String? = nil, idempotencyKey: String? = nil, staff: String? = nil) {
        self.lot = lot
        self.expiresOn = expiresOn
        self.expiresAt = expiresAt
        self.noExpiry = noExpiry
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `lot.extend` result: the lot as it is now, its expiry before, and the `extended` event.
public struct LotExtendResult: Codable, Sendable, Equatable {
    public var lot: LotInfo
    public var previousExpiresAt: Timestamp?
    public var event: Int64
    public init(lot: LotInfo, previousExpiresAt: Timestamp?, event: Int64) {
        self.lot = lot
        self.previousExpiresAt = previousExpiresAt
        self.event = event
    }
    enum CodingKeys: String, CodingKey { case lot, previousExpiresAt, event }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lot, forKey: .lot)
        try c.encode(previousExpiresAt, forKey: .previousExpiresAt)
        try c.encode(event, forKey: .event)
    }
}

/// `credit.transfer`: credits move from one client to another (family and friends), lot by lot.
public struct CreditTransferParams: MutatingParams {
    public var from: String
    public var to: String
    /// The scope moved: a session type or `any` (lots of exactly that scope).
    public var sessionType: String
    public var credits: Int64
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case from, to, sessionType = "session_type", credits, note, idempotencyKey = "idempotency_key", staff
    }
    public init(from: String, to: String, sessionType: String, credits: Int64, note: String? = nil,
                idempotencyKey: String? = nil, staff: String? = nil) {
        self.from = from
        self.to = to
        self.sessionType = sessionType
        self.credits = credits
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// One lot's part of a transfer: the credits taken from `fromLot` became the new lot `toLot`.
public struct TransferPart: Codable, Sendable, Equatable {
    public var fromLot: Int64
    public var toLot: LotInfo
    public var credits: Int64
    /// The `transferred_out` event on `from_lot` and the `transferred_in` event on `to_lot`.
    public var outEvent: Int64
    public var inEvent: Int64
    public init(fromLot: Int64, toLot: LotInfo, credits: Int64, outEvent: Int64, inEvent: Int64) {
        self.fromLot = fromLot
        self.toLot = toLot
        self.credits = credits
        self.outEvent = outEvent
        self.inEvent = inEvent
    }
}

/// `credit.transfer` result.
public struct CreditTransferResult: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var credits: Int64
    public var parts: [TransferPart]
    /// Credits of the transfer that went to repay `to`'s open debts.
    public var debtRepaid: Int64
    public init(from: String, to: String, credits: Int64, parts: [TransferPart], debtRepaid: Int64) {
        self.from = from
        self.to = to
        self.credits = credits
        self.parts = parts
        self.debtRepaid = debtRepaid
    }
}

/// `report.activity`: what each teammate did in `[from, to)`, by actor (Unix user) and staff name.
public struct ActivityParams: WireParams {
    public var from: Timestamp
    public var to: Timestamp
    /// Only this Unix user (or `scheduler`).
    public var actor: String?
    /// Only this staff name.
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case from, to, actor, staff }
    public init(from: Timestamp, to: Timestamp, actor: String? = nil, staff: String? = nil) {
        self.from = from
        self.to = to
        self.actor = actor
        self.staff = staff
    }
}

/// How many of one kind of action, and the credits they moved.
public struct ActivityFigure: Codable, Sendable, Equatable {
    public var count: Int64
    public var credits: Int64
    public init(count: Int64 = 0, credits: Int64 = 0) {
        self.count = count
        self.credits = credits
    }
}

/// One actor and staff name's actions in the period.
public struct ActivityRow: Codable, Sendable, Equatable {
    public var actor: String
    public var staff: String?
    public var issued: ActivityFigure
    public var removed: ActivityFigure
    public var booked: ActivityFigure
    public var cancelled: ActivityFigure
    public var waived: ActivityFigure
    public var refunded: ActivityFigure
    public init(actor: String, staff: String?, issued: ActivityFigure, removed: ActivityFigure, booked: ActivityFigure,
                cancelled: ActivityFigure, waived: ActivityFigure, refunded: ActivityFigure) {
        self.actor = actor
        self.staff = staff
        self.issued = issued
        self.removed = removed
        self.booked = booked
        self.cancelled = cancelled
        self.waived = waived
        self.refunded = refunded
    }
    enum CodingKeys: String, CodingKey { case actor, staff, issued, removed, booked, cancelled, waived, refunded }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actor, forKey: .actor)
        try c.encode(staff, forKey: .staff)
        try c.encode(issued, forKey: .issued)
        try c.encode(removed, forKey: .removed)
        try c.encode(booked, forKey: .booked)
        try c.encode(cancelled, forKey: .cancelled)
        try c.encode(waived, forKey: .waived)
        try c.encode(refunded, forKey: .refunded)
    }
}

/// `report.activity` result.
public struct ActivityReport: Codable, Sendable, Equatable {
    public var from: Timestamp
    public var to: Timestamp
    public var items: [ActivityRow]
    public init(from: Timestamp, to: Timestamp, items: [ActivityRow]) {
        self.from = from
        self.to = to
        self.items = items
    }
}

/// `report.liability {client?}`: the prepaid credits outstanding now and their value.
public struct LiabilityParams: WireParams {
    /// Only this client's credits.
    public var client: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case client }
    public init(client: String? = nil) { self.client = client }
}

/// Outstanding credits of one origin: a package (`source` package, `id` the package), a plan
/// (membership grants and rollovers, `id` the plan), or manual credits (`id` null).
public struct LiabilityLine: Codable, Sendable, Equatable {
    public var source: String
    public var id: String?
    public var currency: String
    public var credits: Int64
    public var valueMinor: Int64
    public init(source: String, id: String?, currency: String, credits: Int64, valueMinor: Int64) {
        self.source = source
        self.id = id
        self.currency = currency
        self.credits = credits
        self.valueMinor = valueMinor
    }
    enum CodingKeys: String, CodingKey { case source, id, currency, credits, valueMinor }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(id, forKey: .id)
        try c.encode(currency, forKey: .currency)
        try c.encode(credits, forKey: .credits)
        try c.encode(valueMinor, forKey: .valueMinor)
    }
}

/// The credits and value outstanding in one currency.
public struct LiabilityTotal: Codable, Sendable, Equatable {
    public var currency: String
    public var credits: Int64
    public var valueMinor: Int64
    public init(currency: String, credits: Int64, valueMinor: Int64) {
        self.currency = currency
        self.credits = credits
        self.valueMinor = valueMinor
    }
}

/// `report.liability` result.
public struct LiabilityReport: Codable, Sendable, Equatable {
    public var asOf: Timestamp
    public var lines: [LiabilityLine]
    public var totals: [LiabilityTotal]
    public init(asOf: Timestamp, lines: [LiabilityLine], totals: [LiabilityTotal]) {
        self.asOf = asOf
        self.lines = lines
        self.totals = totals
    }
}
