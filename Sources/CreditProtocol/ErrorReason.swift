/// Stable machine-readable error reasons, sent as `error.data.reason`.
///
/// Reasons are part of the protocol: they are only ever added, never renamed.
public enum ErrorReason: String, Codable, Sendable, CaseIterable {
    case notFound = "not_found"
    case alreadyExists = "already_exists"
    case insufficientCredits = "insufficient_credits"
    case sessionTypeLocked = "session_type_locked"
    case sessionTypeArchived = "session_type_archived"
    case invalidState = "invalid_state"
    case idempotencyConflict = "idempotency_conflict"
    case permissionDenied = "permission_denied"
    case invalidParams = "invalid_params"
    case limitExceeded = "limit_exceeded"
    case unavailable = "unavailable"
    case parseError = "parse_error"
    case invalidRequest = "invalid_request"
    case methodNotFound = "method_not_found"
    case internalError = "internal_error"

    /// The JSON-RPC error code that goes with the reason.
    public var code: Int {
        switch self {
        case .parseError: return -32700
        case .invalidRequest: return -32600
        case .methodNotFound: return -32601
        case .invalidParams: return -32602
        case .internalError: return -32603
        case .notFound: return -32001
        case .alreadyExists: return -32002
        case .insufficientCredits: return -32003
        case .sessionTypeLocked: return -32004
        case .sessionTypeArchived: return -32005
        case .invalidState: return -32006
        case .idempotencyConflict: return -32007
        case .permissionDenied: return -32008
        case .limitExceeded: return -32009
        case .unavailable: return -32010
        }
    }

    /// Whether a client may retry the same request unchanged and expect a different outcome.
    public var isRetryable: Bool { self == .unavailable || self == .internalError }
}

/// An operating error as it crosses the wire: a reason, a human message and optional details.
public struct WireError: Error, Codable, Sendable, Equatable {
    public var reason: ErrorReason
    public var message: String
    /// Extra machine-readable facts, e.g. `available` and `required` for insufficient credits.
    public var details: [String: DetailValue]

    public init(_ reason: ErrorReason, _ message: String, details: [String: DetailValue] = [:]) {
        self.reason = reason
        self.message = message
        self.details = details
    }
}

/// A scalar detail carried in `error.data` beside `reason`.
public enum DetailValue: Codable, Sendable, Equatable {
    case int(Int64)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) { self = .int(value); return }
        self = .string(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
