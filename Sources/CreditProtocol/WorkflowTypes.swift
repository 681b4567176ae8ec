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
