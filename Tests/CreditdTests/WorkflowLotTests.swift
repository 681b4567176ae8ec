import CreditProtocol
import Foundation
import Testing

/// Goodwill on a lot's expiry and transfers between clients (issue 16) against the real daemon on
/// a test clock (2026-01-05T09:00Z).
extension LedgerMethodsTests {
    /// Given yoga and ann; returns the lot of `credits` yoga credits issued to ann with `expiry`.
    func annWithLot(_ rpc: RPCSession, credits: Int = 3, _ expiry: [String: Any]) throws -> Int {
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        var params: [String: Any] = ["client": "ann", "session_type": "yoga", "credits": credits]
        params.merge(expiry) { $1 }
        let issued = try rpc.ok("credit.issue", params)
        return try #require(objects(issued["lots"]).first?["id"] as? Int)
    }

    @Test func lotExtendMovesTheExpiryWithAZeroEventAndTheSchedulerFollows() throws {
        // Given ann's 3 yoga credits valid through 2026-01-09
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        let lot = try annWithLot(rpc, ["expires_on": "2026-01-09"])
        #expect(try rpc.ok("daemon.status")["scheduler"].map { ($0 as? [String: Any])?["next_deadline"] as? String }
                == "2026-01-10T00:00:00Z")

        // When the lot is extended through 2026-01-31 with a note (and the call repeated with its key)
        let params: [String: Any] = ["lot": lot, "expires_on": "2026-01-31", "note": "Was ill", "idempotency_key": "x1"]
        let extended = try rpc.ok("lot.extend", params)
        #expect(try rpc.ok("lot.extend", params)["event"] as? Int == extended["event"] as? Int)
        // Then the lot expires at the new date, the old one is reported, and one event of amount 0 says both
        #expect((extended["lot"] as? [String: Any])?["expires_at"] as? String == "2026-02-01T00:00:00Z")
        #expect(extended["previous_expires_at"] as? String == "2026-01-10T00:00:00Z")
        let history = objects(try rpc.ok("history.list", ["client": "ann", "events": ["extended"]])["items"])
        #expect(history.count == 1)
        #expect(history.first?["amount"] as? Int == 0 && history.first?["credits"] as? Int == 3)
        #expect(history.first?["note"] as? String == "Was ill" && history.first?["lot"] as? Int == lot)
        #expect(history.first?["rule"] as? [String: String] == ["old_expires_at": "2026-01-10T00:00:00Z",
                                                                  "new_expires_at": "2026-02-01T00:00:00Z"])
        // And past the old date nothing expires: the scheduler waits for the new one
        try rpc.ok("clock.set", ["now": "2026-01-20T00:00:00Z"])
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 3)

        // When it is shortened to later today, then the scheduler's next deadline is that instant
        try rpc.ok("lot.extend", ["lot": lot, "expires_at": "2026-01-20T12:00:00Z"])
        #expect(try rpc.ok("daemon.status")["scheduler"].map { ($0 as? [String: Any])?["next_deadline"] as? String }
                == "2026-01-20T12:00:00Z")
        // And at that instant the credits expire
        try rpc.ok("clock.advance", ["seconds": 12 * 3600])
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        let expired = objects(try rpc.ok("history.list", ["client": "ann", "events": ["expired"]])["items"])
        #expect(expired.first?["at"] as? String == "2026-01-20T12:00:00Z")
        // And an expired lot cannot be extended
        #expect(try rpc.fails("lot.extend", ["lot": lot, "no_expiry": true]).reason == "invalid_state")
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func lotExtendToNoExpiryAndItsRefusals() throws {
        // Given ann's lot expiring 2026-02-01 and a refunded purchase lot
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        let lot = try annWithLot(rpc, ["expires_at": "2026-02-01T00:00:00Z"])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000])
        try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "five"])
        try rpc.ok("purchase.refund", ["id": "p1"])
        let refundedLot = try #require(try rpc.ok("purchase.get", ["id": "p1"])["lot"] as? Int)

        // When it is made never to expire, then no deadline is left and the rule says none
        let open = try rpc.ok("lot.extend", ["lot": lot, "no_expiry": true])
        #expect((open["lot"] as? [String: Any])?["expires_at"] == nil)
        let rule = objects(try rpc.ok("history.list", ["client": "ann", "events": ["extended"]])["items"]).first?["rule"]
        #expect(rule as? [String: String] == ["old_expires_at": "2026-02-01T00:00:00Z", "new_expires_at": "none"])

        // Then bad requests name their reasons and change nothing
        let refusals: [([String: Any], String)] = [
            (["lot": lot, "expires_on": "2026-01-01"], "invalid_params"),            // in the past
            (["lot": lot, "expires_at": "2026-01-05T08:00:00Z"], "invalid_params"),  // in the past
            (["lot": lot], "invalid_params"),                                        // no new expiry
            (["lot": lot, "no_expiry": true, "expires_on": "2026-03-01"], "invalid_params"),
            (["lot": lot, "no_expiry": false], "invalid_params"),
            (["lot": lot, "no_expiry": true], "invalid_params"),                     // already never expires
            (["lot": lot, "expires_on": "2026-03-01", "note": String(repeating: "x", count: 501)], "limit_exceeded"),
            (["lot": 999, "no_expiry": true], "not_found"),
            (["lot": refundedLot, "no_expiry": true], "invalid_state"),
        ]
        for (params, reason) in refusals {
            #expect(try rpc.fails("lot.extend", params).reason == reason, "\(params)")
        }
        #expect(objects(try rpc.ok("history.list", ["client": "ann", "events": ["extended"]])["items"]).count == 1)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func lotExtendRefusesAPausedMembershipsLotAndACyclesOwnLot() throws {
        // Given ann with a monthly membership (its cycle's own lot)
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("plan.create", ["id": "m4", "name": "4 a month", "credits_per_cycle": 4, "period": "month"])
        try rpc.ok("membership.create", ["id": "ms1", "client": "ann", "plan": "m4", "starts_on": "2026-01-05"])
        let lot = try #require(objects(try rpc.ok("history.list", ["client": "ann"])["items"]).first?["lot"] as? Int)
        // When the cycle's lot is extended, then it is refused: the boundary ends it
        #expect(try rpc.fails("lot.extend", ["lot": lot, "expires_on": "2026-12-31"]).reason == "invalid_state")
        // When the membership is paused, then its lot is frozen and refused too
        try rpc.ok("membership.pause", ["id": "ms1"])
        #expect(try rpc.fails("lot.extend", ["lot": lot, "expires_on": "2026-12-31"]).reason == "invalid_state")
    }
}
