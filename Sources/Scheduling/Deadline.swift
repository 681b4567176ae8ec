// The vocabulary of time-driven work. The rows live in the Store's database; these types give
// them one total order so that equal instants are still processed deterministically.

/// The kinds of time-driven work, in their total order at equal instants.
public enum DeadlineKind: Int, Comparable, Codable, Sendable, CaseIterable {
    // Settle and complete bookings before expiring lots so that a booking's outcome at an
    // instant is decided before the credits it might return stop being live; expiry before
    // membership boundaries so a cycle's lot expires (or rolls over) before the next is issued;
    // bookkeeping last.
    case settleCancellation = 0, completeBooking = 1, expireLot = 2, membershipBoundary = 3, idempotencyCleanup = 4

    public static func < (a: DeadlineKind, b: DeadlineKind) -> Bool { a.rawValue < b.rawValue }

    /// A stable lowercase name for logs and the protocol, e.g. "expire_lot".
    public var name: String {
        switch self {
        case .settleCancellation: "settle_cancellation"
        case .completeBooking: "complete_booking"
        case .expireLot: "expire_lot"
        case .membershipBoundary: "membership_boundary"
        case .idempotencyCleanup: "idempotency_cleanup"
        }
    }
}

/// One piece of time-driven work: due at `atMs`, of `kind`, about `subjectId` (a lot, booking,
/// membership or key id). Order: atMs, then kind, then subjectId.
public struct Deadline: Comparable, Hashable, Codable, Sendable {
    /// Due instant, milliseconds since the Unix epoch.
    public let atMs: Int64
    public let kind: DeadlineKind
    /// The id of the row the work concerns.
    public let subjectId: String

    public init(atMs: Int64, kind: DeadlineKind, subjectId: String) {
        self.atMs = atMs
        self.kind = kind
        self.subjectId = subjectId
    }

    public static func < (a: Deadline, b: Deadline) -> Bool {
        if a.atMs != b.atMs { return a.atMs < b.atMs }
        if a.kind != b.kind { return a.kind < b.kind }
        // Byte-wise (UTF-8) comparison, the same order SQLite's BINARY collation uses, so the
        // Store can ORDER BY at_ms, kind, subject_id and agree with this type.
        return a.subjectId.utf8.lexicographicallyPrecedes(b.subjectId.utf8)
    }
}

/// What the timer drives. The Store's ledger will conform to this.
public protocol DeadlineProcessor: AnyObject, Sendable {
    /// Earliest pending deadline, or nil when nothing is scheduled.
    func nextDeadlineMs() throws -> Int64?
    /// Process, in deadline order and in ONE transaction, at most `batchMax` deadlines due at or before `nowMs`.
    /// Returns the due instant of each deadline processed (empty when nothing was due).
    func processDue(nowMs: Int64, batchMax: Int) throws -> [Int64]
}
