import CreditProtocol
import Foundation
import Testing

/// The history and booking filters of issue 16 against the real daemon on a test clock (2026-01-05T09:00Z).
extension LedgerMethodsTests {
    @Test func historyFiltersByBookingMembershipAndPurchase() throws {
        // Given ann with a purchase, a membership and two bookings; bob with a booking
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000, "scope": "yoga"])
        try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "five"])
        try rpc.ok("plan.create", ["id": "m4", "name": "4 a month", "credits_per_cycle": 4, "period": "month"])
        try rpc.ok("membership.create", ["id": "ms1", "client": "ann", "plan": "m4", "starts_on": "2026-01-05"])
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-10T18:00:00Z"])
        try rpc.ok("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-11T18:00:00Z"])
        try rpc.ok("booking.cancel", ["id": "b1"])
        try rpc.ok("credit.issue", ["client": "bob", "session_type": "yoga", "credits": 1])
        try rpc.ok("booking.create", ["id": "bb", "client": "bob", "session_type": "yoga", "starts_at": "2026-01-11T18:00:00Z"])

        // When ann's history is filtered by booking b1, then its use and its return
        let b1 = objects(try rpc.ok("history.list", ["client": "ann", "booking": "b1"])["items"])
        #expect(b1.map { $0["event"] as? String } == ["returned", "used"] && b1.allSatisfy { $0["booking"] as? String == "b1" })
        // When by purchase p1, then the purchase's issue and the bookings that used its lot
        let p1 = objects(try rpc.ok("history.list", ["client": "ann", "purchase": "p1"])["items"])
        #expect(p1.last?["event"] as? String == "issued" && p1.last?["credits"] as? Int == 5)
        #expect(p1.count == 4)  // issued, used b1, used b2, returned b1: the type's own lot burns first
        // When by membership ms1, then only its cycle's grant (nothing used it)
        let ms1 = objects(try rpc.ok("history.list", ["client": "ann", "membership": "ms1"])["items"])
        #expect(ms1.map { $0["event"] as? String } == ["issued"] && ms1.first?["credits"] as? Int == 4)
        // And filters combine with the others
        let used = objects(try rpc.ok("history.list", ["client": "ann", "purchase": "p1", "events": ["used"]])["items"])
        #expect(used.count == 2)
        // And a booking, membership or purchase that is not the client's is not_found, not an empty page
        #expect(try rpc.fails("history.list", ["client": "ann", "booking": "bb"]).reason == "not_found")
        #expect(try rpc.fails("history.list", ["client": "ann", "booking": "nope"]).reason == "not_found")
        #expect(try rpc.fails("history.list", ["client": "bob", "membership": "ms1"]).reason == "not_found")
        #expect(try rpc.fails("history.list", ["client": "bob", "purchase": "p1"]).reason == "not_found")
    }

    @Test func bookingListFiltersBySessionTypeStatusAndTime() throws {
        // Given yoga and pilates bookings of ann across two days, one cancelled
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "pilates", "name": "Pilates"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 9])
        for (id, type, day) in [("y1", "yoga", "10"), ("y2", "yoga", "11"), ("p1", "pilates", "10"), ("p2", "pilates", "12")] {
            try rpc.ok("booking.create", ["id": id, "client": "ann", "session_type": type,
                                          "starts_at": "2026-01-\(day)T18:00:00Z"])
        }
        try rpc.ok("booking.cancel", ["id": "y2"])
        func ids(_ params: [String: Any]) throws -> [String] {
            objects(try rpc.ok("booking.list", params)["items"]).compactMap { $0["id"] as? String }
        }
        // When filtered by type, by type and status, and by type and a time range, then just those
        #expect(try ids(["session_type": "yoga"]) == ["y1", "y2"])
        #expect(try ids(["session_type": "yoga", "status": "booked"]) == ["y1"])
        #expect(try ids(["session_type": "pilates", "from": "2026-01-11T00:00:00Z", "to": "2026-01-13T00:00:00Z"]) == ["p2"])
        #expect(try ids(["client": "ann", "session_type": "pilates", "limit": 1]) == ["p1"])
        // And an unknown type is not_found
        #expect(try rpc.fails("booking.list", ["session_type": "yogaa"]).reason == "not_found")
    }
}
