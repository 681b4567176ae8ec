import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// Every creditctl command against a real creditd, in human and `--json` form. Runs only when
/// `CREDITD_BIN` names a built creditd binary (scripts/test.sh sets it).
@Suite("every creditctl command against a live creditd", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CREDITD_BIN"] != nil))
final class LiveEveryCommandTests {
    let live: LiveDaemonTests

    init() throws { live = try LiveDaemonTests() }

    /// Runs the command in human form, expecting success and `text` in the output.
    func human(_ args: [String], _ text: String) throws {
        let run = try CtlRun.run(args + ["--socket", live.socket])
        #expect(run.status == 0, "\(args): \(run.stderr)")
        #expect(text.isEmpty || run.stdout.contains(text), "\(args) printed:\n\(run.stdout)")
    }

    /// Runs the command with `--json`, expecting success and one JSON object holding `key`.
    @discardableResult
    func json(_ args: [String], _ key: String) throws -> [String: Any] {
        let run = try CtlRun.run(args + ["--json", "--socket", live.socket])
        #expect(run.status == 0, "\(args) --json: \(run.stderr)")
        let object = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(object[key] != nil, "\(args) --json printed:\n\(run.stdout)")
        return object
    }

    @Test func setupCreditsAndNotes() throws {
        // Given a fresh daemon, when every setup and credit command runs in both forms
        try human(["studio", "show"], "UTC")
        try json(["studio", "show"], "time_zone")
        try human(["studio", "set", "--currency", "EUR"], "EUR")
        try json(["studio", "set", "--currency", "EUR"], "currency")
        try human(["session-type", "create", "yoga", "Yoga"], "yoga")
        try json(["session-type", "create", "pt", "Personal training", "--cost", "2"], "credit_cost")
        try human(["session-type", "update", "pt", "--grace", "1h"], "1h")
        try json(["session-type", "update", "yoga", "--name", "Yoga flow"], "name")
        try human(["session-type", "show", "yoga"], "Yoga flow")
        try json(["session-type", "show", "pt"], "late_cancel_grace_s")
        try human(["session-type", "list"], "pt")
        try json(["session-type", "list"], "items")
        try human(["client", "add", "ann", "Ann Lee"], "ann")
        try json(["client", "add", "bob", "Bob"], "id")
        try human(["client", "update", "ann", "--email", "ann@example.com"], "ann@example.com")
        try json(["client", "update", "bob", "--name", "Bobby"], "name")
        try human(["client", "show", "ann"], "Ann Lee")
        try json(["client", "show", "bob"], "name")
        try human(["client", "list"], "bob")
        try json(["client", "list"], "items")
        try human(["credit", "issue", "ann", "--type", "yoga", "--credits", "5", "--note", "welcome"], "5")
        try json(["credit", "issue", "bob", "--type", "any", "--credits", "3"], "lots")
        try human(["credit", "remove", "ann", "--type", "yoga", "--credits", "1"], "1")
        try json(["credit", "remove", "bob", "--type", "any", "--credits", "1"], "removed")
        try human(["balance", "ann"], "ann: 4 credits")
        try json(["balance", "bob"], "by_session_type")
        try human(["history", "ann"], "issued")
        try json(["history", "bob"], "next_cursor")
        try human(["note", "set", "1", "paid cash"], "paid cash")
        try json(["note", "set", "1", "paid by card"], "note")
        try human(["note", "history", "1"], "paid cash")
        try json(["note", "history", "1"], "items")
        // Then the ledger is consistent
        try human(["verify"], "ok")
        try json(["verify"], "violations")
    }

    @Test func bookingsSalesMembershipsReportsAndDaemon() throws {
        // Given a type with a grace period, clients and credits (the clock is 2027-01-05T09:00Z)
        try human(["session-type", "create", "yoga", "Yoga", "--grace", "1h"], "yoga")
        for client in ["ann", "bob"] { try human(["client", "add", client, client.uppercased()], client) }
        try human(["credit", "issue", "ann", "--type", "yoga", "--credits", "10"], "10")
        // When bookings are made, cancelled early and late, waived, settled and marked no-show
        try human(["book", "ann", "yoga", "2027-01-20T10:00:00Z", "--id", "b1"], "booked")
        try json(["book", "ann", "yoga", "2027-01-20T12:00:00Z", "--id", "b2"], "allocations")
        for id in ["b3", "b4"] { try human(["book", "ann", "yoga", "2027-01-05T18:00:00Z", "--id", id], "booked") }
        // (a no-show is marked once the session has started)
        for id in ["b5", "b6"] { try human(["book", "ann", "yoga", "2027-01-05T09:00:00Z", "--id", id], "booked") }
        try human(["cancel", "b1"], "cancelled_early")
        try json(["cancel", "b2", "--early"], "status")
        try human(["cancel", "b3", "--late"], "cancel_pending")
        try json(["cancel", "b4", "--late"], "settles_at")
        try human(["waive", "b3"], "cancelled_waived")
        try json(["settle", "b4"], "status")
        try human(["no-show", "b5"], "no_show")
        try json(["no-show", "b6"], "status")
        try human(["reinstate", "b5", "--note", "Came late"], "booked")
        try json(["reinstate", "b4"], "status")
        try human(["bookings", "--client", "ann"], "b6")
        try json(["bookings"], "items")
        try human(["booking", "show", "b1"], "cancelled_early")
        try json(["booking", "show", "b4"], "status")
        // And packages are sold and refunded
        try human(["package", "create", "ten", "Ten pack", "--credits", "10", "--price-minor", "9000"], "ten")
        try json(["package", "create", "five", "Five pack", "--credits", "5", "--price-minor", "5000", "--expiry-days", "90"], "expiry_days")
        try human(["package", "show", "ten"], "Ten pack")
        try json(["package", "show", "five"], "price_minor")
        try human(["package", "list"], "five")
        try json(["package", "list"], "items")
        try human(["sell", "ann", "ten", "--id", "p1"], "p1")
        try json(["sell", "bob", "five", "--id", "p2"], "lot")
        try human(["purchase", "show", "p1"], "p1")
        try json(["purchase", "show", "p2"], "refunded")
        try human(["refund", "p1"], "p1")
        try json(["refund", "p2"], "refunded_credits")
        try human(["package", "archive", "ten"], "ten")
        try json(["package", "archive", "five"], "archived")
        // And plans and memberships go through their lifecycle
        try human(["plan", "create", "monthly", "Monthly 8", "--credits", "8", "--period", "month", "--rollover-max", "2"], "monthly")
        try json(["plan", "create", "weekly", "Weekly 2", "--credits", "2", "--period", "week"], "credits_per_cycle")
        try human(["plan", "show", "monthly"], "Monthly 8")
        try json(["plan", "show", "weekly"], "period")
        try human(["plan", "list"], "weekly")
        try json(["plan", "list"], "items")
        try human(["membership", "start", "ann", "monthly", "--id", "m1"], "m1")
        try json(["membership", "start", "bob", "weekly", "--id", "m2"], "next_boundary_at")
        try human(["membership", "pause", "m1"], "paused")
        try json(["membership", "pause", "m2"], "status")
        try human(["clock", "advance", "2d"], "2027-01-07")
        try json(["clock", "set", "2027-01-08T09:00:00Z"], "now")
        try human(["membership", "resume", "m1"], "active")
        try json(["membership", "resume", "m2"], "paused_days")
        try human(["membership", "show", "m1"], "m1")
        try json(["membership", "show", "m2"], "cycle")
        try human(["membership", "list"], "m2")
        try json(["membership", "list"], "items")
        try human(["membership", "cancel", "m1"], "cancelled")
        try json(["membership", "cancel", "m2", "--at-cycle-end"], "cancels_at")
        try human(["plan", "archive", "weekly"], "weekly")
        try json(["plan", "archive", "monthly"], "archived")
        try human(["session-type", "archive", "yoga"], "yoga")
        // And the reports, exports and daemon commands answer
        try human(["usage", "ann"], "ann")
        try json(["usage", "ann", "--membership", "m1", "--by-cycle"], "cycles")
        let csv = live.dir + "/history.csv"
        try human(["export", "history", "ann", "--format", "csv", "--output", csv], "")
        #expect(((try? String(contentsOfFile: csv, encoding: .utf8)) ?? "").contains("issued"))
        try human(["export", "usage", "--format", "jsonl", "--output", live.dir + "/usage.jsonl"], "")
        #expect(((try? String(contentsOfFile: live.dir + "/usage.jsonl", encoding: .utf8)) ?? "").contains(#""client":"ann""#))
        try human(["status"], "Version")
        try json(["status"], "scheduler")
        try human(["metrics"], "# TYPE creditd_requests_total counter\n")
        try json(["metrics"], "content_type")
        try human(["backup", "one.sqlite"], "one.sqlite")
        try json(["backup", "two.sqlite"], "bytes")
        try human(["verify"], "ok")
    }

    @Test func watchPrintsCommittedEvents() throws {
        // Given `creditctl watch --json` running
        let output = live.dir + "/watch.out"
        FileManager.default.createFile(atPath: output, contents: nil)
        let watch = Process()
        watch.executableURL = CtlRun.binary
        watch.arguments = ["watch", "--json", "--socket", live.socket]
        watch.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try watch.run()
        defer {
            kill(watch.processIdentifier, SIGKILL)
            watch.waitUntilExit()
        }
        try human(["session-type", "create", "yoga", "Yoga"], "yoga")
        try human(["client", "add", "ann", "Ann"], "ann")
        // When credits are issued (repeatedly, until the subscription is surely in place)
        var seen = ""
        for attempt in 0..<50 where !seen.contains(#""event":"issued""#) {
            try human(["credit", "issue", "ann", "--type", "yoga", "--credits", "1", "--idempotency-key", "w\(attempt / 10)"], "1")
            usleep(100_000)
            seen = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        // Then the event is printed as one JSON line
        #expect(seen.contains(#""event":"issued""#) && seen.contains(#""client":"ann""#))
    }
}
