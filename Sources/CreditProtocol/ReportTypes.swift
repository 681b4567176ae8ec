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

/// `report.liability {as_of?, client?}`: the prepaid credits outstanding (now, or at a past
/// instant) and their value.
public struct LiabilityParams: WireParams {
    public var asOf: Timestamp?
    /// Only this client's credits.
    public var client: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case asOf = "as_of", client }
    public init(asOf: Timestamp? = nil, client: String? = nil) {
        self.asOf = asOf
        self.client = client
    }
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
