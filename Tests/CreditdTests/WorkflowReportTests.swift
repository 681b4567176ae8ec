import CreditProtocol
import Foundation
import Testing

/// Studio-wide reports (issue 16) against the real daemon on a test clock (2026-01-05T09:00Z).
extension LedgerMethodsTests {
    static let workflowMethods: Set<String> = ["report.expiring", "client.deactivate", "client.reactivate",
                                                   "lot.extend", "credit.transfer", "report.activity",
                                                   "report.liability"]

    @Test func reportExpiringListsLiveLotsAcrossClientsSoonestFirst() throws {
        // Given ann and bob with lots expiring on Jan 10, Jan 8 and Feb 28, one without expiry,
        // one refunded purchase and one lot already expired
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann Lee", "email": "ann@example.com"])
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3, "expires_on": "2026-01-09"])
        try rpc.ok("credit.issue", ["client": "bob", "session_type": "any", "credits": 2, "expires_on": "2026-01-07"])
        try rpc.ok("credit.issue", ["client": "bob", "session_type": "yoga", "credits": 4, "expires_on": "2026-02-28"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 9])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1,
                                    "expires_at": "2026-01-05T10:00:00Z"])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000, "expiry_days": 3])
        try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "five"])
        try rpc.ok("purchase.refund", ["id": "p1"])
        try rpc.ok("clock.advance", ["seconds": 3600])
        // And one of ann's credits used
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-06T18:00:00Z"])

        // When the report looks 7 days ahead
        let week = try rpc.ok("report.expiring", ["within_days": 7])
        let items = objects(week["items"])
        // Then it lists bob's any-lot, then ann's yoga lot with what is left, soonest first
        #expect(items.map { $0["client"] as? String } == ["bob", "ann"])
        #expect(items.map { $0["credits"] as? Int } == [2, 2])
        #expect(items.map { $0["expires_at"] as? String } == ["2026-01-08T00:00:00Z", "2026-01-10T00:00:00Z"])
        #expect(keys(items.first) == ["lot", "client", "client_name", "email", "scope", "credits", "expires_at"])
        #expect(items[1]["client_name"] as? String == "Ann Lee" && items[1]["email"] as? String == "ann@example.com")
        #expect(week["next_cursor"] is NSNull)

        // When it looks 60 days ahead for yoga only, one lot a page
        let first = try rpc.ok("report.expiring", ["within_days": 60, "session_type": "yoga", "limit": 1])
        let cursor = try #require(first["next_cursor"] as? String)
        let second = try rpc.ok("report.expiring", ["within_days": 60, "session_type": "yoga", "limit": 1,
                                                     "cursor": cursor])
        // Then ann's and bob's yoga lots come one a page, and nothing after
        #expect(objects(first["items"]).map { $0["client"] as? String } == ["ann"])
        #expect(objects(second["items"]).map { $0["client"] as? String } == ["bob"])
        #expect(second["next_cursor"] is NSNull)
    }

    @Test func reportExpiringRefusesBadParams() throws {
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        // When the window is empty, too long, or the type unknown, then each names its reason
        #expect(try rpc.fails("report.expiring", ["within_days": 0]).reason == "invalid_params")
        #expect(try rpc.fails("report.expiring", ["within_days": 100_000]).reason == "limit_exceeded")
        #expect(try rpc.fails("report.expiring", ["within_days": 5, "session_type": "nope"]).reason == "not_found")
        #expect(try rpc.fails("report.expiring", ["within_days": 5, "cursor": "junk"]).reason == "invalid_params")
        #expect(try rpc.fails("report.expiring", [:]).reason == "invalid_params")
    }

    @Test func reportActivityCountsWhatEachTeammateDid() throws {
        // Given Maria issuing, Sam booking and cancelling, Maria waiving and removing, and a sale refunded
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "workshop", "name": "Workshop", "credit_cost": 2, "late_cancel_grace_s": 3600])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 2, "staff": "Maria"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 3, "staff": "Maria"])
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-10T18:00:00Z", "staff": "Sam"])
        // (b2 costs 2 and spans the yoga lot and the any lot: one booking)
        try rpc.ok("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "credit_cost": 2,
                                      "starts_at": "2026-01-11T18:00:00Z", "staff": "Sam"])
        try rpc.ok("booking.create", ["id": "w1", "client": "ann", "session_type": "workshop",
                                      "starts_at": "2026-01-05T10:00:00Z", "staff": "Sam"])
        try rpc.ok("booking.cancel", ["id": "b1", "staff": "Sam"])
        try rpc.ok("booking.cancel", ["id": "w1", "staff": "Sam"])
        try rpc.ok("booking.waive", ["id": "w1", "staff": "Maria"])
        try rpc.ok("credit.remove", ["client": "ann", "session_type": "yoga", "credits": 1, "staff": "Maria"])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000])
        try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "five"])
        try rpc.ok("purchase.refund", ["id": "p1"])

        // When the day is reported
        let day = try rpc.ok("report.activity", ["from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z"])
        let rows = objects(day["items"])
        func figures(_ staff: String?) -> [String: [Int]] {
            guard let row = rows.first(where: { ($0["staff"] as? String) == staff }) else { return [:] }
            var result: [String: [Int]] = [:]
            for action in ["issued", "removed", "booked", "cancelled", "waived", "refunded"] {
                let figure = row[action] as? [String: Any]
                result[action] = [figure?["count"] as? Int ?? -1, figure?["credits"] as? Int ?? -1]
            }
            return result
        }
        // Then each actor and staff name has its own row with counts and credits
        #expect(rows.count == 3 && rows.allSatisfy { $0["actor"] as? String == LedgerDaemon.me })
        #expect(figures("Maria") == ["issued": [2, 5], "removed": [1, 1], "booked": [0, 0], "cancelled": [0, 0],
                                     "waived": [1, 2], "refunded": [0, 0]])
        #expect(figures("Sam") == ["issued": [0, 0], "removed": [0, 0], "booked": [3, 5], "cancelled": [1, 1],
                                   "waived": [0, 0], "refunded": [0, 0]])
        #expect(figures(nil) == ["issued": [1, 5], "removed": [0, 0], "booked": [0, 0], "cancelled": [0, 0],
                                 "waived": [0, 0], "refunded": [1, 5]])
        // When only Sam is asked for, then only his row
        let sam = objects(try rpc.ok("report.activity", ["from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z",
                                                          "staff": "Sam"])["items"])
        #expect(sam.map { $0["staff"] as? String } == ["Sam"])
        // When the day before is reported, then nobody did anything
        #expect(objects(try rpc.ok("report.activity", ["from": "2026-01-04T00:00:00Z",
                                                        "to": "2026-01-05T00:00:00Z"])["items"]).isEmpty)
        // And bad periods and filters name their reasons
        #expect(try rpc.fails("report.activity", ["from": "2026-01-05T00:00:00Z", "to": "2026-01-05T00:00:00Z"]).reason
                == "invalid_params")
        #expect(try rpc.fails("report.activity", ["from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z",
                                                  "actor": "x", "staff": "y"]).reason == "invalid_params")
        #expect(try rpc.fails("report.activity", ["from": "2026-01-05T00:00:00Z"]).reason == "invalid_params")
    }

    @Test func reportLiabilitySumsAfterPartialUseExpiryAndARefund() throws {
        // Given two sales of 10+2 credits for 120.00, one of 5 for 50.00 refunded and one expired,
        // 3 credits used, a manual issue and a membership grant
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        for client in ["ann", "bob", "cy", "dee"] { try rpc.ok("client.create", ["id": client, "name": client]) }
        try rpc.ok("package.create", ["id": "ten", "name": "Ten", "credits": 10, "bonus_credits": 2, "price_minor": 12000,
                                      "expiry_days": 30])
        try rpc.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000, "expiry_days": 1])
        try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "ten"])
        try rpc.ok("purchase.create", ["id": "p2", "client": "bob", "package": "ten"])
        try rpc.ok("purchase.create", ["id": "p3", "client": "cy", "package": "five"])
        try rpc.ok("purchase.refund", ["id": "p3"])
        try rpc.ok("purchase.create", ["id": "p4", "client": "dee", "package": "five"])
        for day in 6...8 {
            try rpc.ok("booking.create", ["id": "b\(day)", "client": "ann", "session_type": "yoga",
                                          "starts_at": "2026-01-0\(day)T18:00:00Z"])
        }
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 4])
        try rpc.ok("plan.create", ["id": "m4", "name": "4 a month", "credits_per_cycle": 4, "period": "month"])
        try rpc.ok("membership.create", ["id": "ms1", "client": "bob", "plan": "m4", "starts_on": "2026-01-05"])
        try rpc.ok("clock.advance", ["seconds": 2 * 86_400])

        // When the liability is reported
        let report = try rpc.ok("report.liability")
        // Then the packages' outstanding credits are valued at 10.00 each, plans and manual credits at 0
        let lines = objects(report["lines"]).map {
            "\($0["source"] as? String ?? "?") \($0["id"] as? String ?? "-") \($0["currency"] as? String ?? "?") "
                + "\($0["credits"] as? Int ?? -1) \($0["value_minor"] as? Int ?? -1)"
        }
        #expect(lines == ["manual - EUR 4 0", "package ten EUR 21 21000", "plan m4 EUR 4 0"])
        let totals = objects(report["totals"])
        #expect(totals.count == 1 && totals.first?["credits"] as? Int == 29 && totals.first?["value_minor"] as? Int == 21000)
        // And it is sold minus used, expired and refunded value: 340.00 - 30.00 - 50.00 - 50.00
        #expect(34000 - 3000 - 5000 - 5000 == totals.first?["value_minor"] as? Int)
        // And it equals the sum over clients
        var sum = 0
        for client in ["ann", "bob", "cy", "dee"] {
            sum += objects(try rpc.ok("report.liability", ["client": client])["totals"]).first?["value_minor"] as? Int ?? 0
        }
        #expect(sum == 21000)
        #expect(try rpc.fails("report.liability", ["client": "zed"]).reason == "not_found")

        // When it is asked as of an hour ago, then it is what the events leave, the same as now
        let hourAgo = try rpc.ok("report.liability", ["as_of": "2026-01-07T08:00:00Z"])
        #expect(objects(hourAgo["lines"]).count == 3 && objects(hourAgo["totals"]).first?["value_minor"] as? Int == 21000)
        // When as of the day before dee's package expired, then its 50.00 is still owed
        let before = try rpc.ok("report.liability", ["as_of": "2026-01-06T12:00:00Z"])
        #expect(objects(before["totals"]).first?["value_minor"] as? Int == 26000)
        #expect(objects(before["totals"]).first?["credits"] as? Int == 34)
        // When as of before anything was sold, then nothing
        #expect(objects(try rpc.ok("report.liability", ["as_of": "2026-01-01T00:00:00Z"])["lines"]).isEmpty)
    }
}
