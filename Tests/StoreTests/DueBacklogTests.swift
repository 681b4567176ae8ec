import CreditProtocol
import Foundation
import Testing
@testable import Store

/// `Ledger.dueDeadlineCount`: the scheduler's backlog behind `creditd_scheduler_due_deadlines`.
@Suite struct DueBacklogTests {
    @Test func dueDeadlineCountCountsWhatIsDueAndNotProcessed() throws {
        // Given two lots expiring an hour apart and a booking (settled when due)
        let f = try Fixture()
        try f.type("yoga")
        try f.client("ann")
        try f.issue("ann", "yoga", 2, expiresAt: f.at("2026-01-05T10:00:00Z"))
        try f.issue("ann", "yoga", 2, expiresAt: f.at("2026-01-05T11:00:00Z"))
        // Then nothing is due now
        #expect(try f.ledger.dueDeadlineCount(nowMs: f.nowMs) == 0)
        // When the clock passes the first expiry without processing, then one is due; past both, two
        #expect(try f.ledger.dueDeadlineCount(nowMs: f.at("2026-01-05T10:00:00Z").ms) == 1)
        #expect(try f.ledger.dueDeadlineCount(nowMs: f.at("2026-01-05T11:30:00Z").ms) == 2)
        // And the count stops at its limit (per kind) however large the backlog
        #expect(try f.ledger.dueDeadlineCount(nowMs: f.at("2026-01-05T11:30:00Z").ms, limit: 1) == 1)
        // When the scheduler processes them, then nothing is left due
        try f.advance(hours: 3)
        #expect(try f.ledger.dueDeadlineCount(nowMs: f.nowMs) == 0)
    }
}
