/// `booking.create`; with `dry_run` nothing is written and the would-be result is returned.
public struct BookingCreateParams: MutatingParams {
    public var id: String
    public var client: String
    public var sessionType: String
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    public var creditCost: Int64?
    public var dryRun: Bool?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, client, sessionType = "session_type", startsAt = "starts_at", endsAt = "ends_at"
        case creditCost = "credit_cost", dryRun = "dry_run", idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, client: String, sessionType: String, startsAt: Timestamp, endsAt: Timestamp? = nil,
                creditCost: Int64? = nil, dryRun: Bool? = nil, idempotencyKey: String? = nil, staff: String? = nil) {
        self.id = id
        self.client = client
        self.sessionType = sessionType
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.creditCost = creditCost
        self.dryRun = dryRun
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// How a cancellation is judged.
public enum CancelMode: String, Codable, Sendable, CaseIterable { case auto, early, late }

/// `booking.cancel`.
public struct BookingCancelParams: MutatingParams {
    public var id: String
    public var mode: CancelMode?
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, mode, note, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, mode: CancelMode? = nil, note: String? = nil, idempotencyKey: String? = nil,
                staff: String? = nil) {
        self.id = id
        self.mode = mode
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// A booking's lifecycle state.
public enum BookingStatus: String, Codable, Sendable, CaseIterable {
    case booked
    case cancelPending = "cancel_pending"
    case cancelledEarly = "cancelled_early"
    case cancelledLate = "cancelled_late"
    case cancelledWaived = "cancelled_waived"
    case completed
    case noShow = "no_show"
}

/// Credits a booking took from one lot; `lot` is null for debt.
public struct Allocation: Codable, Sendable, Equatable {
    public var lot: Int64?
    public var credits: Int64
    public init(lot: Int64? = nil, credits: Int64) {
        self.lot = lot
        self.credits = credits
    }
    enum CodingKeys: String, CodingKey { case lot, credits }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lot, forKey: .lot)
        try c.encode(credits, forKey: .credits)
    }
}

/// A booking as returned by the daemon.
public struct Booking: Codable, Sendable, Equatable {
    public var id: String
    public var client: String
    public var sessionType: String
    public var startsAt: Timestamp
    public var endsAt: Timestamp
    public var creditCost: Int64
    public var status: BookingStatus
    public var cancelledAt: Timestamp?
    /// When a pending late cancellation is settled by the daemon.
    public var settlesAt: Timestamp?
    public var allocations: [Allocation]
    /// The client's credits for this session type (its own and `any`) after the booking.
    public var creditsLeft: Int64?
    public var dryRun: Bool?
    public init(id: String, client: String, sessionType: String, startsAt: Timestamp, endsAt: Timestamp, creditCost: Int64, status: BookingStatus, cancelledAt: Timestamp? = nil, settlesAt: Timestamp? = nil, allocations: [Allocation], creditsLeft: Int64? = nil, dryRun: Bool? = nil) {
        self.id = id
        self.client = client
        self.sessionType = sessionType
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.creditCost = creditCost
        self.status = status
        self.cancelledAt = cancelledAt
        self.settlesAt = settlesAt
        self.allocations = allocations
        self.creditsLeft = creditsLeft
        self.dryRun = dryRun
    }
}

/// `booking.list`.
public struct BookingListParams: WireParams {
    public var client: String?
    public var status: BookingStatus?
    public var from: Timestamp?
    public var to: Timestamp?
    public var limit: Int?
    public var cursor: String?
    /// Only bookings of this session type.
    public var sessionType: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case client, status, from, to, limit, cursor, sessionType = "session_type"
    }
    public init(client: String? = nil, status: BookingStatus? = nil, from: Timestamp? = nil, to: Timestamp? = nil,
                limit: Int? = nil, cursor: String? = nil, sessionType: String? = nil) {
        self.client = client
        self.status = status
        self.from = from
        self.to = to
        self.limit = limit
        self.cursor = cursor
        self.sessionType = sessionType
    }
}
