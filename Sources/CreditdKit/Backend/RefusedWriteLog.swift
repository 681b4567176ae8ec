import CreditProtocol
import Foundation
import Logging
import Scheduling

/// Logs writes the ledger refuses as `unavailable` (a full disk, an I/O error, read-only
/// media, a removed database file): the client hears why, and so must the operator.
///
/// At most one warning per `intervalMs` of the daemon's clock, so a busy studio on a full disk
/// does not fill the journal (which may be on that same disk); the next warning counts the
/// refusals left out in between.
final class RefusedWriteLog: @unchecked Sendable {
    /// One warning a minute at most.
    static let defaultIntervalMs: Int64 = 60_000

    private let logger: Logger
    private let clock: any Clock
    private let intervalMs: Int64
    private let lock = NSLock()
    private var lastWarningMs: Int64?
    private var leftOut = 0

    init(logger: Logger, clock: any Clock, intervalMs: Int64 = defaultIntervalMs) {
        self.logger = logger
        self.clock = clock
        self.intervalMs = intervalMs
    }

    /// Notes a batch's outcomes; warns when one was refused as `unavailable` and a warning is due.
    func note<T>(_ outcomes: [Result<T, WireError>]) {
        var refused = 0
        var cause: String?
        for case .failure(let error) in outcomes where error.reason == .unavailable {
            refused += 1
            cause = cause ?? error.message
        }
        guard refused > 0, let cause else { return }
        note(refused: refused, cause: cause, nowMs: clock.nowMs())
    }

    /// Records `refused` writes refused for `cause` at `nowMs`.
    func note(refused: Int, cause: String, nowMs: Int64) {
        let earlier: Int? = lock.withLock {
            // A clock moved back (test clock) starts a new interval rather than silencing warnings.
            if let last = lastWarningMs, nowMs >= last, nowMs - last < intervalMs {
                leftOut += refused
                return nil
            }
            lastWarningMs = nowMs
            defer { leftOut = 0 }
            return leftOut
        }
        guard let earlier else { return }
        let count = refused == 1 ? "a write" : "\(refused) writes"
        let since = earlier > 0 ? " (\(earlier) more refused since the last warning)" : ""
        logger.warning("refused \(count) as unavailable: \(cause)\(since)")
    }
}
