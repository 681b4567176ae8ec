import CreditProtocol
import Foundation
import Testing

/// Every method of the protocol against the real ledger, with the result
/// shapes of SPEC §5. Each test names the methods it exercises and checks they all succeeded;
/// `everyMethodIsExercised` checks that together they are all of `Method`.
@Suite struct LedgerMethodsTests {
    static let setupMethods: Set<String> = [
        "studio.get", "studio.update", "session_type.create", "session_type.update", "session_type.archive",
        "session_type.get", "session_type.list", "client.create", "client.update", "client.get", "client.list",
        "credit.issue",
    ]
    static let creditMethods: Set<String> = [
        "credit.issue", "credit.remove", "balance.get", "history.list", "note.set", "note.history", "clock.advance",
        "clock.set", "daemon.status",
    ]
    static let bookingMethods: Set<String> = [
        "booking.create", "booking.cancel", "booking.waive", "booking.settle", "booking.no_show", "booking.get",
        "booking.list", "clock.advance", "booking.reinstate",
    ]
    static let salesMethods: Set<String> = [
        "package.create", "package.archive", "package.get", "package.list", "purchase.create", "purchase.refund",
        "purchase.get", "usage.summary",
    ]
    static let membershipMethods: Set<String> = [
        "plan.create", "plan.archive", "plan.get", "plan.list", "membership.create", "membership.pause",
        "membership.resume", "membership.cancel", "membership.get", "membership.list", "usage.summary", "clock.set",
    ]
    static let daemonMethods: Set<String> = ["events.subscribe", "daemon.verify", "daemon.backup", "daemon.status",
                                             "daemon.metrics"]
    static let importMethods: Set<String> = ["import.stage", "import.commit", "import.abort", "balance.get"]

    @Test func everyMethodIsExercised() {
        // Given the methods the tests below exercise
        let exercised = Self.setupMethods.union(Self.creditMethods).union(Self.bookingMethods)
            .union(Self.salesMethods).union(Self.membershipMethods).union(Self.daemonMethods).union(Self.importMethods)
            .union(Self.workflowMethods)
        // Then they are exactly the protocol's methods
        #expect(exercised == Set(Method.allCases.map(\.rawValue)))
    }

