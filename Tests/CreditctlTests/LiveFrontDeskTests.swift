import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// creditctl as the front desk uses it (issue 15), against a live creditd on a test clock
/// (2027-01-05T09:00:00Z). Runs only when `CREDITD_BIN` names a built creditd binary.
@Suite("creditctl for the front desk, against a live creditd", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CREDITD_BIN"] != nil))
final class LiveFrontDeskTests {
    let live: LiveDaemonTests
    init() throws { live = try LiveDaemonTests() }

    /// Runs creditctl with exactly these arguments (no --socket added).
    func raw(_ args: [String]) throws -> CtlRun { try CtlRun.run(args) }
    func ctl(_ args: String...) throws -> CtlRun { try CtlRun.run(args + ["--socket", live.socket]) }
    @discardableResult
    func ok(_ args: String...) throws -> String {
        let run = try CtlRun.run(args + ["--socket", live.socket])
        #expect(run.status == 0, "\(args): \(run.stderr)")
        return run.stdout
    }
    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Given Europe/Berlin, yoga and ann with 5 yoga credits.
    func studioWithAnn() throws {
        try ok("studio", "set", "--time-zone", "Europe/Berlin")
        try ok("session-type", "create", "yoga", "Yoga")
        try ok("client", "add", "ann", "Ann Lee")
        try ok("credit", "issue", "ann", "--type", "yoga", "--credits", "5")
    }

    @Test func readmeFirstSessionRunsAsWritten() throws {
        // When every command of the README's first session runs, in order, as typed there
        for args in try DocsAgreeTests.readmeFirstSession() {
            try ok(args)
        }
        // Then b1 was booked for 18:00 in the studio's zone (UTC here) and cancelled early
        let booking = object(try ok("booking", "show", "b1", "--json"))
        #expect(booking["starts_at"] as? String == "2027-01-10T18:00:00Z")
        #expect(booking["status"] as? String == "cancelled_early")
        #expect(try ok("balance", "ann").hasPrefix("ann: 5 credits"))
    }

    func ok(_ args: [String]) throws {
        let run = try CtlRun.run(args + ["--socket", live.socket])
        #expect(run.status == 0, "\(args): \(run.stderr)")
    }

    @Test func globalOptionsGoBeforeOrAfterTheSubcommand() throws {
        try studioWithAnn()
        // When --socket and --json come before the command, in both spellings
        let before = try raw(["--socket", live.socket, "--json", "balance", "ann"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(object(before.stdout)["total"] as? Int == 5)
        let between = try raw(["--json", "--socket=\(live.socket)", "credit", "--staff", "Sam", "issue", "ann",
                               "--type", "yoga", "--credits", "1"])
        #expect(between.status == 0, "\(between.stderr)")
        // Then the staff name given between the commands is recorded
        let history = object(try ok("history", "ann", "--limit", "1", "--json"))
        #expect((history["items"] as? [[String: Any]])?.first?["staff"] as? String == "Sam")
        // And an option after `--`-less arguments still works as before
        #expect(try raw(["balance", "ann", "--socket", live.socket, "--json"]).status == 0)
    }

    @Test func localTimesAreStudioTimes() throws {
        try studioWithAnn()
        // When a booking is typed as studio-local wall-clock time (Berlin is UTC+1 in January)
        let spaced = object(try ok("book", "ann", "yoga", "2027-01-10 18:00", "--id", "b1", "--json"))
        let tee = object(try ok("book", "ann", "yoga", "2027-01-11T18:00", "--id", "b2", "--json"))
        let offset = object(try ok("book", "ann", "yoga", "2027-01-12T18:00:00+01:00", "--id", "b3", "--json"))
        // Then they mean 17:00 UTC, and an RFC 3339 instant is taken as it is
        #expect(spaced["starts_at"] as? String == "2027-01-10T17:00:00Z")
        #expect(tee["starts_at"] as? String == "2027-01-11T17:00:00Z")
        #expect(offset["starts_at"] as? String == "2027-01-12T17:00:00Z")
        // And the table shows the time as typed
        #expect(try ok("booking", "show", "b1").contains("2027-01-10 18:00"))
        // When the local time is skipped by the spring change, it is refused
        let gap = try ctl("book", "ann", "yoga", "2027-03-28 02:30", "--id", "b4")
        #expect(gap.status == 2 && gap.stderr.contains("does not exist in Europe/Berlin"))
        // When it happens twice (autumn), it means the earlier: 02:30 CEST = 00:30 UTC
        let twice = object(try ok("book", "ann", "yoga", "2027-10-31 02:30", "--id", "b5", "--dry-run", "--json"))
        #expect(twice["starts_at"] as? String == "2027-10-31T00:30:00Z")
        // And a bare date is no start time
        #expect(try ctl("book", "ann", "yoga", "2027-01-10", "--id", "b6").status == 2)
    }

    @Test func sinceAndUntilTakeLocalDates() throws {
        try studioWithAnn()
        try ok("book", "ann", "yoga", "2027-01-10 00:30", "--id", "early")   // 2027-01-09T23:30Z
        try ok("book", "ann", "yoga", "2027-01-10 23:30", "--id", "late")
        try ok("book", "ann", "yoga", "2027-01-11 00:30", "--id", "next")
        // When bookings are listed for one local day by dates
        let page = object(try ok("bookings", "--since", "2027-01-10", "--until", "2027-01-10", "--json"))
        // Then exactly that day's bookings, in the studio's zone, are listed
        let ids = Set(((page["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        #expect(ids == ["early", "late"])
    }

    @Test func durationsNeedAUnit() throws {
        // When a late window is a bare number, it is refused with the two likely meanings
        let bare = try ctl("session-type", "create", "pilates", "Pilates", "--late-window", "90")
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("90s or 90m"))
        // When it has a unit, fractions included, it is taken
        let typed = object(try ok("session-type", "create", "pilates", "Pilates", "--late-window", "1.5h",
                                  "--grace", "0", "--json"))
        #expect(typed["late_cancel_window_s"] as? Int == 5400)
        #expect(try ctl("clock", "advance", "90").status == 2)
    }

    @Test func countsMustBePositiveWholeNumbers() throws {
        try studioWithAnn()
        let negative = try ctl("credit", "issue", "ann", "--type", "yoga", "--credits", "-1")
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("must be a positive whole number"))
        #expect(!negative.stderr.contains("Missing value"))
        #expect(try ctl("credit", "remove", "ann", "--type", "yoga", "--credits", "1.5").stderr
                    .contains("must be a positive whole number"))
    }

    @Test func issueAndRemoveSayTheNewBalance() throws {
        try studioWithAnn()
        #expect(try ok("credit", "issue", "ann", "--type", "yoga", "--credits", "2").contains("New credit balance: 7 yoga"))
        #expect(try ok("credit", "remove", "ann", "--type", "yoga", "--credits", "3").contains("New credit balance: 4 yoga"))
        try ok("client", "add", "bo", "Bo")
        let both = try ok("credit", "issue", "ann", "bo", "--type", "yoga", "--credits", "1")
        #expect(both.contains("New credit balance of ann: 5 yoga") && both.contains("New credit balance of bo: 1 yoga"))
    }

    @Test func cancellingSaysWhereTheCreditsWent() throws {
        try studioWithAnn()
        try ok("session-type", "update", "yoga", "--grace", "1h")
        try ok("book", "ann", "yoga", "2027-01-10 18:00", "--id", "b1")
        try ok("book", "ann", "yoga", "2027-01-05 18:00", "--id", "b2")
        // When one is cancelled early and one late (inside the 24 h window) and settled
        let early = try ok("cancel", "b1")
        try ok("cancel", "b2")
        let settled = try ok("settle", "b2")
        // Then the front desk reads where the credits went, not what was taken
        #expect(early.contains("1 credit returned to lot 1") && !early.contains("Credits taken"))
        #expect(settled.contains("1 credit forfeited") && !settled.contains("Credits taken"))
        // And the voided row of the history shows no amount
        let voided = try ok("history", "ann", "--event", "voided").split(separator: "\n")[1]
        let columns = voided.split(separator: " ", omittingEmptySubsequences: true)
        #expect(columns.contains("voided") && !columns.contains("0") && !columns.contains("-1"))
    }

    @Test func aMembershipNotYetStartedSaysWhenItStarts() throws {
        try studioWithAnn()
        try ok("plan", "create", "monthly", "Monthly", "--credits", "4", "--period", "month")
        let shown = try ok("membership", "start", "ann", "monthly", "--on", "2027-02-01", "--id", "m1")
        #expect(shown.contains("not started yet: the first cycle starts 2027-02-01 00:00"))
        #expect(!shown.contains("-1"))
        #expect(!(try ok("membership", "list")).contains("-1"))
    }

    @Test func balanceNamesCreditsThatCannotBeBookedNow() throws {
        try studioWithAnn()
        try ok("plan", "create", "monthly", "Monthly", "--credits", "4", "--period", "month")
        try ok("membership", "start", "ann", "monthly", "--id", "m1")
        try ok("membership", "pause", "m1")
        try ok("session-type", "create", "spin", "Spin")
        try ok("credit", "issue", "ann", "--type", "spin", "--credits", "2")
        try ok("session-type", "archive", "spin")
        // When the balance is shown
        let balance = try ok("balance", "ann")
        // Then the paused membership's and the archived type's credits are named as not bookable
        #expect(balance.contains("membership m1 (plan monthly) is paused"))
        #expect(balance.contains("2 spin credits cannot be booked: the session type is archived"))
        #expect(balance.contains("fails with insufficient_credits"))
        // And a booking those credits cannot pay for says where to look
        try ok("credit", "remove", "ann", "--type", "yoga", "--credits", "5")
        let refused = try ctl("book", "ann", "yoga", "2027-01-10 18:00")
        #expect(refused.status == 1 && refused.stderr.contains("creditctl balance ann"))
    }

    @Test func pluralsAgreeWithTheirCounts() throws {
        try studioWithAnn()
        #expect(try ok("verify").contains("1 client, 1 lot, 1 event"))
        let file = try temp("client_id,session_type,credits\nann,yoga,1\n")
        #expect(try ok("credit", "import", file, "--check").contains("1 row, 1 credit for 1 client"))
    }

    @Test func historyOfAnUnknownTypeIsNotFound() throws {
        try studioWithAnn()
        let run = try ctl("history", "ann", "--type", "nosuch")
        #expect(run.status == 1 && run.stderr.contains("not_found: session type nosuch not found"))
        #expect(try ctl("history", "ann", "--type", "any").status == 0)
    }

    @Test func importCheckReportsEveryBadLineAndChangesNothing() throws {
        try studioWithAnn()
        try ok("session-type", "create", "spin", "Spin")
        try ok("session-type", "archive", "spin")
        // Given a file with a past date, an unknown client, an unknown and an archived type
        let file = try temp("""
            client_id,session_type,credits,expires_on,note
            ann,yoga,1,2027-01-04,
            zed,yoga,1,,
            ann,nosuch,1,,
            ann,spin,1,,
            ann,yoga,1,2027-02-01,fine

            """)
        // When checked, and when imported
        for args in [["credit", "import", file, "--check"], ["credit", "import", file]] {
            let run = try CtlRun.run(args + ["--socket", live.socket])
            // Then every bad line is named in one pass, and nothing changes
            #expect(run.status == 5)
            #expect(run.stderr.contains("\(file):2: expires_on 2027-01-04 is in the past"))
            #expect(run.stderr.contains("\(file):3: client zed does not exist"))
            #expect(run.stderr.contains("\(file):4: session type nosuch does not exist"))
            #expect(run.stderr.contains("\(file):5: session type spin is archived"))
            #expect(run.stderr.contains("4 failing lines"))
        }
        #expect(try ok("balance", "ann").hasPrefix("ann: 5 credits"))
    }

    @Test func importListsAtMostFiftyBadLinesAndCountsTheRest() throws {
        try studioWithAnn()
        var text = "client_id,session_type,credits\n"
        for i in 0..<70 { text += "ghost\(i),yoga,1\n" }
        let run = try CtlRun.run(["credit", "import", try temp(text), "--check", "--socket", live.socket])
        #expect(run.status == 5)
        #expect(run.stderr.split(separator: "\n").filter { $0.contains("does not exist") }.count == Limits.importProblemsListedMax)
        #expect(run.stderr.contains("... and 20 more bad lines"))
        #expect(run.stderr.contains("70 failing lines"))
    }

    @Test func reRunningAFinishedImportSaysItWasAlreadyImported() throws {
        try studioWithAnn()
        let file = try temp("client_id,session_type,credits\nann,yoga,2\n")
        #expect(try ok("credit", "import", file, "--staff", "Sam").contains("imported 1 row, 2 credits"))
        // When the same file is imported again, by another teammate
        let again = try ok("credit", "import", file, "--staff", "Bo")
        // Then it says so and issues nothing
        #expect(again.contains("was already imported") && again.contains("nothing changed"))
        #expect(try ok("balance", "ann").hasPrefix("ann: 7 credits"))
        let json = object(try ok("credit", "import", file, "--json"))
        #expect(json["already_imported"] as? Bool == true)
    }

    private func temp(_ text: String) throws -> String {
        let path = live.dir + "/import-\(UUID().uuidString.prefix(8)).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
