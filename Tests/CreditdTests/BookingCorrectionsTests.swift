import Foundation
import Testing

/// Issue 15, bugs 3, 4, 5 and 7, through the socket against the real ledger.
@Suite struct BookingCorrectionsTests {
    /// A ledger with yoga (2 h late window, no grace), a workshop with an hour's grace, and Ann holding
    /// 3 yoga credits and 2 `any` credits.
    static func studio() throws -> (DaemonProcess, RPCSession) {
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga", "late_cancel_window_s": 7200])
        try rpc.ok("session_type.create", ["id": "workshop", "name": "Workshop", "late_cancel_grace_s": 3600])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 2])
        return (daemon, rpc)
    }

    static func history(_ rpc: RPCSession, _ params: [String: Any] = [:]) throws -> [[String: Any]] {
        objects(try rpc.ok("history.list", ["client": "ann"].merging(params) { $1 })["items"])
    }

    static func verified(_ rpc: RPCSession) throws -> Bool {
        objects(try rpc.ok("daemon.verify")["violations"]).isEmpty
    }

    @Test func aNoShowBeforeTheSessionStartsIsRefused() throws {
        // Given a yoga class at 10:00 (the clock is at 09:00)
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-05T10:00:00Z"])
        // When it is marked a no-show before it starts, then invalid_state, and it can still be cancelled
        let error = try rpc.fails("booking.no_show", ["id": "b1"])
        #expect(error.reason == "invalid_state")
        #expect(error.message?.contains("started") == true)
        #expect(try rpc.ok("booking.get", ["id": "b1"])["status"] as? String == "booked")
        // When the session has started, then the no-show is accepted
        try rpc.ok("clock.set", ["now": "2026-01-05T10:00:00Z"])
        #expect(try rpc.ok("booking.no_show", ["id": "b1"])["status"] as? String == "no_show")
    }

    @Test func aNoShowNoteIsKeptOnTheBookingsUsedEvent() throws {
        // Given a started class
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-05T09:00:00Z"])
        // When it is marked a no-show with a note
        try rpc.ok("booking.no_show", ["id": "b1", "note": "Did not come", "staff": "Maria"])
        // Then the booking's used event carries the note, and its history says who added it
        let used = try Self.history(rpc, ["events": ["used"]]).first
        #expect(used?["booking"] as? String == "b1" && used?["note"] as? String == "Did not come")
        let edits = objects(try rpc.ok("note.history", ["event": used?["id"] as? Int ?? 0])["items"])
        #expect(edits.map { $0["note"] as? String } == [nil, "Did not come"])
        #expect(edits.last?["staff"] as? String == "Maria")
    }

    @Test func reinstatingANoShowCompletesTheBookingAgain() throws {
        // Given a class that ended and was marked a no-show
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-05T09:00:00Z"])
        try rpc.ok("clock.advance", ["seconds": 7200])
        try rpc.ok("booking.no_show", ["id": "b1"])
        let before = try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int
        // When staff reinstate it (twice with one idempotency key)
        let params: [String: Any] = ["id": "b1", "note": "Checked in late", "idempotency_key": "r1"]
        #expect(try rpc.ok("booking.reinstate", params)["status"] as? String == "completed")
        #expect(try rpc.ok("booking.reinstate", params)["status"] as? String == "completed")
        // Then no credit moved, the note is on the used event, and a second reinstate is invalid_state
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == before)
        #expect(try Self.history(rpc, ["events": ["used"]]).first?["note"] as? String == "Checked in late")
        #expect(try rpc.fails("booking.reinstate", ["id": "b1"]).reason == "invalid_state")
        #expect(try Self.verified(rpc))
    }

    @Test func reinstatingASettledLateCancellationReturnsTheCreditsToTheirLots() throws {
        // Given a yoga class paid from the yoga lot, cancelled late and settled (forfeited)
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        let booked = try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga",
                                                   "starts_at": "2026-01-05T10:00:00Z"])
        let lot = objects(booked["allocations"]).first?["lot"] as? Int
        try rpc.ok("booking.cancel", ["id": "b1", "note": "Overslept"])
        #expect(try rpc.ok("booking.get", ["id": "b1"])["status"] as? String == "cancelled_late")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 4)
        // When staff reinstate it
        let reinstated = try rpc.ok("booking.reinstate", ["id": "b1", "note": "Settled by mistake"])
        // Then the credit is back in the very lot it came from, audited with the rule
        #expect(reinstated["status"] as? String == "cancelled_waived")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 5)
        let returned = try Self.history(rpc, ["events": ["returned"]]).first
        #expect(returned?["lot"] as? Int == lot && returned?["amount"] as? Int == 1)
        #expect(returned?["note"] as? String == "Settled by mistake")
        let rule = returned?["rule"] as? [String: String]
        #expect(rule?["decision"] == "reinstated" && rule?["reinstates"] == "cancelled_late")
        #expect(rule?["cancel_note"] == "Overslept")
        // And the usage no longer counts it as forfeited; a booked session cannot be reinstated
        #expect((try rpc.ok("usage.summary", ["client": "ann"])["usage"] as? [String: Any])?["forfeited"] as? Int == 0)
        try rpc.ok("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-06T10:00:00Z"])
        #expect(try rpc.fails("booking.reinstate", ["id": "b2"]).reason == "invalid_state")
        #expect(try rpc.fails("booking.reinstate", ["id": "nope"]).reason == "not_found")
        #expect(try Self.verified(rpc))
    }

    @Test func aLateCancelNoteSurvivesAWaiver() throws {
        // Given a workshop cancelled late with a note, pending for an hour's grace
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        try rpc.ok("booking.create", ["id": "w1", "client": "ann", "session_type": "workshop", "starts_at": "2026-01-05T10:00:00Z"])
        try rpc.ok("booking.cancel", ["id": "w1", "note": "Flu"])
        // When staff waive it without a note, and another one with a note of their own
        try rpc.ok("booking.waive", ["id": "w1"])
        try rpc.ok("booking.create", ["id": "w2", "client": "ann", "session_type": "workshop", "starts_at": "2026-01-05T11:00:00Z"])
        try rpc.ok("booking.cancel", ["id": "w2", "note": "Car broke down"])
        try rpc.ok("booking.waive", ["id": "w2", "note": "Goodwill"])
        // Then history keeps each cancellation's note on the waiver's returned event
        let returned = try Self.history(rpc, ["events": ["returned"]])
        let w1 = returned.first { $0["booking"] as? String == "w1" }
        let w2 = returned.first { $0["booking"] as? String == "w2" }
        #expect(w1?["note"] as? String == "Flu" && (w1?["rule"] as? [String: String])?["cancel_note"] == "Flu")
        #expect(w2?["note"] as? String == "Goodwill" && (w2?["rule"] as? [String: String])?["cancel_note"] == "Car broke down")
    }

    @Test func noteHistoryOfANeverEditedNoteIsTheOriginal() throws {
        // Given credits issued with a note that was never edited
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        let issued = try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1,
                                                 "note": "Welcome pack", "staff": "Maria"])
        let event = (issued["events"] as? [Int])?.first ?? 0
        // When its note history is read
        let items = objects(try rpc.ok("note.history", ["event": event])["items"])
        // Then its one item is the original note, by whoever wrote it
        #expect(items.count == 1)
        #expect(items.first?["note"] as? String == "Welcome pack" && items.first?["staff"] as? String == "Maria")
        #expect(items.first?["actor"] as? String == LedgerDaemon.me)
    }

    @Test func historyFiltersBookingEventsByTheBookedType() throws {
        // Given a yoga class paid with `any` credits (Ann's yoga credits used up first), cancelled early
        let (daemon, rpc) = try Self.studio()
        defer { withExtendedLifetime(daemon) {} }
        for index in 1...4 {
            try rpc.ok("booking.create", ["id": "b\(index)", "client": "ann", "session_type": "yoga",
                                          "starts_at": "2026-01-0\(5 + index)T10:00:00Z"])
        }
        try rpc.ok("booking.cancel", ["id": "b4"])
        // When the history is filtered by yoga
        let yoga = try Self.history(rpc, ["session_type": "yoga", "events": ["used", "returned"]])
        // Then the class paid with `any` is there, naming the booked type and the lot's scope apart
        let paidWithAny = yoga.filter { $0["booking"] as? String == "b4" }
        #expect(paidWithAny.map { $0["event"] as? String } == ["returned", "used"])
        #expect(paidWithAny.allSatisfy { $0["session_type"] as? String == "yoga" && $0["scope"] as? String == "any" })
        #expect(yoga.count == 5)
        // And an issue keeps its scope as both
        let issued = try Self.history(rpc, ["events": ["issued"]])
        #expect(issued.allSatisfy { $0["session_type"] as? String == $0["scope"] as? String })
    }
}
