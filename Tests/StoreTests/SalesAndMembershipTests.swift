import CreditProtocol
import Scheduling
import Testing
@testable import Store

@Suite struct SalesTests {
    func sell(_ f: Fixture, package: String, to client: String, id: String) throws -> Purchase {
        try f.run(Ledger.purchaseCreate(PurchaseCreateParams(id: id, client: client, package: package, paymentRef: "pi_1"), by: f.actor))
    }

    @Test func packageWithBonusAndExpiryDaysAsALocalDate() throws {
        // Given a New York studio and "10 + 2 bonus, 90 days" for 90 USD
        let f = try Fixture(zone: "America/New_York", nowMs: Timestamp("2026-01-05T03:00:00Z")!.ms)
        try f.client("c1")
        _ = try f.run(Ledger.packageCreate(PackageCreateParams(id: "ten", name: "Ten pack", credits: 10, bonusCredits: 2,
                                                               priceMinor: 9000, currency: "USD", expiryDays: 90), by: f.actor))
        // When sold at 22:00 local on Jan 4
        let purchase = try sell(f, package: "ten", to: "c1", id: "p1")
        // Then one lot of 12 credits valid through local 2026-04-04 (90 days after Jan 4)
        #expect(purchase.credits == 12 && purchase.priceMinor == 9000 && purchase.currency == "USD")
        #expect(purchase.expiresAt == Timestamp("2026-04-05T04:00:00Z"))
        #expect(try f.balance("c1").total == 12)
    }

    @Test func refundAfterPartialUseRemovesOnlyUnusedCredits() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        _ = try f.run(Ledger.packageCreate(PackageCreateParams(id: "five", name: "Five", credits: 5, priceMinor: 5000, scope: "yoga"), by: f.actor))
        let purchase = try sell(f, package: "five", to: "c1", id: "p1")
        try f.book("b1", "c1", "yoga", startsIn: 100)
        try f.book("b2", "c1", "yoga", startsIn: 100)
        // When refunded
        let refunded = try f.run(Ledger.purchaseRefund(IdActionParams(id: "p1", note: "moved away"), by: f.actor))
        // Then the 3 unused credits are removed; the 2 used stay used
        #expect(refunded.refunded && refunded.refundedCredits == 3)
        #expect(try f.balance("c1").total == 0)
        let events = try f.events("c1", kinds: [.refunded])
        #expect(events.count == 1 && events[0].amount == -3 && events[0].lot == purchase.lot)
        // And an early cancel afterwards returns into the refunded lot and loses the credit at once
        _ = try f.run(Ledger.bookingCancel(BookingCancelParams(id: "b1"), by: f.actor))
        #expect(try f.events("c1", kinds: [.refunded]).count == 2)
        #expect(try f.balance("c1").total == 0)
        // And a second refund is an invalid state
        #expect(error { try f.run(Ledger.purchaseRefund(IdActionParams(id: "p1"), by: f.actor)) }.map { $0.wire.reason } == .invalidState)
        let usage = try f.ledger.usage(UsageParams(client: "c1", purchase: "p1"))
        #expect(usage.usage.starting == 5 && usage.usage.totalBooked == 2 && usage.usage.refunded == 4
                && usage.usage.freeCancellations == 1 && usage.usage.left == 0)
        #expect(try f.assertConsistent(["c1"]))
    }
}

@Suite struct MembershipTests {
    func plan(_ f: Fixture, rolloverMax: Int64?, rolloverCycles: Int? = nil) throws {
        _ = try f.run(Ledger.planCreate(PlanCreateParams(
            id: "monthly", name: "Monthly 8", creditsPerCycle: 8, period: "month", rolloverMax: rolloverMax,
            rolloverUnlimited: rolloverMax == nil ? true : nil, rolloverExpiresAfterCycles: rolloverCycles), by: f.actor))
    }

    func start(_ f: Fixture, on date: String) throws -> Membership {
        try f.run(Ledger.membershipCreate(MembershipCreateParams(id: "m1", client: "c1", plan: "monthly", startsOn: date), by: f.actor))
    }

