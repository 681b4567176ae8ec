/// `studio.update`: the studio's zone and currency.
public struct StudioUpdateParams: MutatingParams {
    public var timeZone: String?
    public var currency: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case timeZone = "time_zone", currency, idempotencyKey = "idempotency_key", staff
    }
    public init(timeZone: String? = nil, currency: String? = nil) {
        self.timeZone = timeZone
        self.currency = currency
    }
}

/// The studio's settings.
public struct Studio: Codable, Sendable, Equatable {
    public var timeZone: String
    public var currency: String
    public init(timeZone: String, currency: String) {
        self.timeZone = timeZone
        self.currency = currency
    }
}

/// `session_type.create`.
public struct SessionTypeCreateParams: MutatingParams {
    public var id: String
    public var name: String
    public var requiresCredit: Bool?
    public var creditCost: Int64?
    public var allowNegative: Bool?
    public var lateCancelWindowS: Int64?
    public var lateCancelGraceS: Int64?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, requiresCredit = "requires_credit", creditCost = "credit_cost"
        case allowNegative = "allow_negative", lateCancelWindowS = "late_cancel_window_s"
        case lateCancelGraceS = "late_cancel_grace_s", idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String, requiresCredit: Bool? = nil, creditCost: Int64? = nil,
                allowNegative: Bool? = nil, lateCancelWindowS: Int64? = nil, lateCancelGraceS: Int64? = nil,
                idempotencyKey: String? = nil, staff: String? = nil) {
        self.id = id
        self.name = name
        self.requiresCredit = requiresCredit
        self.creditCost = creditCost
        self.allowNegative = allowNegative
        self.lateCancelWindowS = lateCancelWindowS
        self.lateCancelGraceS = lateCancelGraceS
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `session_type.update`: only the fields given change.
public struct SessionTypeUpdateParams: MutatingParams {
    public var id: String
    public var name: String?
    public var requiresCredit: Bool?
    public var creditCost: Int64?
    public var allowNegative: Bool?
    public var lateCancelWindowS: Int64?
    public var lateCancelGraceS: Int64?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, requiresCredit = "requires_credit", creditCost = "credit_cost"
        case allowNegative = "allow_negative", lateCancelWindowS = "late_cancel_window_s"
        case lateCancelGraceS = "late_cancel_grace_s", idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String? = nil, requiresCredit: Bool? = nil, creditCost: Int64? = nil,
                allowNegative: Bool? = nil, lateCancelWindowS: Int64? = nil, lateCancelGraceS: Int64? = nil) {
        self.id = id
        self.name = name
        self.requiresCredit = requiresCredit
        self.creditCost = creditCost
        self.allowNegative = allowNegative
        self.lateCancelWindowS = lateCancelWindowS
        self.lateCancelGraceS = lateCancelGraceS
    }
}

/// A session type as returned by the daemon.
public struct SessionType: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var requiresCredit: Bool
    public var creditCost: Int64
    public var allowNegative: Bool
    public var lateCancelWindowS: Int64
    public var lateCancelGraceS: Int64
    public var archived: Bool
    public init(id: String, name: String, requiresCredit: Bool, creditCost: Int64, allowNegative: Bool, lateCancelWindowS: Int64, lateCancelGraceS: Int64, archived: Bool) {
        self.id = id
        self.name = name
        self.requiresCredit = requiresCredit
        self.creditCost = creditCost
        self.allowNegative = allowNegative
        self.lateCancelWindowS = lateCancelWindowS
        self.lateCancelGraceS = lateCancelGraceS
        self.archived = archived
    }
}

/// `session_type.archive` result: the type and how many clients still hold credits for it.
public struct SessionTypeArchiveResult: Codable, Sendable {
    public var sessionType: SessionType
    public var clientsWithCredits: Int
    public init(sessionType: SessionType, clientsWithCredits: Int) {
        self.sessionType = sessionType
        self.clientsWithCredits = clientsWithCredits
    }
}

/// `client.create`.
public struct ClientCreateParams: MutatingParams {
    public var id: String
    public var name: String
    public var email: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, email, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String, email: String? = nil, idempotencyKey: String? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.idempotencyKey = idempotencyKey
    }
}

/// `client.update`: only the fields given change; an empty email clears it.
public struct ClientUpdateParams: MutatingParams {
    public var id: String
    public var name: String?
    public var email: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, email, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, name: String? = nil, email: String? = nil) {
        self.id = id
        self.name = name
        self.email = email
    }
}

/// A client as returned by the daemon.
public struct Client: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String?
    /// False while deactivated (`client.deactivate`): history and credits stay, new bookings and credits do not.
    public var active: Bool
    public init(id: String, name: String, email: String? = nil, active: Bool = true) {
        self.id = id
        self.name = name
        self.email = email
        self.active = active
    }
    enum CodingKeys: String, CodingKey { case id, name, email, active }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        // A daemon from before client.deactivate sends no `active`: every client was active.
        active = try c.decodeIfPresent(Bool.self, forKey: .active) ?? true
    }
}
