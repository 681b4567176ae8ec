/// Scheduler lag counted in fixed buckets, for a Prometheus histogram (`creditd_scheduler_lag_seconds`).
///
/// The HdrHistogram in `DeadlineTimer` gives `daemon.status` its percentiles; Prometheus needs
/// counts per fixed upper bound instead, which it can sum across scrapes and instances.
public struct LagBuckets: Sendable, Equatable {
    /// Upper bounds in ms: 10 ms to a day.
    public static let boundsMs: [Int64] = [10, 50, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000,
                                           3_600_000, 86_400_000]
    /// Per bucket, not cumulative; the last is above every bound (+Inf).
    public private(set) var counts: [UInt64] = Array(repeating: 0, count: LagBuckets.boundsMs.count + 1)
    /// Sum of all recorded lags, ms.
    public private(set) var sumMs: UInt64 = 0

    public init() {}

    /// Records one deadline's lag.
    public mutating func record(lagMs: Int64) {
        let lag = max(lagMs, 0)
        counts[Self.boundsMs.firstIndex { lag <= $0 } ?? Self.boundsMs.count] += 1
        sumMs &+= UInt64(lag)
    }
}
