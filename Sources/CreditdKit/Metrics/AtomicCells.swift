import Glibc
import Synchronization

/// A fixed number of `UInt64` counters that any thread may add to without a lock.
///
/// Relaxed atomic adds: a request costs one uncontended `lock xadd` per counter it touches, and
/// a scrape reads each counter once. Counters never decrease, so a scrape that races with adds
/// sees each one at some recent value, which is all Prometheus needs.
final class AtomicCells: @unchecked Sendable {
    private let cells: UnsafeMutablePointer<Atomic<UInt64>>
    /// How many counters there are.
    let count: Int

    init(count: Int) {
        precondition(count > 0, "AtomicCells needs at least one cell")
        self.count = count
        cells = .allocate(capacity: count)
        for index in 0..<count { (cells + index).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        cells.deinitialize(count: count)
        cells.deallocate()
    }

    /// Adds `amount` to counter `index`.
    @inline(__always)
    func add(_ index: Int, _ amount: UInt64 = 1) {
        cells[index].wrappingAdd(amount, ordering: .relaxed)
    }

    /// Counter `index` as of now.
    func load(_ index: Int) -> UInt64 {
        cells[index].load(ordering: .relaxed)
    }
}

/// Prometheus-style histogram: counts per upper bound (`le`), plus the sum of observations.
///
/// Each bucket counts only the observations that fall into it; the exposition makes them
/// cumulative, and reports `_count` as the sum of the buckets so that `_count` always equals
/// the `+Inf` bucket, even while observations are being added.
final class AtomicHistogram: Sendable {
    /// Upper bounds, ascending, in the unit of the observations.
    let bounds: [UInt64]
    /// One cell per bound, one for +Inf, and the sum last.
    private let cells: AtomicCells

    init(bounds: [UInt64]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 },
                     "bounds must be ascending")
        self.bounds = bounds
        cells = AtomicCells(count: bounds.count + 2)
    }

    /// Records one observation.
    ///
    /// Never inlined: inlined into `GroupCommitWriter.run`'s endless loop, Swift 6.3's
    /// loop-invariant code motion never finished (the release build of CreditdKit hung in it).
    @inline(never)
    func observe(_ value: UInt64) {
        // Linear: 16 bounds at most, and small values (the common case) stop early.
        var bucket = 0
        while bucket < bounds.count, value > bounds[bucket] { bucket += 1 }
        cells.add(bucket)
        cells.add(bounds.count + 1, value)
    }

    /// Non-cumulative bucket counts (the last is +Inf) and the sum, as of now.
    func snapshot() -> HistogramSnapshot {
        HistogramSnapshot(bounds: bounds, counts: (0...bounds.count).map(cells.load), sum: cells.load(bounds.count + 1))
    }
}

/// A histogram's figures at one moment, in the observations' unit.
struct HistogramSnapshot: Sendable, Equatable {
    var bounds: [UInt64]
    /// Per bucket, not cumulative; one more than `bounds` (the +Inf bucket).
    var counts: [UInt64]
    var sum: UInt64
}

/// Monotonic nanoseconds for measuring durations (never the ledger's clock: these are not
/// instants of the ledger's time, and a test clock must not stretch them).
enum MonotonicClock {
    @inline(__always)
    static func nowNs() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
