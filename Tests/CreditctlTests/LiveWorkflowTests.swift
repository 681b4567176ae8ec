import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// creditctl's commands for the studio workflows of issue 16, against a live creditd on a test clock
/// (2027-01-05T09:00:00Z). Runs only when `CREDITD_BIN` names a built creditd binary.
@Suite("creditctl workflows against a live creditd", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CREDITD_BIN"] != nil))
final class LiveWorkflowTests {
    let live: LiveDaemonTests
    init() throws { live = try LiveDaemonTests() }

    func ctl(_ args: [String]) throws -> CtlRun { try CtlRun.run(args + ["--socket", live.socket]) }
    @discardableResult
    func ok(_ args: String...) throws -> String {
        let run = try ctl(args)
        #expect(run.status == 0, "\(args): \(run.stderr)")
        return run.stdout
    }
    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Given yoga, ann (3 yoga credits through 2027-01-09) and bob (2 any credits through 2027-03-01).
    func twoClientsWithExpiringCredits() throws {
        try ok("session-type", "create", "yoga", "Yoga")
        try ok("client", "add", "ann", "Ann Lee", "--email", "ann@example.com")
        try ok("client", "add", "bob", "Bob, Jr.")
        try ok("credit", "issue", "ann", "--type", "yoga", "--credits", "3", "--expires-on", "2027-01-09")
        try ok("credit", "issue", "bob", "--type", "any", "--credits", "2", "--expires-on", "2027-03-01")
    }

    @Test func reportExpiringPrintsATableCSVAndJSON() throws {
        try twoClientsWithExpiringCredits()
        // When the next 7 days are reported as a table
        let table = try ok("report", "expiring", "--within-days", "7")
        // Then ann's lot is listed valid through its date, and bob's (later) is not
        #expect(table.contains("2027-01-09") && table.contains("ann") && table.contains("ann@example.com"), "\(table)")
        #expect(!table.contains("bob"), "\(table)")
        #expect(table.contains("3 credits in 1 lot"), "\(table)")
        // When 90 days are reported as CSV, then a header and both rows, quoted where needed, soonest first
        let csv = try ok("report", "expiring", "--within-days", "90", "--format", "csv").components(separatedBy: "\r\n")
            .filter { !$0.isEmpty }
        #expect(csv.first == "lot,client,client_name,email,scope,credits,expires_at")
        #expect(csv.count == 3 && csv[1].contains(",ann,Ann Lee,ann@example.com,yoga,3,2027-01-10T00:00:00Z"))
        #expect(csv.count == 3 && csv[2].contains(",bob,\"Bob, Jr.\",,any,2,2027-03-02T00:00:00Z"))
        // When only yoga is asked for as JSON, then the daemon's page
        let page = object(try ok("report", "expiring", "--within-days", "90", "--type", "yoga", "--json"))
        #expect((page["items"] as? [[String: Any]])?.map { $0["client"] as? String } == ["ann"])
        // When the window is 0 days, then a usage error before anything is sent
        #expect(try ctl(["report", "expiring", "--within-days", "0"]).status == 2)
    }

    @Test func clientDeactivateHidesTheClientAndRefusesNewCredits() throws {
        try twoClientsWithExpiringCredits()
        // When bob is deactivated
        let off = try ok("client", "deactivate", "bob")
        #expect(off.contains("deactivated"), "\(off)")
        // Then the list hides him unless asked, and issuing to him fails with invalid_state's exit code
        #expect(!(try ok("client", "list")).contains("bob"))
        #expect(try ok("client", "list", "--include-inactive").contains("bob"))
        let refused = try ctl(["credit", "issue", "bob", "--type", "any", "--credits", "1"])
        #expect(refused.status != 0 && refused.stderr.contains("deactivated"), "\(refused.stderr)")
        // When he is reactivated (as JSON), then he is active again
        #expect(object(try ok("client", "reactivate", "bob", "--json"))["active"] as? Bool == true)
        try ok("credit", "issue", "bob", "--type", "any", "--credits", "1")
    }

    @Test func creditExtendMovesALotsExpiry() throws {
        try twoClientsWithExpiringCredits()
        let history = object(try ok("history", "ann", "--json"))
        let lotId = try #require((history["items"] as? [[String: Any]])?.first?["lot"] as? Int)
        // When ann's lot is extended through 2027-02-28, in human form
        let text = try ok("credit", "extend", String(lotId), "--expires-on", "2027-02-28", "--note", "goodwill")
        // Then the new and old dates are shown as the studio says them
        #expect(text.contains("expires 2027-02-28, was 2027-01-09"), "\(text)")
        // When it is made never to expire, as JSON, then the lot has no expiry and the old one is given
        let json = object(try ok("credit", "extend", String(lotId), "--no-expiry", "--json"))
        #expect(json["previous_expires_at"] as? String == "2027-03-01T00:00:00Z")
        // When two new expiries are given, then a usage error
        #expect(try ctl(["credit", "extend", String(lotId), "--no-expiry", "--expires-on", "2027-05-01"]).status == 2)
    }

    @Test func creditTransferGivesCreditsToAnotherClient() throws {
        try twoClientsWithExpiringCredits()
        // When 2 of ann's yoga credits go to bob
        let text = try ok("credit", "transfer", "ann", "bob", "--type", "yoga", "--credits", "2", "--note", "gift")
        // Then the part is shown with the expiry bob's new lot keeps
        #expect(text.contains("transferred 2 credits from ann to bob") && text.contains("2027-01-09"), "\(text)")
        #expect(object(try ok("balance", "bob", "--json"))["total"] as? Int == 4)
        // When more than ann has left is asked for as JSON, then it fails and nothing moves
        let short = try ctl(["credit", "transfer", "ann", "bob", "--type", "yoga", "--credits", "5", "--json"])
        #expect(short.status != 0 && short.stderr.contains("insufficient"), "\(short.stderr)")
        // When a client is named twice, then a usage error
        #expect(try ctl(["credit", "transfer", "ann", "ann", "--type", "yoga", "--credits", "1"]).status == 2)
    }

    @Test func reportActivityPrintsATableCSVAndJSON() throws {
        // Given Sam's issues (the setup) and Kim's booking
        try ok("session-type", "create", "yoga", "Yoga")
        try ok("client", "add", "ann", "Ann Lee")
        try ok("credit", "issue", "ann", "--type", "yoga", "--credits", "3", "--staff", "Sam")
        try ok("book", "ann", "yoga", "2027-01-10 18:00", "--id", "b1", "--staff", "Kim")
        // When the day is reported as a table, then each teammate has a row with counts and credits
        let table = try ok("report", "activity", "--since", "2027-01-05", "--until", "2027-01-05")
        #expect(table.contains("(Sam)") && table.contains("1 (3)") && table.contains("(Kim)"), "\(table)")
        // When as CSV for Kim only, then a header and Kim's row
        let csv = try ok("report", "activity", "--since", "2027-01-05", "--until", "2027-01-05", "--staff", "Kim",
                         "--format", "csv").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csv.first?.hasPrefix("actor,staff,issued,issued_credits,removed") == true)
        #expect(csv.count == 2 && csv.last?.hasSuffix(",Kim,0,0,0,0,1,1,0,0,0,0,0,0") == true, "\(csv)")
        // When as JSON, then the daemon's report
        let json = object(try ok("report", "activity", "--since", "2027-01-05", "--until", "2027-01-05", "--json"))
        #expect((json["items"] as? [Any])?.count == 2)
    }

    @Test func historyAndBookingsTakeTheNewFilters() throws {
        try twoClientsWithExpiringCredits()
        try ok("session-type", "create", "pilates", "Pilates")
        try ok("book", "ann", "yoga", "2027-01-07 18:00", "--id", "b1")
        try ok("book", "bob", "pilates", "2027-01-07 19:00", "--id", "b2")
        // When ann's history is filtered by her booking, then only its use
        let history = object(try ok("history", "ann", "--booking", "b1", "--json"))
        #expect((history["items"] as? [[String: Any]])?.map { $0["event"] as? String } == ["used"])
        // When bookings are filtered by type, then only pilates
        let table = try ok("bookings", "--type", "pilates")
        #expect(table.contains("b2") && !table.contains("b1"), "\(table)")
    }

    @Test func reportLiabilityPrintsValuesAndTotals() throws {
        // Given a sale of 10 credits for 100.00 and a manual issue
        try twoClientsWithExpiringCredits()
        try ok("package", "create", "ten", "Ten", "--credits", "10", "--price-minor", "10000")
        try ok("sell", "ann", "ten", "--id", "p1")
        // When the liability is shown, then the package line, the manual line and the total
        let table = try ok("report", "liability")
        #expect(table.contains("ten") && table.contains("100.00") && table.contains("manual"), "\(table)")
        let csv = try ok("report", "liability", "--format", "csv").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csv == ["source,id,currency,credits,value_minor", "manual,,EUR,5,0", "package,ten,EUR,10,10000"])
        #expect((object(try ok("report", "liability", "--json"))["totals"] as? [Any])?.count == 1)
    }
}
