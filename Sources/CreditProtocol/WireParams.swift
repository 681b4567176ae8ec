/// Params of a method. Keys are the snake_case field names listed in `CodingKeys`, so the
/// dispatcher can refuse unknown keys before anything runs.
public protocol WireParams: Codable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable where CodingKeys.RawValue == String
    /// Every key the params accept.
    static var fieldNames: Set<String> { get }
}

extension WireParams {
    /// Every key the params accept.
    public static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
}

/// Params of a mutating method: every one takes an idempotency key and a staff name.
public protocol MutatingParams: WireParams {
    var idempotencyKey: String? { get }
    var staff: String? { get }
}

/// `{}`: methods without params.
public struct EmptyParams: WireParams {
    public enum CodingKeys: String, CodingKey, CaseIterable { case _unused }
    public init() {}
    public static var fieldNames: Set<String> { [] }
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
}

/// `{id}`: get-by-id methods.
public struct IdParams: WireParams {
    public var id: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case id }
    public init(id: String) { self.id = id }
}

/// `{id, note?, idempotency_key?, staff?}`: state changes on one object.
public struct IdActionParams: MutatingParams {
    public var id: String
    public var note: String?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, note, idempotencyKey = "idempotency_key", staff
    }
    public init(id: String, note: String? = nil, idempotencyKey: String? = nil, staff: String? = nil) {
        self.id = id
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `{limit?, cursor?, include_archived?}`: listings of setup objects.
public struct ListParams: WireParams {
    public var limit: Int?
    public var cursor: String?
    public var includeArchived: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case limit, cursor, includeArchived = "include_archived"
    }
    public init(limit: Int? = nil, cursor: String? = nil, includeArchived: Bool? = nil) {
        self.limit = limit
        self.cursor = cursor
        self.includeArchived = includeArchived
    }
}

/// A page of a listing; `nextCursor` is null on the last page.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var nextCursor: String?
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
    enum CodingKeys: String, CodingKey { case items, nextCursor }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
