/// `package.create`.
public struct PackageCreateParams: MutatingParams {
    public var id: String
    public var name: String
    public var credits: Int64
    public var bonusCredits: Int64?
    public var priceMinor: Int64
    public var currency: String?
    public var expiryDays: Int?
    /// A session type id or `any` (the default).
    public var scope: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, credits, bonusCredits = "bonus_credits", priceMinor = "price_minor", currency
        case expiryDays = "expiry_days", scope, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String, credits: Int64, bonusCredits: Int64? = nil, priceMinor: Int64,
                currency: String? = nil, expiryDays: Int? = nil, scope: String? = nil) {
        self.id = id
        self.name = name
        self.credits = credits
        self.bonusCredits = bonusCredits
        self.priceMinor = priceMinor
        self.currency = currency
        self.expiryDays = expiryDays
        self.scope = scope
    }
}

/// A package as returned by the daemon.
public struct Package: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var credits: Int64
    public var bonusCredits: Int64
    public var priceMinor: Int64
    public var currency: String
    public var expiryDays: Int?
    public var scope: String
    public var archived: Bool
    public init(id: String, name: String, credits: Int64, bonusCredits: Int64, priceMinor: Int64, currency: String, expiryDays: Int? = nil, scope: String, archived: Bool) {
        self.id = id
        self.name = name
        self.credits = credits
        self.bonusCredits = bonusCredits
        self.priceMinor = priceMinor
        self.currency = currency
        self.expiryDays = expiryDays
        self.scope = scope
        self.archived = archived
    }
}

/// `purchase.create`: sells a package to a client; creates one lot.
public struct PurchaseCreateParams: MutatingParams {
    public var id: String
    public var client: String
    public var package: String
    public var paymentRef: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, client, package, paymentRef = "payment_ref", idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, client: String, package: String, paymentRef: String? = nil,
                idempotencyKey: String? = nil, staff: String? = nil) {
        self.id = id
        self.client = client
        self.package = package
        self.paymentRef = paymentRef
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// A purchase as returned by the daemon.
public struct Purchase: Codable, Sendable, Equatable {
    public var id: String
    public var client: String
    public var package: String
    public var paymentRef: String?
    public var priceMinor: Int64
    public var currency: String
    public var lot: Int64
    public var credits: Int64
    public var purchasedAt: Timestamp
    public var expiresAt: Timestamp?
    public var refunded: Bool
    /// Credits removed by the refund (unused ones only).
    public var refundedCredits: Int64?
    public init(id: String, client: String, package: String, paymentRef: String? = nil, priceMinor: Int64, currency: String, lot: Int64, credits: Int64, purchasedAt: Timestamp, expiresAt: Timestamp? = nil, refunded: Bool, refundedCredits: Int64? = nil) {
        self.id = id
        self.client = client
        self.package = package
        self.paymentRef = paymentRef
        self.priceMinor = priceMinor
        self.currency = currency
        self.lot = lot
        self.credits = credits
        self.purchasedAt = purchasedAt
        self.expiresAt = expiresAt
        self.refunded = refunded
        self.refundedCredits = refundedCredits
    }
}

/// `plan.create`.
public struct PlanCreateParams: MutatingParams {
    public var id: String
    public var name: String
    /// A session type id or `any` (the default).
    public var scope: String?
    public var creditsPerCycle: Int64
    public var period: String
    public var periodCount: Int?
    /// 0 (the default): nothing rolls over; absent with `rollover_unlimited`: everything does.
    public var rolloverMax: Int64?
    public var rolloverUnlimited: Bool?
    /// Rollover credits expire after this many cycles; null: never.
    public var rolloverExpiresAfterCycles: Int?
    public var priceMinor: Int64?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, scope, creditsPerCycle = "credits_per_cycle", period, periodCount = "period_count"
        case rolloverMax = "rollover_max", rolloverUnlimited = "rollover_unlimited"
        case rolloverExpiresAfterCycles = "rollover_expires_after_cycles", priceMinor = "price_minor"
        case idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String, scope: String? = nil, creditsPerCycle: Int64, period: String,
                periodCount: Int? = nil, rolloverMax: Int64? = nil, rolloverUnlimited: Bool? = nil,
                rolloverExpiresAfterCycles: Int? = nil) {
        self.id = id
        self.name = name
        self.scope = scope
        self.creditsPerCycle = creditsPerCycle
        self.period = period
        self.periodCount = periodCount
        self.rolloverMax = rolloverMax
        self.rolloverUnlimited = rolloverUnlimited
        self.rolloverExpiresAfterCycles = rolloverExpiresAfterCycles
    }
}

