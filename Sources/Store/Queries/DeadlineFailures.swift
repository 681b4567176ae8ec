import CreditProtocol
import GRDB
import Scheduling

/// Deadlines the scheduler could not process. A row's deadline that throws (data no rule can
/// handle, such as a membership whose next cycle would start after 9999-12-31) is rolled back
/// alone, recorded here and passed over from then on, so it neither crashes the daemon, nor is
/// retried in a loop, nor holds back later deadlines. `daemon.verify` lists each one.
///
/// A failure is keyed by (kind, subject, instant): when the row's deadline moves (a resumed or
/// cancelled membership, a re-dated lot), the new deadline is tried again.
enum DeadlineFailures {
    /// SQL that is true when the deadline of `kind` at column `at` of row `subject` was not skipped.
    static func notSkipped(_ kind: DeadlineKind, at: String, subject: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM deadline_failure f WHERE f.kind = '\(kind.name)' AND f.subject = \(subject) \
        AND f.at_ms = \(at))
        """
    }

    /// One skipped deadline, as logged and as `daemon.verify` reports it.
    struct Failure: Sendable, Equatable {
        let kind: String
        let subject: String
        let atMs: Int64
        let reason: String
    }

    /// Records that `due` could not be processed because of `error`.
    static func record(_ tx: Tx, _ due: Deadlines.Due, _ error: LedgerError) throws -> Failure {
        let failure = Failure(kind: due.kind.name, subject: due.subject, atMs: due.atMs, reason: error.wire.message)
        try tx.db.execute(sql: """
            INSERT OR REPLACE INTO deadline_failure (kind, subject, at_ms, reason, failed_at_ms) VALUES (?, ?, ?, ?, ?)
            """, arguments: [failure.kind, failure.subject, failure.atMs, failure.reason, tx.nowMs])
        return failure
    }

    /// Processes `dues` one run at a time, each in its own savepoint: a run that fails is rolled back
    /// and, when it is a run of several lot expiries, retried lot by lot; a single deadline that
    /// fails is recorded. An unavailable database (disk full, I/O error) is not the row's fault:
    /// it is rethrown, and the scheduler retries the whole batch later.
    static func processSkippingFailures(_ tx: Tx, _ dues: [Deadlines.Due]) throws -> [Failure] {
        var failures: [Failure] = []
        try Deadlines.forEachRun(dues) { run in
            guard let error = try attempt(tx, { try Deadlines.process(tx, Array(run)) }) else { return }
            if run.count > 1 {
                for due in run {
                    if let error = try attempt(tx, { try Deadlines.process(tx, due) }) {
                        failures.append(try record(tx, due, error))
                    }
                }
            } else {
                failures.append(try record(tx, run[run.startIndex], error))
            }
        }
        return failures
    }

    /// Runs `body` in a savepoint; returns its error after rolling it back, nil when it succeeded.
    private static func attempt(_ tx: Tx, _ body: () throws -> Void) throws -> LedgerError? {
        let eventCount = tx.events.count
        let moved = tx.deadlinesMoved
        var failure: LedgerError?
        try Ledger.inSavepoint(tx) {
            do {
                try body()
                return .commit
            } catch {
                failure = LedgerError.from(error)
                return .rollback
            }
        }
        guard let failure else { return nil }
        if case .unavailable = failure { throw failure }
        tx.rewind(events: eventCount, deadlinesMoved: moved)
        return failure
    }

    /// Every skipped deadline, oldest first (at most `limit`).
    static func all(_ db: Database, limit: Int) throws -> [Failure] {
        try Row.fetchAll(db, sql: """
            SELECT kind, subject, at_ms, reason FROM deadline_failure ORDER BY at_ms, kind, subject LIMIT ?
            """, arguments: [limit]).map { row in
            Failure(kind: row[0], subject: row[1], atMs: row[2], reason: row[3])
        }
    }

    /// How many deadlines have been skipped.
    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadline_failure") ?? 0
    }
}
