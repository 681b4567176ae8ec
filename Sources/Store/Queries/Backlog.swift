import GRDB

extension Ledger {
    /// Deadlines due at `nowMs` and not yet processed (the scheduler's backlog), counted up to
    /// `limit` per kind so that a scrape stays cheap however far behind the scheduler is.
    /// Zero in normal operation: the scheduler processes each deadline as it falls due.
    public func dueDeadlineCount(nowMs: Int64, limit: Int = 100_000) throws(LedgerError) -> Int64 {
        try read { db in
            // The same conditions as `Deadlines.due`, on the same indexed columns.
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT
                  (SELECT COUNT(*) FROM (SELECT 1 FROM booking WHERE settle_at_ms <= ?1 LIMIT ?2))
                + (SELECT COUNT(*) FROM (SELECT 1 FROM booking WHERE complete_at_ms <= ?1 LIMIT ?2))
                + (SELECT COUNT(*) FROM (SELECT 1 FROM lot WHERE expires_at_ms <= ?1 AND expiry_done = 0
                     AND frozen = 0 AND boundary_expiry = 0 LIMIT ?2))
                + (SELECT COUNT(*) FROM (SELECT 1 FROM membership WHERE next_boundary_at_ms <= ?1 LIMIT ?2))
                + (SELECT COUNT(*) FROM (SELECT 1 FROM idempotency_key WHERE expires_at_ms <= ?1 LIMIT ?2))
                """), arguments: [nowMs, limit])
            return row?[0] ?? 0
        }
    }
}