    @Test func cyclesRollOverUpToTheMaximumAndExpireTheRest() throws {
        // Given a monthly plan of 8 with rollover_max 3, started on Jan 31
        let f = try Fixture(nowMs: Timestamp("2026-01-31T08:00:00Z")!.ms)
        try f.type("yoga")
        try f.client("c1")
        try plan(f, rolloverMax: 3, rolloverCycles: 1)
        let m = try start(f, on: "2026-01-31")
        #expect(m.cycle == 0 && m.nextBoundaryAt == Timestamp("2026-02-28T00:00:00Z"))
        #expect(try f.balance("c1").total == 8)
        // When 2 credits are used and the cycle ends
        try f.book("b1", "c1", "yoga", startsIn: 2)
        try f.book("b2", "c1", "yoga", startsIn: 3)
        f.nowMs = Timestamp("2026-02-28T00:00:00Z")!.ms
        try f.advance()
        // Then 3 roll over, 3 expire, and 8 new are issued: 11
        #expect(try f.balance("c1").total == 11)
        let rolled = try f.events("c1", kinds: [.rolledOver])
        #expect(rolled.count == 1 && rolled[0].credits == 3 && rolled[0].amount == 0)
        #expect(try f.events("c1", kinds: [.expired]).map(\.credits) == [3])
        // When the next boundary (Mar 31, clamped anchors never drift) passes, the rollover lot expires first
        f.nowMs = Timestamp("2026-03-31T00:00:00Z")!.ms
        try f.advance()
        #expect(try f.ledger.membership("m1").nextBoundaryAt == Timestamp("2026-04-30T00:00:00Z"))
        #expect(try f.balance("c1").total == 11)
        let usage = try f.ledger.usage(UsageParams(client: "c1", membership: "m1", byCycle: true))
        let u = usage.usage
        #expect(u.starting + u.rolloverIn + u.freeCancellations + u.manualChanges - u.totalBooked - u.rolloverOut - u.expired - u.refunded == u.left)
        #expect(u.left == 11 && u.starting == 24 && u.totalBooked == 2)
        #expect(usage.cycles?.count == 3)
        for cycle in usage.cycles ?? [] {
            let c = cycle.usage
            #expect(c.starting + c.rolloverIn + c.freeCancellations + c.manualChanges - c.totalBooked - c.rolloverOut - c.expired - c.refunded == c.left)
        }
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func backdatingIsCappedAndABackdatedStartCatchesUpEveryCycle() throws {
        // Given a monthly plan and a clock on 2026-01-31
        let f = try Fixture(nowMs: Timestamp("2026-01-31T08:00:00Z")!.ms)
        try f.type("yoga")
        try f.client("c1")
        try plan(f, rolloverMax: 0)
        // When the start lies more than membershipBackdateDaysMax days back
        let tooEarly = LocalDate("2026-01-31")!.advanced(byDays: -Limits.membershipBackdateDaysMax - 1)!
        let refused = error { try start(f, on: tooEarly.description) }
        // Then it is refused as a limit, and nothing was written
        guard case .limitExceeded = refused else {
            Issue.record("expected limitExceeded, got \(String(describing: refused))")
            return
        }
        #expect(error { try f.ledger.membership("m1") } != nil)
        #expect(try f.balance("c1").total == 0)
        // When it starts three months back instead
        let m = try start(f, on: "2025-10-31")
        // Then every missed boundary ran in the same transaction: the fourth cycle is current,
        // and with rollover_max 0 only its 8 credits are left
        #expect(m.cycle == 3 && m.nextBoundaryAt == Timestamp("2026-02-28T00:00:00Z"))
        #expect(try f.balance("c1").total == 8)
        #expect(try f.events("c1", kinds: [.issued]).count == 4)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func pauseFreezesAndResumeShiftsByWholeDays() throws {
        let f = try Fixture(nowMs: Timestamp("2026-03-01T10:00:00Z")!.ms)
        try f.type("yoga")
        try f.client("c1")
        try plan(f, rolloverMax: 0)
        _ = try start(f, on: "2026-03-01")
        // When paused for 10 days and a half
        _ = try f.run(Ledger.membershipPause(IdActionParams(id: "m1"), by: f.actor))
        #expect(error { try f.book("b1", "c1", "yoga") } == .insufficientCredits(available: 0, required: 1))
        f.nowMs += 10 * 86_400_000 + 43_200_000
        try f.advance()
        let resumed = try f.run(Ledger.membershipResume(IdActionParams(id: "m1"), by: f.actor))
        // Then the boundary and the lot's expiry moved by 10 days, and the credits are bookable again
        #expect(resumed.pausedDays == 10 && resumed.nextBoundaryAt == Timestamp("2026-04-11T00:00:00Z"))
        #expect(try f.balance("c1").bySessionType[0].nextExpiry?.at == Timestamp("2026-04-11T00:00:00Z"))
        try f.book("b1", "c1", "yoga")
        #expect(try f.balance("c1").total == 7)
    }

    @Test func cancelAtCycleEndIssuesNoNewCycle() throws {
        let f = try Fixture(nowMs: Timestamp("2026-03-01T10:00:00Z")!.ms)
        try f.client("c1")
        try plan(f, rolloverMax: nil)
        _ = try start(f, on: "2026-03-01")
        let cancelling = try f.run(Ledger.membershipCancel(MembershipCancelParams(id: "m1", when: "cycle_end"), by: f.actor))
        #expect(cancelling.status == "cancelling")
        f.nowMs = Timestamp("2026-04-02T00:00:00Z")!.ms
        try f.advance()
        let m = try f.ledger.membership("m1")
        #expect(m.status == "cancelled" && m.nextBoundaryAt == nil)
        #expect(try f.balance("c1").total == 0)
        #expect(try f.events("c1", kinds: [.issued]).count == 1)
    }

    @Test func cancelNowKeepsGrantedCreditsUntilTheirExpiry() throws {
        let f = try Fixture(nowMs: Timestamp("2026-03-01T10:00:00Z")!.ms)
        try f.client("c1")
        try plan(f, rolloverMax: nil)
        _ = try start(f, on: "2026-03-01")
        _ = try f.run(Ledger.membershipCancel(MembershipCancelParams(id: "m1"), by: f.actor))
        #expect(try f.balance("c1").total == 8)
        f.nowMs = Timestamp("2026-04-01T00:00:00Z")!.ms
        try f.advance()
        #expect(try f.balance("c1").total == 0)
        #expect(try f.events("c1", kinds: [.issued]).count == 1)
        #expect(try f.assertConsistent(["c1"]))
    }
}
