/// Scheduler figures in `daemon.status`.
public struct SchedulerStatus: Codable, Sendable {
    public var processed: Int
    public var nextDeadline: Timestamp?
    /// How late the daemon was for work that came due while it ran.
    public var lagMs: LagFigures
    /// Deadlines processed that were already overdue when the daemon learnt of them (created in
    /// the past, or due before it started): not counted in `lagMs`.
    public var overdueAtCreation: Int
    /// Deadlines the scheduler could not process and skipped (each listed by `daemon.verify`).
    public var skipped: Int
    public init(processed: Int, nextDeadline: Timestamp?, lagMs: LagFigures, overdueAtCreation: Int = 0,
                skipped: Int = 0) {
        self.processed = processed
        self.nextDeadline = nextDeadline
        self.lagMs = lagMs
        self.overdueAtCreation = overdueAtCreation
        self.skipped = skipped
    }
    enum CodingKeys: String, CodingKey { case processed, nextDeadline, lagMs, overdueAtCreation, skipped }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        processed = try c.decode(Int.self, forKey: .processed)
        nextDeadline = try c.decodeIfPresent(Timestamp.self, forKey: .nextDeadline)
        lagMs = try c.decode(LagFigures.self, forKey: .lagMs)
        overdueAtCreation = try c.decodeIfPresent(Int.self, forKey: .overdueAtCreation) ?? 0
        skipped = try c.decodeIfPresent(Int.self, forKey: .skipped) ?? 0
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(processed, forKey: .processed)
        try c.encode(nextDeadline, forKey: .nextDeadline)
        try c.encode(lagMs, forKey: .lagMs)
        try c.encode(overdueAtCreation, forKey: .overdueAtCreation)
        try c.encode(skipped, forKey: .skipped)
    }
}

/// Lag percentiles between when scheduled work was due and when it was recorded.
public struct LagFigures: Codable, Sendable {
    public var p50: Int64
    public var p99: Int64
    public var max: Int64
    public init(p50: Int64, p99: Int64, max: Int64) {
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }
}

/// `daemon.status` result.
public struct DaemonStatus: Codable, Sendable {
    public var version: String
    public var `protocol`: Int
    public var now: Timestamp
    public var testClock: Bool
    public var connections: Int
    public var lots: Int64
    public var events: Int64
    public var scheduler: SchedulerStatus
    /// Why every write is refused until a restart (the database file removed or replaced while
    /// serving, read-only media, a disk full at start); null when writes are taken.
    public var fault: String?
    public init(version: String, protocol: Int, now: Timestamp, testClock: Bool, connections: Int, lots: Int64,
                events: Int64, scheduler: SchedulerStatus, fault: String? = nil) {
        self.version = version
        self.protocol = `protocol`
        self.now = now
        self.testClock = testClock
        self.connections = connections
        self.lots = lots
        self.events = events
        self.scheduler = scheduler
        self.fault = fault
    }
    enum CodingKeys: String, CodingKey {
        case version, `protocol`, now, testClock, connections, lots, events, scheduler, fault
    }
    /// Every key always present (`fault` as null when there is none).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encode(now, forKey: .now)
        try c.encode(testClock, forKey: .testClock)
        try c.encode(connections, forKey: .connections)
        try c.encode(lots, forKey: .lots)
        try c.encode(events, forKey: .events)
        try c.encode(scheduler, forKey: .scheduler)
        try c.encode(fault, forKey: .fault)
    }
}

/// One broken invariant found by `daemon.verify`.
public struct Violation: Codable, Sendable, Equatable {
    public var check: String
    public var client: String?
    public var lot: Int64?
    public var booking: String?
    public var detail: String
    public init(check: String, client: String? = nil, lot: Int64? = nil, booking: String? = nil, detail: String) {
        self.check = check
        self.client = client
        self.lot = lot
        self.booking = booking
        self.detail = detail
    }
}

/// `daemon.verify` result.
public struct VerifyResult: Codable, Sendable {
    public var ok: Bool
    public var clients: Int64
    public var lots: Int64
    public var events: Int64
    public var violations: [Violation]
    public init(ok: Bool, clients: Int64, lots: Int64, events: Int64, violations: [Violation]) {
        self.ok = ok
        self.clients = clients
        self.lots = lots
        self.events = events
        self.violations = violations
    }
}

/// `daemon.backup`: a file name (no directories) written under the state directory's backups folder.
public struct BackupParams: WireParams {
    public var path: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case path }
    public init(path: String) { self.path = path }
}

/// `daemon.backup` result.
public struct BackupResult: Codable, Sendable {
    public var path: String
    public var bytes: Int64
    public init(path: String, bytes: Int64) {
        self.path = path
        self.bytes = bytes
    }
}

/// `clock.set` (test clock only).
public struct ClockSetParams: WireParams {
    public var now: Timestamp
    public enum CodingKeys: String, CodingKey, CaseIterable { case now }
    public init(now: Timestamp) { self.now = now }
}

/// `clock.advance` (test clock only).
public struct ClockAdvanceParams: WireParams {
    public var seconds: Int64
    public enum CodingKeys: String, CodingKey, CaseIterable { case seconds }
    public init(seconds: Int64) { self.seconds = seconds }
}

/// `clock.set` / `clock.advance` result.
public struct ClockResult: Codable, Sendable {
    public var now: Timestamp
    public init(now: Timestamp) { self.now = now }
}

/// `events.subscribe`: both filters optional.
public struct SubscribeParams: WireParams {
    public var clients: [String]?
    public var kinds: [EventKind]?
    public enum CodingKeys: String, CodingKey, CaseIterable { case clients, kinds }
    public init(clients: [String]? = nil, kinds: [EventKind]? = nil) {
        self.clients = clients
        self.kinds = kinds
    }
}
