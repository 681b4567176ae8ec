import CreditProtocol
import GRDB

/// An operating error of the ledger. Every case maps to one wire reason, here and nowhere else.
public enum LedgerError: Error, Equatable, Sendable {
    case notFound(String)
    case alreadyExists(String)
    case insufficientCredits(available: Int64, required: Int64)
    case sessionTypeLocked(String)
    case sessionTypeArchived(String)
    case invalidState(String)
    case idempotencyConflict(String)
    case invalidParams(String)
    case limitExceeded(String)
    /// The database cannot take writes now (disk full, read-only, I/O error): retry later.
    case unavailable(String)
    case internalError(String)

    /// The error as it crosses the wire.
    public var wire: WireError {
        switch self {
        case .notFound(let m): return WireError(.notFound, m)
        case .alreadyExists(let m): return WireError(.alreadyExists, m)
        case .insufficientCredits(let available, let required):
            return WireError(.insufficientCredits, "not enough credits: \(available) available, \(required) required",
                             details: ["available": .int(available), "required": .int(required)])
        case .sessionTypeLocked(let m): return WireError(.sessionTypeLocked, m)
        case .sessionTypeArchived(let m): return WireError(.sessionTypeArchived, m)
        case .invalidState(let m): return WireError(.invalidState, m)
        case .idempotencyConflict(let m): return WireError(.idempotencyConflict, m)
        case .invalidParams(let m): return WireError(.invalidParams, m)
        case .limitExceeded(let m): return WireError(.limitExceeded, m)
        case .unavailable(let m): return WireError(.unavailable, m)
        case .internalError(let m): return WireError(.internalError, m)
        }
    }

    /// Maps anything thrown inside a transaction to a ledger error.
    static func from(_ error: any Error) -> LedgerError {
        if let ledgerError = error as? LedgerError { return ledgerError }
        if let dbError = error as? DatabaseError {
            switch dbError.resultCode {
            case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN,
                 .SQLITE_NOMEM:
                return .unavailable("database unavailable: \(dbError.message ?? "\(dbError.resultCode)")")
            default:
                return .internalError("database error: \(dbError.message ?? "\(dbError.resultCode)")")
            }
        }
        return .internalError("\(error)")
    }
}
