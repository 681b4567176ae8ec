// Injected time: everything that asks "what time is it" goes through a Clock so that tests and
// `creditd --test-clock` can drive time by hand.
import Foundation

/// Injected time. Never read the clock ad hoc.
public protocol Clock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMs() -> Int64
    /// Whether this clock follows the system's wall clock, so that a ``DeadlineTimer`` may arm a
    /// real Dispatch timer for it. Defaults to true; ``ManualClock`` is false (only explicit
    /// ``DeadlineTimer/runDueNow()`` calls process work).
    var followsWallTime: Bool { get }
}

extension Clock {
    /// True unless a clock says otherwise.
    public var followsWallTime: Bool { true }
}

/// The system's wall clock (CLOCK_REALTIME).
public struct SystemClock: Clock {
    public init() {}

    /// Milliseconds since the Unix epoch, truncated.
    public func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A manual clock for tests and `creditd --test-clock`: thread-safe. It never moves by itself.
public final class ManualClock: Clock, @unchecked Sendable {
    // NSLock rather than Synchronization.Mutex: Mutex needs macOS 15 and the package declares macOS 13.
    private let lock = NSLock()
    private var currentMs: Int64

    /// Starts at `nowMs` (milliseconds since the Unix epoch).
    public init(nowMs: Int64) {
        currentMs = nowMs
    }

    public func nowMs() -> Int64 {
        lock.withLock { currentMs }
    }

    /// False: a ``DeadlineTimer`` never fires by wall time for a manual clock.
    public var followsWallTime: Bool { false }

    /// Sets the time; moving backwards is allowed (it models a wall-clock step).
    public func set(nowMs: Int64) {
        lock.withLock { currentMs = nowMs }
    }

    /// Moves the time by `seconds` (negative: backwards).
    public func advance(seconds: Int64) {
        let (deltaMs, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        precondition(!overflow, "advance(seconds:) overflows: \(seconds)")
        lock.withLock { currentMs += deltaMs }
    }
}
