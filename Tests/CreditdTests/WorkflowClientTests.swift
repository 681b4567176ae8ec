import CreditProtocol
import Foundation
import Testing

/// Client lifecycle (issue 16) against the real daemon on a test clock (2026-01-05T09:00Z).
extension LedgerMethodsTests {
    @Test func deactivatedClientKeepsHistoryAndCreditsButTakesNoNewBookingsOrCredits() throws {
        // Given ann with 3 yoga credits and one booking
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3])
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-10T18:00:00Z"])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000])
        try rpc.ok("plan.create", ["id": "m4", "name": "4 a month", "credits_per_cycle": 4, "period": "month"])

        // When ann is deactivated (with a key, twice)
        let off = try rpc.ok("client.deactivate", ["id": "ann", "idempotency_key": "off-ann"])
        #expect(off["active"] as? Bool == false)
        #expect(try rpc.ok("client.deactivate", ["id": "ann", "idempotency_key": "off-ann"])["active"] as? Bool == false)
        // Then her history, balance and booking stay visible
        #expect(try rpc.ok("client.get", ["id": "ann"])["active"] as? Bool == false)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 2)
        #expect(objects(try rpc.ok("history.list", ["client": "ann"])["items"]).count == 2)
        #expect(try rpc.ok("booking.get", ["id": "b1"])["status"] as? String == "booked")
        // And she takes no new credits, bookings, purchases or memberships, and no bulk issue naming her
        let refused: [(String, [String: Any])] = [
            ("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1]),
            ("credit.issue", ["clients": ["bob", "ann"], "session_type": "yoga", "credits": 1]),
            ("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-11T18:00:00Z"]),
            ("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-11T18:00:00Z",
                                "dry_run": true]),
            ("purchase.create", ["id": "p1", "client": "ann", "package": "five"]),
            ("membership.create", ["id": "ms1", "client": "ann", "plan": "m4", "starts_on": "2026-01-05"]),
            ("client.deactivate", ["id": "ann"]),
        ]
        for (method, params) in refused {
            #expect(try rpc.fails(method, params).reason == "invalid_state", "\(method)")
        }
        #expect(try rpc.ok("balance.get", ["client": "bob"])["total"] as? Int == 0)
        // And an import naming her fails at commit, naming her line
        try rpc.ok("import.stage", ["import": "i1", "reset": true, "rows": [
            ["client": "bob", "session_type": "yoga", "credits": 1, "line": 2],
            ["client": "ann", "session_type": "yoga", "credits": 1, "line": 3]]])
        let imported = try rpc.fails("import.commit", ["import": "i1"])
        #expect(imported.reason == "invalid_state" && imported.message?.contains("line 3: client ann is deactivated") == true,
                "\(imported)")
        try rpc.ok("import.abort", ["import": "i1"])
        // But her booking can still be cancelled and her credits removed
        try rpc.ok("booking.cancel", ["id": "b1"])
        try rpc.ok("credit.remove", ["client": "ann", "session_type": "yoga", "credits": 1])
        // And client.list hides her unless asked
        #expect(objects(try rpc.ok("client.list")["items"]).map { $0["id"] as? String } == ["bob"])
        let all = objects(try rpc.ok("client.list", ["include_inactive": true])["items"])
        #expect(all.map { $0["id"] as? String } == ["ann", "bob"] && all.map { $0["active"] as? Bool } == [false, true])

        // When she is reactivated, then she books again
        #expect(try rpc.ok("client.reactivate", ["id": "ann"])["active"] as? Bool == true)
        try rpc.ok("booking.create", ["id": "b3", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-12T18:00:00Z"])
        #expect(try rpc.fails("client.reactivate", ["id": "ann"]).reason == "invalid_state")
        #expect(try rpc.fails("client.deactivate", ["id": "zed"]).reason == "not_found")
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func clientWithARunningMembershipCannotBeDeactivated() throws {
        // Given ann with a monthly membership
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("plan.create", ["id": "m4", "name": "4 a month", "credits_per_cycle": 4, "period": "month"])
        try rpc.ok("membership.create", ["id": "ms1", "client": "ann", "plan": "m4", "starts_on": "2026-01-05"])
        // When she is deactivated, then it is refused naming the membership: its cycles would grant credits
        let refused = try rpc.fails("client.deactivate", ["id": "ann"])
        #expect(refused.reason == "invalid_state" && refused.message?.contains("ms1") == true)
        // When the membership is cancelled, then she can be
        try rpc.ok("membership.cancel", ["id": "ms1"])
        try rpc.ok("client.deactivate", ["id": "ann"])
        #expect(rpc.succeeded.isSuperset(of: ["client.deactivate"]))
    }
}
