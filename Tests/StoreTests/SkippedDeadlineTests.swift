import CreditProtocol
import Foundation
import GRDB
@testable import Store
import Testing

/// Issue 14 defect 2: no row may crash the scheduler. A deadline it cannot process is skipped
/// (rolled back alone, recorded, not retried, not blocking later ones) and `daemon.verify` lists it.
@Suite struct SkippedDeadlineTests {
    @Test func aDeadlineTheSchedulerCannotProcessIsSkippedAndReportedWithoutBlockingLaterOnes() throws {
        // Given a yearly membership, a booking that completes later, and two rows broken by direct
        // SQL: the membership's anchor is no date at all, and a completed booking with a settle
        // deadline (only a pending late cancellation settles)
        let f = try Fixture()
        try f.type("yoga")
        try f.client("ann")
        try f.issue("ann", "yoga", 2)
        _ = try f.run(Ledger.planCreate(PlanCreateParams(id: "century", name: "Century", creditsPerCycle: 1,
                                                          period: "year", periodCount: 120), by: f.actor))
        _ = try f.run(Ledger.membershipCreate(MembershipCreateParams(id: "m1", client: "ann", plan: "century",
                                                                     startsOn: "2026-01-05"), by: f.actor))
        try f.book("b1", "ann", "yoga", startsIn: 2)
        try f.book("b2", "ann", "yoga", startsIn: 48)
        try f.ledger.writer.write { db in
            try db.execute(sql: "UPDATE membership SET starts_on = 'not-a-date', next_boundary_at_ms = ? WHERE id = 'm1'",
                           arguments: [f.nowMs + 3_600_000])
            try db.execute(sql: "UPDATE booking SET settle_at_ms = ? WHERE id = 'b1'", arguments: [f.nowMs + 1_800_000])
        }
        // When time passes both broken deadlines and b2's completion
        try f.advance(days: 3)
        // Then nothing trapped, b2 completed after them, and no deadline is due any more
        #expect(try f.ledger.booking("b2").status == .completed)
        let next = try f.ledger.nextDeadlineMs()
        #expect(next == nil || next! > f.nowMs)
        #expect(try f.ledger.processDue(nowMs: f.nowMs, batchMax: 64).isEmpty)
        // And verify names both rows, and the skip count says two
        let verify = try f.ledger.verify()
        let skipped = verify.violations.filter { $0.check == "deadline_skipped" }
        #expect(skipped.count == 2)
        #expect(skipped.contains { $0.booking == "b1" && $0.detail.contains("settle_cancellation") })
        #expect(skipped.contains { $0.detail.contains("membership_boundary of m1") })
        #expect(try f.ledger.skippedDeadlineCount() == 2)
        // And the membership's own ledger rows were left as they were (the failed boundary rolled back)
        #expect(try f.ledger.membership("m1").cycle == 0)
        #expect(verify.violations.allSatisfy { $0.check == "deadline_skipped" })
    }

    @Test func membershipWhoseFirstCycleWouldEndAfter9999IsRefused() throws {
        // Given a plan of 120-year cycles
        let f = try Fixture()
        try f.client("ann")
        _ = try f.run(Ledger.planCreate(PlanCreateParams(id: "century", name: "Century", creditsPerCycle: 1,
                                                          period: "year", periodCount: 120), by: f.actor))
        // When a membership on it would start in 9999, Then it is invalid_params, not a future crash
        let failure = error { try f.run(Ledger.membershipCreate(MembershipCreateParams(
            id: "m1", client: "ann", plan: "century", startsOn: "9999-01-01"), by: f.actor)) }
        guard case .invalidParams = failure else {
            Issue.record("expected invalid_params, got \(String(describing: failure))")
            return
        }
    }

    @Test func aMembershipReachingTheCalendarsEndEndsThereInsteadOfFailing() throws {
        // Given a membership on 120-year cycles started in 2024, whose cycle 67 would begin in 10064
        let f = try Fixture()
        try f.client("ann")
        _ = try f.run(Ledger.planCreate(PlanCreateParams(id: "century", name: "Century", creditsPerCycle: 1,
                                                          period: "year", periodCount: 120), by: f.actor))
        _ = try f.run(Ledger.membershipCreate(MembershipCreateParams(id: "m1", client: "ann", plan: "century",
                                                                     startsOn: "2024-02-29"), by: f.actor))
        // When the clock reaches 9999
        f.nowMs = Timestamp("9999-06-01T00:00:00Z")!.ms
        while try !f.ledger.processDue(nowMs: f.nowMs, batchMax: 64).isEmpty {}
        // Then the membership ended at its last boundary (9944-02-29), nothing was skipped, verify is clean
        let m = try f.ledger.membership("m1")
        #expect(m.status == "cancelled" && m.nextBoundaryAt == nil, "\(m)")
        #expect(try f.ledger.skippedDeadlineCount() == 0)
        #expect(try f.ledger.verify().ok)
    }

    @Test func resumeThatWouldMoveTheNextBoundaryPast9999IsRefused() throws {
        // Given a yearly membership starting 9990-01-01, paused at once
        let f = try Fixture()
        try f.client("ann")
        _ = try f.run(Ledger.planCreate(PlanCreateParams(id: "yearly", name: "Yearly", creditsPerCycle: 1,
                                                          period: "year"), by: f.actor))
        _ = try f.run(Ledger.membershipCreate(MembershipCreateParams(id: "m1", client: "ann", plan: "yearly",
                                                                     startsOn: "9990-01-01"), by: f.actor))
        _ = try f.run(Ledger.membershipPause(IdActionParams(id: "m1"), by: f.actor))
        // When it is resumed ten years later (its first boundary would move into year 10000)
        f.nowMs += 3_660 * 86_400_000
        let failure = error { try f.run(Ledger.membershipResume(IdActionParams(id: "m1"), by: f.actor)) }
        // Then it is invalid_params, and the membership stays paused
        guard case .invalidParams = failure else {
            Issue.record("expected invalid_params, got \(String(describing: failure))")
            return
        }
        #expect(try f.ledger.membership("m1").status == "paused")
    }
}
