// What the timer reports for `daemon.status`.

/// A snapshot of the deadline timer's work since it was created.
public struct SchedulerStats: Sendable, Codable, Equatable {
    /// Deadlines processed.
    public var processed: Int
    /// The earliest pending deadline as last read from the processor, or nil when none.
    public var nextDeadlineMs: Int64?
    /// Lag (processing time minus due time) percentiles over all processed deadlines, in ms;
    /// 0 when nothing has been processed. Percentiles carry HdrHistogram's 3-digit precision.
    public var lagP50Ms: Int64
    public var lagP99Ms: Int64
    /// Exact maximum lag in ms.
    public var lagMaxMs: Int64
    /// Errors reported by the processor (each also went to the timer's `onError`).
    public var errors: Int
    /// Deadlines processed that were already overdue when the timer learnt of them: due before it
    /// started (catch-up) or created in the past (a booking entered after the fact). Not in the lag
    /// figures, which measure how late the timer was for work it knew was coming.
    public var overdueAtCreation: Int

    public init(processed: Int = 0, nextDeadlineMs: Int64? = nil, lagP50Ms: Int64 = 0, lagP99Ms: Int64 = 0,
                lagMaxMs: Int64 = 0, errors: Int = 0, overdueAtCreation: Int = 0) {
        self.processed = processed
        self.nextDeadlineMs = nextDeadlineMs
        self.lagP50Ms = lagP50Ms
        self.lagP99Ms = lagP99Ms
        self.lagMaxMs = lagMaxMs
        self.errors = errors
        self.overdueAtCreation = overdueAtCreation
    }
}
