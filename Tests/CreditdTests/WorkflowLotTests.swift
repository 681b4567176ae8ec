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
        // (A write re-arms the timer on the scheduler's queue, asynchronously; a clock move of 0 s
        // re-arms it before replying, so the status read after it is deterministic.)
        try rpc.ok("clock.advance", ["seconds": 0])
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
        try rpc.ok("clock.advance", ["seconds": 0])
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

    @Test func creditTransferSplitAcrossLotsWithDifferentExpiriesKeepsEachExpiry() throws {
        // Given ann's yoga lots: 2 through Jan 19, 3 through Feb 27, 1 without expiry; and bob
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        let early = try annWithLot(rpc, credits: 2, ["expires_on": "2026-01-19"])
        let late = try #require(objects(try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3,
                                                                     "expires_on": "2026-02-27"])["lots"]).first?["id"] as? Int)
        let never = try #require(objects(try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga",
                                                                      "credits": 1])["lots"]).first?["id"] as? Int)
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])

        // When 5 credits go from ann to bob (and the call is repeated with its key)
        let params: [String: Any] = ["from": "ann", "to": "bob", "session_type": "yoga", "credits": 5,
                                     "note": "For her son", "idempotency_key": "t1"]
        let moved = try rpc.ok("credit.transfer", params)
        #expect(try rpc.ok("credit.transfer", params)["parts"].map { objects($0).count } == 3)
        // Then they came in reverse burn-down order: no expiry, then the latest expiry, then the earliest
        let parts = objects(moved["parts"])
        #expect(parts.map { $0["from_lot"] as? Int } == [never, late, early])
        #expect(parts.map { $0["credits"] as? Int } == [1, 3, 1])
        // And each became a lot of bob's with the same scope and expiry
        let newLots = parts.compactMap { $0["to_lot"] as? [String: Any] }
        #expect(newLots.map { $0["client"] as? String } == ["bob", "bob", "bob"])
        #expect(newLots.map { $0["scope"] as? String } == ["yoga", "yoga", "yoga"])
        #expect(newLots.map { $0["expires_at"] as? String } == [nil, "2026-02-28T00:00:00Z", "2026-01-20T00:00:00Z"])
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 1)
        #expect(try rpc.ok("balance.get", ["client": "bob"])["total"] as? Int == 5)

        // And each out event names the new lot, each in event names the out event and lot it came from
        let outs = objects(try rpc.ok("history.list", ["client": "ann", "events": ["transferred_out"]])["items"])
        let ins = objects(try rpc.ok("history.list", ["client": "bob", "events": ["transferred_in"]])["items"])
        #expect(outs.map { $0["amount"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [-3, -1, -1])
        #expect(ins.count == 3 && outs.count == 3)
        for part in parts {
            let toLot = (part["to_lot"] as? [String: Any])?["id"] as? Int
            let out = outs.first { $0["id"] as? Int == part["out_event"] as? Int }
            let inEvent = ins.first { $0["id"] as? Int == part["in_event"] as? Int }
            #expect(out?["rule"] as? [String: String] == ["to_client": "bob", "to_lot": String(toLot ?? 0)])
            #expect(inEvent?["rule"] as? [String: String] == [
                "from_client": "ann", "from_lot": String(part["from_lot"] as? Int ?? 0),
                "from_event": String(part["out_event"] as? Int ?? 0)])
            #expect(inEvent?["amount"] as? Int == part["credits"] as? Int && inEvent?["note"] as? String == "For her son")
        }
        // And usage adds up for both (transfers count as manual changes)
        let annUsage = try #require(try rpc.ok("usage.summary", ["client": "ann"])["usage"] as? [String: Any])
        #expect(annUsage["manual_changes"] as? Int == 1 && annUsage["left"] as? Int == 1)
        let bobUsage = try #require(try rpc.ok("usage.summary", ["client": "bob"])["usage"] as? [String: Any])
        #expect(bobUsage["manual_changes"] as? Int == 5 && bobUsage["left"] as? Int == 5)

        // When Jan 19 has passed, then the credit from the early lot expires for bob as it would have for ann
        try rpc.ok("clock.set", ["now": "2026-01-21T00:00:00Z"])
        #expect(try rpc.ok("balance.get", ["client": "bob"])["total"] as? Int == 4)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func creditTransferIsRefusedWhenShortAndRepaysTheReceiversDebt() throws {
        // Given ann with 2 yoga credits, and bob who owes 1 (yoga allows negative balances)
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        _ = try annWithLot(rpc, credits: 2, [:])
        try rpc.ok("session_type.update", ["id": "yoga", "allow_negative": true])
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])
        try rpc.ok("client.create", ["id": "cy", "name": "Cy"])
        try rpc.ok("booking.create", ["id": "b1", "client": "bob", "session_type": "yoga",
                                      "starts_at": "2026-01-10T18:00:00Z"])
        try rpc.ok("client.deactivate", ["id": "cy"])

        // When more than ann has is asked for, then nothing moves and the shortfall is told
        let short = try rpc.fails("credit.transfer", ["from": "ann", "to": "bob", "session_type": "yoga", "credits": 3])
        #expect(short.reason == "insufficient_credits")
        #expect(short.data["available"] as? Int == 2 && short.data["required"] as? Int == 3)
        // And other bad transfers name their reasons
        let refusals: [([String: Any], String)] = [
            (["from": "ann", "to": "ann", "session_type": "yoga", "credits": 1], "invalid_params"),
            (["from": "ann", "to": "zed", "session_type": "yoga", "credits": 1], "not_found"),
            (["from": "zed", "to": "bob", "session_type": "yoga", "credits": 1], "not_found"),
            (["from": "ann", "to": "cy", "session_type": "yoga", "credits": 1], "invalid_state"),
            (["from": "ann", "to": "bob", "session_type": "any", "credits": 1], "insufficient_credits"),
            (["from": "ann", "to": "bob", "session_type": "yoga", "credits": 0], "invalid_params"),
        ]
        for (params, reason) in refusals {
            #expect(try rpc.fails("credit.transfer", params).reason == reason, "\(params)")
        }
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 2)

        // When 2 credits go to bob, then the first repays his debt
        let moved = try rpc.ok("credit.transfer", ["from": "ann", "to": "bob", "session_type": "yoga", "credits": 2])
        #expect(moved["debt_repaid"] as? Int == 1)
        let bob = try rpc.ok("balance.get", ["client": "bob"])
        #expect(bob["total"] as? Int == 1 && bob["debt"] as? Int == 0)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
        #expect(rpc.succeeded.isSuperset(of: ["credit.transfer"]))
    }
}
