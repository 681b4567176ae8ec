import CreditProtocol
import Testing
@testable import Store

@Suite struct CancellationTests {
    func cancel(_ f: Fixture, _ id: String, _ mode: CancelMode? = nil, note: String? = nil) throws -> Booking {
        try f.run(Ledger.bookingCancel(BookingCancelParams(id: id, mode: mode, note: note), by: f.actor))
    }

    @Test func autoIsEarlyAtOrBeforeTheWindow() throws {
        // Given a booking exactly 24 h ahead with a 24 h window
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let lot = try f.issue("c1", "yoga", 1).lots[0]
        try f.book("b1", "c1", "yoga", startsIn: 24)
        // When cancelled now (at starts_at - window)
        let booking = try cancel(f, "b1")
        // Then it is early: the credit goes back into the same lot
        #expect(booking.status == .cancelledEarly)
        #expect(try f.lot(lot.id).remaining == 1)
        let returned = try f.events("c1", kinds: [.returned])
        #expect(returned.count == 1 && returned[0].lot == lot.id && returned[0].amount == 1)
        #expect(returned[0].rule?["decision"] == "early")
    }

    @Test func autoIsLateInsideTheWindowAndVoidsWithNoGrace() throws {
        // Given a booking 23 h ahead, window 24 h, no grace
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 1)
        try f.book("b1", "c1", "yoga", startsIn: 23)
        // When cancelled with a note
        let booking = try cancel(f, "b1", note: "overslept")
        // Then it is forfeited at once: voided, amount 0, credits = cost
        #expect(booking.status == .cancelledLate)
        let voided = try f.events("c1", kinds: [.voided])
        #expect(voided.count == 1 && voided[0].amount == 0 && voided[0].credits == 1)
        #expect(voided[0].note == "overslept")
        #expect(try f.balance("c1").total == 0)
    }

    @Test func lateWithGraceIsPendingThenSettledByTheScheduler() throws {
        // Given a type with a 2 h grace
        let f = try Fixture()
        try f.type("yoga", graceS: 7200)
        try f.client("c1")
        try f.issue("c1", "yoga", 1)
        try f.book("b1", "c1", "yoga", startsIn: 5)
        // When cancelled late
        let pending = try cancel(f, "b1", .late)
        // Then it is pending until cancelled_at + grace
        #expect(pending.status == .cancelPending)
        #expect(pending.settlesAt?.ms == f.nowMs + 7_200_000)
        try f.advance(hours: 1)
        #expect(try f.ledger.booking("b1").status == .cancelPending)
        // When the grace passes
        let settleAt = f.nowMs + 3_600_000
        try f.advance(hours: 1)
        // Then the daemon voids it with `at` = the settle instant, as the scheduler
        #expect(try f.ledger.booking("b1").status == .cancelledLate)
        let voided = try f.events("c1", kinds: [.voided])
        #expect(voided.count == 1 && voided[0].at.ms == settleAt && voided[0].actor == "scheduler")
    }

    @Test func waiveReturnsAndSettleForfeitsNow() throws {
        let f = try Fixture()
        try f.type("yoga", graceS: 3600)
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        try f.book("b1", "c1", "yoga", startsIn: 2)
        try f.book("b2", "c1", "yoga", startsIn: 2)
        _ = try cancel(f, "b1", .late)
        _ = try cancel(f, "b2", .late)
        // When staff waive one and settle the other
        let waived = try f.run(Ledger.bookingWaive(IdActionParams(id: "b1"), by: f.actor))
        let settled = try f.run(Ledger.bookingSettle(IdActionParams(id: "b2"), by: f.actor))
        // Then the waived credit is back and the settled one is forfeited
        #expect(waived.status == .cancelledWaived && settled.status == .cancelledLate)
        #expect(try f.balance("c1").total == 1)
        // And waiving again is an invalid state
        #expect(error { try f.run(Ledger.bookingWaive(IdActionParams(id: "b1"), by: f.actor)) }.map { $0.wire.reason } == .invalidState)
        try f.advance(hours: 2)
        #expect(try f.events("c1", kinds: [.voided]).count == 1)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func returningIntoAnExpiredLotExpiresAtOnce() throws {
        // Given a credit valid through today, used by a booking early next month
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let lot = try f.issue("c1", "yoga", 1, expiresOn: "2026-01-06").lots[0]
        try f.book("b1", "c1", "yoga", startsIn: 24 * 30)
        // When the lot expires and the booking is then cancelled early
        try f.advance(days: 2)
        _ = try cancel(f, "b1", .early)
        // Then `returned` and `expired` are written at the same instant and the balance stays 0
        let events = try f.events("c1", kinds: [.returned, .expired])
        #expect(events.map(\.event).sorted { $0.rawValue < $1.rawValue } == [.expired, .returned])
        #expect(events.allSatisfy { $0.at.ms == f.nowMs && $0.lot == lot.id })
        #expect(try f.balance("c1").total == 0)
        #expect(try f.lot(lot.id).remaining == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func completedBookingsCannotBeCancelledButCanBeNoShows() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 1)
        try f.book("b1", "c1", "yoga", startsIn: 1)
        // When the session ends
        try f.advance(hours: 3)
        // Then it is completed, cannot be cancelled, and may be marked a no-show without a credit change
        #expect(try f.ledger.booking("b1").status == .completed)
        #expect(error { try cancel(f, "b1") }.map { $0.wire.reason } == .invalidState)
        let noShow = try f.run(Ledger.bookingNoShow(IdActionParams(id: "b1"), by: f.actor))
        #expect(noShow.status == .noShow)
        #expect(try f.balance("c1").total == 0)
    }

    @Test func cancelSpanningLotsReturnsToEachLot() throws {
        let f = try Fixture()
        try f.type("workshop", cost: 3)
        try f.client("c1")
        let a = try f.issue("c1", "workshop", 2, expiresOn: "2026-02-01").lots[0]
        let b = try f.issue("c1", "any", 2).lots[0]
        try f.book("b1", "c1", "workshop", startsIn: 100)
        #expect(try f.lot(a.id).remaining == 0 && f.lot(b.id).remaining == 1)
        _ = try cancel(f, "b1")
        #expect(try f.lot(a.id).remaining == 2 && f.lot(b.id).remaining == 2)
        #expect(try f.assertConsistent(["c1"]))
    }
}