/// A plan as returned by the daemon; `rolloverMax` null means unlimited.
public struct Plan: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var scope: String
    public var creditsPerCycle: Int64
    public var period: String
    public var periodCount: Int
    public var rolloverMax: Int64?
    public var rolloverExpiresAfterCycles: Int?
    public var archived: Bool
    public init(id: String, name: String, scope: String, creditsPerCycle: Int64, period: String, periodCount: Int, rolloverMax: Int64? = nil, rolloverExpiresAfterCycles: Int? = nil, archived: Bool) {
        self.id = id
        self.name = name
        self.scope = scope
        self.creditsPerCycle = creditsPerCycle
        self.period = period
        self.periodCount = periodCount
        self.rolloverMax = rolloverMax
        self.rolloverExpiresAfterCycles = rolloverExpiresAfterCycles
        self.archived = archived
    }
}

/// `membership.create`: starts a plan for a client on a local date (cycle 0 starts at its midnight).
public struct MembershipCreateParams: MutatingParams {
    public var id: String
    public var client: String
    public var plan: String
    public var startsOn: String
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, client, plan, startsOn = "starts_on", idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, client: String, plan: String, startsOn: String) {
        self.id = id
        self.client = client
        self.plan = plan
        self.startsOn = startsOn
    }
}

/// `membership.cancel`: `now` (default) or at the end of the current cycle.
public struct MembershipCancelParams: MutatingParams {
    public var id: String
    public var when: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, when, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, when: String? = nil) {
        self.id = id
        self.when = when
    }
}

/// A membership as returned by the daemon.
public struct Membership: Codable, Sendable, Equatable {
    public var id: String
    public var client: String
    public var plan: String
    public var startsOn: String
    /// active, paused, cancelling (at cycle end) or cancelled.
    public var status: String
    public var cycle: Int
    public var cycleStartsAt: Timestamp?
    public var nextBoundaryAt: Timestamp?
    public var pausedDays: Int
    public var cancelsAt: Timestamp?
    public init(id: String, client: String, plan: String, startsOn: String, status: String, cycle: Int, cycleStartsAt: Timestamp? = nil, nextBoundaryAt: Timestamp? = nil, pausedDays: Int, cancelsAt: Timestamp? = nil) {
        self.id = id
        self.client = client
        self.plan = plan
        self.startsOn = startsOn
        self.status = status
        self.cycle = cycle
        self.cycleStartsAt = cycleStartsAt
        self.nextBoundaryAt = nextBoundaryAt
        self.pausedDays = pausedDays
        self.cancelsAt = cancelsAt
    }
}

/// `membership.list`.
public struct MembershipListParams: WireParams {
    public var client: String?
    public var limit: Int?
    public var cursor: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case client, limit, cursor }
    public init(client: String? = nil, limit: Int? = nil, cursor: String? = nil) {
        self.client = client
        self.limit = limit
        self.cursor = cursor
    }
}

/// `usage.summary`: per client, or narrowed to one membership or purchase.
public struct UsageParams: WireParams {
    public var client: String
    public var membership: String?
    public var purchase: String?
    public var byCycle: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case client, membership, purchase, byCycle = "by_cycle"
    }
    public init(client: String, membership: String? = nil, purchase: String? = nil, byCycle: Bool? = nil) {
        self.client = client
        self.membership = membership
        self.purchase = purchase
        self.byCycle = byCycle
    }
}

/// Where credits came from and went. `starting + rolloverIn + freeCancellations + manualChanges
/// - totalBooked - rolloverOut - expired - refunded == left`; `forfeited` counts late cancellations
/// (already inside totalBooked).
public struct UsageFigures: Codable, Sendable, Equatable {
    public var starting: Int64 = 0
    public var totalBooked: Int64 = 0
    public var freeCancellations: Int64 = 0
    public var rolloverIn: Int64 = 0
    public var rolloverOut: Int64 = 0
    public var manualChanges: Int64 = 0
    public var expired: Int64 = 0
    public var forfeited: Int64 = 0
    public var refunded: Int64 = 0
    public var left: Int64 = 0
    public init() {}
}

/// One cycle's figures of a membership.
public struct CycleUsage: Codable, Sendable, Equatable {
    public var cycle: Int
    public var startsAt: Timestamp
    public var usage: UsageFigures
    public init(cycle: Int, startsAt: Timestamp, usage: UsageFigures) {
        self.cycle = cycle
        self.startsAt = startsAt
        self.usage = usage
    }
}

/// `usage.summary` result.
public struct UsageSummary: Codable, Sendable, Equatable {
    public var client: String
    public var membership: String?
    public var purchase: String?
    public var usage: UsageFigures
    public var cycles: [CycleUsage]?
    public init(client: String, membership: String? = nil, purchase: String? = nil, usage: UsageFigures, cycles: [CycleUsage]? = nil) {
        self.client = client
        self.membership = membership
        self.purchase = purchase
        self.usage = usage
        self.cycles = cycles
    }
}