    @Test func studioSessionTypesAndClients() throws {
        // Given a fresh ledger
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        // When the studio is read and updated, then it has its zone and currency
        let studio = try rpc.ok("studio.get")
        #expect(keys(studio) == ["time_zone", "currency"])
        #expect(studio["time_zone"] as? String == "UTC")
        #expect(try rpc.ok("studio.update", ["currency": "GBP", "staff": "Maria"])["currency"] as? String == "GBP")

        // When a session type is created, then it has every field with the defaults
        let yoga = try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        #expect(keys(yoga) == ["id", "name", "requires_credit", "credit_cost", "allow_negative",
                               "late_cancel_window_s", "late_cancel_grace_s", "archived"])
        #expect(yoga["credit_cost"] as? Int == 1 && yoga["requires_credit"] as? Bool == true)
        #expect(yoga["late_cancel_window_s"] as? Int == 86_400 && yoga["late_cancel_grace_s"] as? Int == 0)
        // And an update changes only what it names
        let updated = try rpc.ok("session_type.update", ["id": "yoga", "name": "Yoga flow", "credit_cost": 2])
        #expect(updated["credit_cost"] as? Int == 2 && updated["late_cancel_window_s"] as? Int == 86_400)
        #expect(try rpc.ok("session_type.get", ["id": "yoga"])["name"] as? String == "Yoga flow")

        // When a client is created, updated (empty email clears it), read and listed
        let ann = try rpc.ok("client.create", ["id": "ann", "name": "Ann Lee", "email": "ann@example.com"])
        #expect(keys(ann) == ["id", "name", "email", "active"] && ann["email"] as? String == "ann@example.com")
        let cleared = try rpc.ok("client.update", ["id": "ann", "email": "", "name": "Ann Lee-Smith"])
        #expect(cleared["email"] == nil || cleared["email"] is NSNull)
        #expect(try rpc.ok("client.get", ["id": "ann"])["name"] as? String == "Ann Lee-Smith")
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])
        let clients = try rpc.ok("client.list", ["limit": 1])
        #expect(objects(clients["items"]).map { $0["id"] as? String } == ["ann"])
        #expect(clients["next_cursor"] as? String == "ann")
        let rest = try rpc.ok("client.list", ["cursor": "ann"])
        #expect(objects(rest["items"]).map { $0["id"] as? String } == ["bob"] && rest["next_cursor"] is NSNull)

        // When a type with credits outstanding is archived
        try rpc.ok("session_type.create", ["id": "pilates", "name": "Pilates"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "pilates", "credits": 2])
        let archived = try rpc.ok("session_type.archive", ["id": "pilates"])
        // Then it says how many clients still hold credits for it
        #expect(keys(archived) == ["session_type", "clients_with_credits"])
        #expect(archived["clients_with_credits"] as? Int == 1)
        #expect((archived["session_type"] as? [String: Any])?["archived"] as? Bool == true)
        // And the listing pages through both types, archived included by default
        let page = try rpc.ok("session_type.list", ["limit": 1])
        #expect(objects(page["items"]).map { $0["id"] as? String } == ["pilates"] && page["next_cursor"] as? String == "pilates")
        let all = try rpc.ok("session_type.list")
        #expect(objects(all["items"]).map { $0["id"] as? String } == ["pilates", "yoga"] && all["next_cursor"] is NSNull)
        let live = try rpc.ok("session_type.list", ["include_archived": false])
        #expect(objects(live["items"]).map { $0["id"] as? String } == ["yoga"])
        #expect(rpc.succeeded.isSuperset(of: Self.setupMethods))
    }

    @Test func creditsBalanceHistoryNotesAndExpiry() throws {
        // Given a type and two clients on a test clock at 2026-01-05T09:00Z
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("client.create", ["id": "bob", "name": "Bob"])

        // When credits are issued: dated, for any type, and in bulk with an instant expiry
        let issued = try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 5,
                                                 "expires_on": "2026-01-31", "note": "Welcome pack", "staff": "Maria"])
        #expect(keys(issued) == ["lots", "events", "debt_repaid"])
        let lot = try #require(objects(issued["lots"]).first)
        #expect(keys(lot) == ["id", "client", "scope", "source", "quantity", "remaining", "effective_at", "expires_at"])
        // Then a local date is valid through that day: it expires at the next local midnight
        #expect(lot["expires_at"] as? String == "2026-02-01T00:00:00Z" && lot["source"] as? String == "manual")
        let issuedEvent = try #require((issued["events"] as? [Int])?.first)
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 2])
        let bulk = try rpc.ok("credit.issue", ["clients": ["ann", "bob"], "session_type": "yoga", "credits": 1,
                                               "expires_at": "2026-01-06T09:00:00Z"])
        #expect(objects(bulk["lots"]).map { $0["client"] as? String } == ["ann", "bob"])

        // When the balance is read
        let balance = try rpc.ok("balance.get", ["client": "ann"])
        // Then it has the SPEC shape: total, debt, per type with the next expiry
        #expect(keys(balance) == ["client", "total", "debt", "by_session_type"])
        #expect(balance["total"] as? Int == 8 && balance["debt"] as? Int == 0)
        let scopes = objects(balance["by_session_type"])
        for scope in scopes { #expect(keys(scope) == ["session_type", "archived", "credits", "next_expiry"]) }
        let yoga = try #require(scopes.first { $0["session_type"] as? String == "yoga" })
        #expect(yoga["credits"] as? Int == 6 && yoga["archived"] as? Bool == false)
        let next = try #require(yoga["next_expiry"] as? [String: Any])
        #expect(next["at"] as? String == "2026-01-06T09:00:00Z" && next["credits"] as? Int == 1)
        let any = try #require(scopes.first { $0["session_type"] as? String == "any" })
        #expect(any["credits"] as? Int == 2 && any["next_expiry"] is NSNull)

        // When one credit is removed by hand, it comes from the lot that would be used last
        let removed = try rpc.ok("credit.remove", ["client": "ann", "session_type": "yoga", "credits": 1,
                                                   "note": "Goodwill correction"])
        #expect(removed["removed"] as? Int == 1 && (removed["events"] as? [Int])?.count == 1)

        // Then the history lists every event newest first, with every SPEC key, actor and staff
        let history = try rpc.ok("history.list", ["client": "ann"])
        #expect(keys(history) == ["items", "next_cursor"] && history["next_cursor"] is NSNull)
        let items = objects(history["items"])
        #expect(items.count == 4)
        for item in items { #expect(keys(item) == historyItemKeys) }
        #expect(items.map { $0["event"] as? String } == ["deleted", "issued", "issued", "issued"])
        #expect(items[0]["amount"] as? Int == -1 && items[0]["lot"] as? Int == lot["id"] as? Int)
        #expect(items[0]["note"] as? String == "Goodwill correction" && items[0]["actor"] as? String == LedgerDaemon.me)
        let first = try #require(items.first { $0["id"] as? Int == issuedEvent })
        #expect(first["staff"] as? String == "Maria" && first["note"] as? String == "Welcome pack")
        #expect(first["booking"] is NSNull && first["session_type"] as? String == "yoga")
        // And the amounts add up to the balance
        #expect(items.compactMap { $0["amount"] as? Int }.reduce(0, +) == 7)
        // And filters and cursor paging work
        let page = try rpc.ok("history.list", ["client": "ann", "events": ["issued"], "limit": 2])
        #expect(objects(page["items"]).count == 2)
        let cursor = try #require(page["next_cursor"] as? String)
        let rest = try rpc.ok("history.list", ["client": "ann", "events": ["issued"], "limit": 2, "cursor": cursor])
        #expect(objects(rest["items"]).map { $0["id"] as? Int } == [issuedEvent] && rest["next_cursor"] is NSNull)

        // When the note is edited
        let edited = try rpc.ok("note.set", ["event": issuedEvent, "note": "Welcome pack (promo)", "staff": "Tom"])
        #expect(edited["note"] as? String == "Welcome pack (promo)" && keys(edited) == historyItemKeys)
        // Then every version is kept
        let versions = objects(try rpc.ok("note.history", ["event": issuedEvent])["items"])
        #expect(versions.map { $0["note"] as? String } == ["Welcome pack", "Welcome pack (promo)"])
        #expect(keys(versions[1]) == ["event", "note", "actor", "staff", "at"] && versions[1]["staff"] as? String == "Tom")

        // When the test clock passes the bulk lot's expiry
        let before = try rpc.ok("daemon.status")
        let moved = try rpc.ok("clock.advance", ["seconds": 86_400])
        // Then it returns the new now only after the expiry is recorded, by the scheduler, at the due instant
        #expect(keys(moved) == ["now"] && moved["now"] as? String == "2026-01-06T09:00:00Z")
        let expired = objects(try rpc.ok("history.list", ["client": "ann", "events": ["expired"]])["items"])
        #expect(expired.count == 1)
        #expect(expired.first?["actor"] as? String == "scheduler" && expired.first?["at"] as? String == "2026-01-06T09:00:00Z")
        #expect(expired.first?["amount"] as? Int == -1 && !(expired.first?["rule"] is NSNull))
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 6)
        // And daemon.status has the SPEC shape and counts what the scheduler processed
        let status = try rpc.ok("daemon.status")
        #expect(keys(status).isSuperset(of: ["version", "protocol", "scheduler"]))
        #expect(status["protocol"] as? Int == 1 && status["test_clock"] as? Bool == true)
        let scheduler = try #require(status["scheduler"] as? [String: Any])
        #expect(keys(scheduler) == ["processed", "next_deadline", "lag_ms", "overdue_at_creation", "skipped"])
        #expect(keys(scheduler["lag_ms"]) == ["p50", "p99", "max"])
        let processedBefore = (before["scheduler"] as? [String: Any])?["processed"] as? Int ?? 0
        #expect((scheduler["processed"] as? Int ?? 0) >= processedBefore + 2)
        #expect(scheduler["next_deadline"] as? String == "2026-02-01T00:00:00Z")

        // When the clock is set past the dated lot's expiry, then those credits are gone too
        #expect(try rpc.ok("clock.set", ["now": "2026-03-01T00:00:00Z"])["now"] as? String == "2026-03-01T00:00:00Z")
        let after = try rpc.ok("balance.get", ["client": "ann"])
        #expect(after["total"] as? Int == 2)
        #expect(rpc.succeeded.isSuperset(of: Self.creditMethods))
    }

    @Test func bookingLifecycle() throws {
        // Given yoga (24 h window) and a 2-credit workshop with a 1 h grace, and credits for ann
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "workshop", "name": "Workshop", "credit_cost": 2,
                                           "late_cancel_grace_s": 3600])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let yogaLot = try #require(objects(try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga",
                                                                        "credits": 3])["lots"]).first?["id"] as? Int)
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 6])

        // When a booking is tried with dry_run, then the would-be booking comes back and nothing is written
        let dry = try rpc.ok("booking.create", ["id": "b0", "client": "ann", "session_type": "yoga",
                                                "starts_at": "2026-01-10T18:00:00Z", "dry_run": true])
        #expect(dry["dry_run"] as? Bool == true && dry["credits_left"] as? Int == 8)
        #expect(try rpc.fails("booking.get", ["id": "b0"]).reason == "not_found")

        // When a booking is made well ahead, then it takes the type's own lot first
        let b1 = try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga",
                                               "starts_at": "2026-01-10T18:00:00Z", "staff": "Maria"])
        #expect(keys(b1).isSuperset(of: ["id", "client", "session_type", "starts_at", "ends_at", "credit_cost", "status",
                                         "allocations", "credits_left"]))
        #expect(b1["status"] as? String == "booked" && b1["ends_at"] as? String == "2026-01-10T19:00:00Z")
        #expect(objects(b1["allocations"]).map { $0["lot"] as? Int } == [yogaLot])
        #expect(b1["credits_left"] as? Int == 8)
        // And an early cancellation gives the credit back
        let c1 = try rpc.ok("booking.cancel", ["id": "b1", "note": "Sick"])
        #expect(c1["status"] as? String == "cancelled_early")
        let returned = objects(try rpc.ok("history.list", ["client": "ann", "events": ["returned"]])["items"])
        #expect(returned.first?["amount"] as? Int == 1 && returned.first?["booking"] as? String == "b1")

        // When a workshop 3 h ahead is cancelled (inside the window), then it is pending until the grace ends
        try rpc.ok("booking.create", ["id": "b2", "client": "ann", "session_type": "workshop",
                                      "starts_at": "2026-01-05T12:00:00Z"])
        let pending = try rpc.ok("booking.cancel", ["id": "b2"])
        #expect(pending["status"] as? String == "cancel_pending" && pending["settles_at"] as? String == "2026-01-05T10:00:00Z")
        // And staff may waive it: the credits come back
        #expect(try rpc.ok("booking.waive", ["id": "b2"])["status"] as? String == "cancelled_waived")
        // Or settle one now: voided, credits stay used
        try rpc.ok("booking.create", ["id": "b3", "client": "ann", "session_type": "workshop",
                                      "starts_at": "2026-01-05T13:00:00Z"])
        try rpc.ok("booking.cancel", ["id": "b3"])
        #expect(try rpc.ok("booking.settle", ["id": "b3", "note": "Late again"])["status"] as? String == "cancelled_late")
        let voided = objects(try rpc.ok("history.list", ["client": "ann", "events": ["voided"]])["items"])
        #expect(voided.first?["amount"] as? Int == 0 && voided.first?["credits"] as? Int == 2)
        #expect(voided.first?["note"] as? String == "Late again")

        // When a started session is marked no-show, then its status says so (no credit change)
        try rpc.ok("booking.create", ["id": "b4", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-05T09:00:00Z"])
        #expect(try rpc.ok("booking.no_show", ["id": "b4"])["status"] as? String == "no_show")
        // And reinstating it before it ends makes it booked again
        #expect(try rpc.ok("booking.reinstate", ["id": "b4"])["status"] as? String == "booked")

        // When the clock passes a booking's end and a pending cancellation's grace
        try rpc.ok("booking.create", ["id": "b5", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-05T11:00:00Z"])
        try rpc.ok("booking.create", ["id": "b6", "client": "ann", "session_type": "workshop",
                                      "starts_at": "2026-01-05T14:00:00Z"])
        #expect(try rpc.ok("booking.cancel", ["id": "b6"])["status"] as? String == "cancel_pending")
        #expect(try rpc.ok("clock.advance", ["seconds": 4 * 3600])["now"] as? String == "2026-01-05T13:00:00Z")
        // Then the daemon completed one and settled the other, as the scheduler
        #expect(try rpc.ok("booking.get", ["id": "b5"])["status"] as? String == "completed")
        #expect(try rpc.ok("booking.get", ["id": "b6"])["status"] as? String == "cancelled_late")
        let settled = objects(try rpc.ok("history.list", ["client": "ann", "events": ["voided"]])["items"])
        #expect(settled.first?["booking"] as? String == "b6" && settled.first?["actor"] as? String == "scheduler")

        // And the listing filters by status and pages in start order
        let late = try rpc.ok("booking.list", ["client": "ann", "status": "cancelled_late"])
        #expect(objects(late["items"]).map { $0["id"] as? String } == ["b3", "b6"])
        let firstPage = try rpc.ok("booking.list", ["client": "ann", "limit": 2])
        #expect(objects(firstPage["items"]).map { $0["id"] as? String } == ["b4", "b5"])
        let cursor = try #require(firstPage["next_cursor"] as? String)
        let secondPage = try rpc.ok("booking.list", ["client": "ann", "limit": 2, "cursor": cursor])
        #expect(objects(secondPage["items"]).map { $0["id"] as? String } == ["b2", "b3"])
        // And the ledger's invariants hold
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
        #expect(rpc.succeeded.isSuperset(of: Self.bookingMethods))
    }

    @Test func packagesPurchasesRefundsAndUsage() throws {
        // Given a type and a client
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])

        // When packages are created and one is archived
        let ten = try rpc.ok("package.create", ["id": "ten", "name": "10 classes", "credits": 10, "bonus_credits": 1,
                                                "price_minor": 12_000, "expiry_days": 90])
        #expect(keys(ten) == ["id", "name", "credits", "bonus_credits", "price_minor", "currency", "expiry_days",
                              "scope", "archived"])
        #expect(ten["currency"] as? String == "EUR" && ten["scope"] as? String == "any")
        try rpc.ok("package.create", ["id": "old", "name": "Old 5", "credits": 5, "price_minor": 5000, "scope": "yoga"])
        #expect(try rpc.ok("package.archive", ["id": "old"])["archived"] as? Bool == true)
        // Then get and list see them, archived ones only on request
        #expect(try rpc.ok("package.get", ["id": "ten"])["price_minor"] as? Int == 12_000)
        #expect(objects(try rpc.ok("package.list")["items"]).map { $0["id"] as? String } == ["ten"])
        #expect(objects(try rpc.ok("package.list", ["include_archived": true])["items"]).map { $0["id"] as? String }
                == ["old", "ten"])

        // When the package is sold, then one lot of credits + bonus, valid through the 90th day after today
        let purchase = try rpc.ok("purchase.create", ["id": "p1", "client": "ann", "package": "ten",
                                                      "payment_ref": "pi_123", "staff": "Front desk"])
        #expect(purchase["credits"] as? Int == 11 && purchase["refunded"] as? Bool == false)
        // 2026-01-05 + 90 days = 2026-04-05, valid through that day
        #expect(purchase["expires_at"] as? String == "2026-04-06T00:00:00Z")
        #expect(purchase["price_minor"] as? Int == 12_000 && purchase["payment_ref"] as? String == "pi_123")
        for index in 1...3 {
            try rpc.ok("booking.create", ["id": "b\(index)", "client": "ann", "session_type": "yoga",
                                          "starts_at": "2026-01-2\(index)T18:00:00Z"])
        }
        // When it is refunded, then only the unused credits go
        let refund = try rpc.ok("purchase.refund", ["id": "p1", "note": "Moved away"])
        #expect(refund["refunded"] as? Bool == true && refund["refunded_credits"] as? Int == 8)
        #expect(try rpc.ok("purchase.get", ["id": "p1"])["refunded"] as? Bool == true)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)

        // And the purchase's usage adds up
        let usage = try rpc.ok("usage.summary", ["client": "ann", "purchase": "p1"])
        let figures = try #require(usage["usage"] as? [String: Any])
        #expect(keys(figures) == ["starting", "total_booked", "free_cancellations", "rollover_in", "rollover_out",
                                  "manual_changes", "expired", "forfeited", "refunded", "left"])
        #expect(figures["starting"] as? Int == 11 && figures["total_booked"] as? Int == 3)
        #expect(figures["refunded"] as? Int == 8 && figures["left"] as? Int == 0)
        #expect(Self.addsUp(figures))
        #expect(rpc.succeeded.isSuperset(of: Self.salesMethods))
    }

    @Test func plansMembershipsCyclesAndRollover() throws {
        // Given a monthly plan of 8 credits rolling over at most 2, and an archived plan
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let plan = try rpc.ok("plan.create", ["id": "monthly8", "name": "8 a month", "credits_per_cycle": 8,
                                              "period": "month", "rollover_max": 2, "rollover_expires_after_cycles": 1])
        #expect(keys(plan).isSuperset(of: ["id", "name", "scope", "credits_per_cycle", "period", "period_count",
                                           "rollover_max", "archived"]))
        #expect(plan["period_count"] as? Int == 1 && plan["rollover_max"] as? Int == 2)
        try rpc.ok("plan.create", ["id": "old", "name": "Old", "credits_per_cycle": 4, "period": "week"])
        #expect(try rpc.ok("plan.archive", ["id": "old"])["archived"] as? Bool == true)
        #expect(try rpc.ok("plan.get", ["id": "monthly8"])["credits_per_cycle"] as? Int == 8)
        #expect(objects(try rpc.ok("plan.list")["items"]).map { $0["id"] as? String } == ["monthly8"])

        // When a membership starts today, then cycle 0's credits are there at once
        let m1 = try rpc.ok("membership.create", ["id": "m1", "client": "ann", "plan": "monthly8",
                                                  "starts_on": "2026-01-05"])
        #expect(m1["status"] as? String == "active" && m1["cycle"] as? Int == 0)
        #expect(m1["next_boundary_at"] as? String == "2026-02-05T00:00:00Z")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 8)
        for index in 1...3 {
            try rpc.ok("booking.create", ["id": "b\(index)", "client": "ann", "session_type": "yoga",
                                          "starts_at": "2026-01-1\(index)T18:00:00Z"])
        }

        // When the clock reaches the boundary
        try rpc.ok("clock.set", ["now": "2026-02-05T00:00:00Z"])
        // Then 2 of the 5 left roll over, 3 expire, and cycle 1 is issued
        let events = objects(try rpc.ok("history.list", ["client": "ann", "events": ["rolled_over", "expired"]])["items"])
        #expect(events.compactMap { $0["event"] as? String }.sorted() == ["expired", "rolled_over"])
        #expect(events.first { $0["event"] as? String == "rolled_over" }?["credits"] as? Int == 2)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 10)
        #expect(try rpc.ok("membership.get", ["id": "m1"])["cycle"] as? Int == 1)

        // When it is paused for 2 days and resumed, then the boundaries shift by 2 days
        #expect(try rpc.ok("membership.pause", ["id": "m1"])["status"] as? String == "paused")
        try rpc.ok("clock.advance", ["seconds": 2 * 86_400])
        let resumed = try rpc.ok("membership.resume", ["id": "m1"])
        #expect(resumed["status"] as? String == "active" && resumed["paused_days"] as? Int == 2)
        #expect(resumed["next_boundary_at"] as? String == "2026-03-07T00:00:00Z")
        // When it is cancelled at cycle end, then it ends at the next boundary
        let cancelling = try rpc.ok("membership.cancel", ["id": "m1", "when": "cycle_end"])
        #expect(cancelling["status"] as? String == "cancelling")
        #expect(cancelling["cancels_at"] as? String == "2026-03-07T00:00:00Z")
        #expect(objects(try rpc.ok("membership.list", ["client": "ann"])["items"]).map { $0["id"] as? String } == ["m1"])

        // And usage per cycle adds up
        let usage = try rpc.ok("usage.summary", ["client": "ann", "membership": "m1", "by_cycle": true])
        let cycles = objects(usage["cycles"])
        #expect(cycles.map { $0["cycle"] as? Int } == [0, 1])
        let cycle0 = try #require(cycles.first?["usage"] as? [String: Any])
        #expect(cycle0["starting"] as? Int == 8 && cycle0["total_booked"] as? Int == 3)
        #expect(cycle0["rollover_out"] as? Int == 2 && cycle0["expired"] as? Int == 3 && cycle0["left"] as? Int == 0)
        for cycle in cycles { #expect(Self.addsUp(cycle["usage"] as? [String: Any] ?? [:]), "\(cycle)") }
        #expect(Self.addsUp(usage["usage"] as? [String: Any] ?? [:]))
        #expect(rpc.succeeded.isSuperset(of: Self.membershipMethods))
    }

}
