import Foundation
import Testing
@testable import creditctl

/// Canned answers of the fake daemon, in the daemon's wire shape (snake_case keys).
enum Canned {
    static let balance = #"{"client":"alice","total":7,"debt":0,"by_session_type":[{"session_type":"yoga","archived":false,"credits":5,"next_expiry":{"at":"2027-01-01T00:00:00Z","credits":3}},{"session_type":"old-spin","archived":true,"credits":2,"next_expiry":null}]}"#

    /// A note as it appears inside JSON: with a comma and escaped quotes.
    static let quotedNote = #"a, \"quoted\" note"#

    static func event(_ id: Int, note: String = "") -> String {
        #"{"id":\#(id),"at":"2026-05-01T10:00:00Z","recorded_at":"2026-05-01T10:00:00Z","event":"issued","client":"alice","session_type":"yoga","lot":1,"booking":null,"amount":1,"credits":1,"actor":"root","staff":"Sam","note":"\#(note)","rule":null}"#
    }

    /// Whether rows are staged, as the fake daemon's one piece of state.
    final class Staging: @unchecked Sendable {
        private let lock = NSLock()
        private var staged = false
        func set(_ value: Bool) { lock.withLock { staged = value } }
        func take() -> Bool { lock.withLock { defer { staged = false }; return staged } }
    }
    static let staging = Staging()

    static func handler(method: String, params: [String: Any]) -> FakeDaemon.Reply {
        switch method {
        case "studio.get": return .result(#"{"time_zone":"UTC","currency":"EUR"}"#)
        case "balance.get":
            if params["client"] as? String == "alice" { return .result(balance) }
            return .error(code: -32001, message: "no client nobody", reason: "not_found")
        case "history.list":
            // Two pages: events 3 and 2, then 1.
            if params["cursor"] == nil { return .result(#"{"items":[\#(event(3, note: quotedNote)),\#(event(2))],"next_cursor":"c1"}"#) }
            return .result(#"{"items":[\#(event(1))],"next_cursor":null}"#)
        case "client.get":
            if params["id"] as? String == "ghost" { return .error(code: -32001, message: "no such client", reason: "not_found") }
            return .result(#"{"id":"\#(params["id"] as? String ?? "")","name":"x","email":null}"#)
        case "session_type.get":
            let archived = params["id"] as? String == "old-spin"
            return .result(#"{"id":"yoga","name":"Yoga","requires_credit":true,"credit_cost":1,"allow_negative":false,"late_cancel_window_s":86400,"late_cancel_grace_s":0,"archived":\#(archived)}"#)
        case "credit.issue":
            if params["client"] as? String == "broke" {
                return .error(code: -32005, message: "archived meanwhile", reason: "session_type_archived")
            }
            return .result(#"{"lots":[{"id":9,"client":"alice","scope":"yoga","source":"manual","quantity":5,"remaining":5,"effective_at":"2026-05-01T10:00:00Z","expires_at":null}],"events":[42],"debt_repaid":0}"#)
        case "import.stage":
            let rows = params["rows"] as? [[String: Any]] ?? []
            if let broke = rows.first(where: { $0["client"] as? String == "broke" }) {
                return .error(code: -32005, message: "line \(broke["line"] as? Int ?? 0): archived meanwhile",
                              reason: "session_type_archived")
            }
            staging.set(true)
            return .result(#"{"import":"x","rows":\#(rows.count),"credits":0,"committed":false}"#)
        case "import.abort":
            staging.set(false)
            return .result(#"{"import":"x","rows":0,"credits":0,"committed":false}"#)
        case "import.commit":
            // As the daemon: with nothing staged (and a new key) there is nothing to commit.
            guard staging.take() else { return .error(code: -32001, message: "import x has no staged rows", reason: "not_found") }
            return .result(#"{"import":"x","rows":0,"credits":0,"committed":true}"#)
        case "booking.create":
            return .error(code: -32003, message: "not enough credits for yoga", reason: "insufficient_credits",
                          extra: #","available":0,"required":1"#)
        case "daemon.status":
            return .result(#"{"version":"0.1.0","protocol":1,"now":"2026-05-01T10:00:00Z","test_clock":true,"connections":1,"lots":3,"events":9,"scheduler":{"processed":4,"next_deadline":null,"lag_ms":{"p50":1,"p99":2,"max":3}}}"#)
        default: return .error(code: -32601, message: "no method \(method)", reason: "method_not_found")
        }
    }
}

@Suite("creditctl binary against a fake daemon", .serialized)
final class EndToEndTests {
    let daemon: FakeDaemon
    init() throws { daemon = try FakeDaemon(handler: Canned.handler) }
    deinit { daemon.stop() }

    func ctl(_ args: String..., env: [String: String] = [:]) throws -> CtlRun {
        try CtlRun.run(args + ["--socket", daemon.path], env: env)
    }

    @Test func balanceHumanAndJSON() throws {
        let human = try ctl("balance", "alice")
        #expect(human.status == 0)
        #expect(human.stdout == """
            alice: 7 credits
            SESSION TYPE  CREDITS  ARCHIVED  NEXT EXPIRY
            yoga                5            3 credits expire 2026-12-31
            old-spin            2  archived
            Note: 2 old-spin credits cannot be booked: the session type is archived (they can still be removed)
            A booking that needs these credits fails with insufficient_credits (or session_type_archived).

            """)
        let json = try ctl("balance", "alice", "--json")
        #expect(json.status == 0)
        #expect(json.stdout == Canned.balance + "\n")
    }

    @Test func daemonErrorsExitOneWithTheirReason() throws {
        let run = try ctl("balance", "nobody")
        #expect(run.status == 1)
        #expect(run.stderr == "creditctl: not_found: no client nobody\n")
        let book = try ctl("book", "alice", "yoga", "2026-05-02T18:00:00Z", "--id", "b1", "--staff", "Sam")
        #expect(book.status == 1)
        #expect(book.stderr.contains("insufficient_credits: not enough credits for yoga (available=0, required=1)"))
    }

    @Test func mutatingCommandsSendKeyAndStaff() throws {
        let run = try ctl("credit", "issue", "alice", "--type", "yoga", "--credits", "5", "--expires-on", "2026-12-31",
                          env: ["CREDITD_STAFF": "Robin"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("LOT  CLIENT  SCOPE  CREDITS  EXPIRES"))
        let params = try #require(daemon.received.last { $0.method == "credit.issue" }?.params)
        #expect(params["client"] as? String == "alice")
        #expect(params["expires_on"] as? String == "2026-12-31")
        #expect(params["staff"] as? String == "Robin")
        #expect((params["idempotency_key"] as? String)?.count == 36)
        _ = try ctl("credit", "issue", "alice", "bob", "--type", "yoga", "--credits", "1", "--idempotency-key", "k1")
        let bulk = try #require(daemon.received.last { $0.method == "credit.issue" }?.params)
        #expect(bulk["clients"] as? [String] == ["alice", "bob"])
        #expect(bulk["idempotency_key"] as? String == "k1")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try ctl("balance").status == 2)
        #expect(try ctl("credit", "issue", "alice", "--type", "yoga", "--credits", "1", "--expires-on", "2026-02-30").status == 2)
        #expect(try ctl("no-such-command").status == 2)
        #expect(try CtlRun.run(["--help"]).stdout.contains("Exit codes:"))
    }

    @Test func missingDaemonExitsThree() throws {
        let run = try CtlRun.run(["status"], env: ["CREDITD_SOCKET": "/tmp/definitely-not-here.sock"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("creditd is not running at /tmp/definitely-not-here.sock"))
    }

    @Test func statusHumanAndJSON() throws {
        let human = try ctl("status")
        #expect(human.stdout.contains("Now:                  2026-05-01T10:00:00Z (test clock)"))
        #expect(try ctl("status", "--json").stdout.hasPrefix(#"{"version":"0.1.0""#))
    }

    @Test func historyShowsNextCursor() throws {
        let run = try ctl("history", "alice")
        #expect(run.status == 0)
        #expect(run.stdout.contains("root (Sam)"))
        #expect(run.stdout.hasSuffix("(more: add --cursor c1)\n"))
    }

    @Test func exportPagesThroughHistory() throws {
        let csv = try ctl("export", "history", "alice")
        #expect(csv.status == 0)
        let (records, problems) = CSV.parse(Array(csv.stdout.utf8))
        #expect(problems.isEmpty)
        #expect(records.map { $0.fields[0] } == ["id", "3", "2", "1"])
        #expect(records[1].fields[12] == "a, \"quoted\" note")
        let jsonl = try ctl("export", "history", "alice", "--format", "jsonl")
        #expect(jsonl.stdout.split(separator: "\n").count == 3)
        #expect(jsonl.stdout.hasPrefix(#"{"id":3,"#))
    }

    @Test func exportToAFileAppearsOnlyWhenComplete() throws {
        let path = NSTemporaryDirectory() + "export-\(UUID().uuidString.prefix(8)).csv"
        let run = try ctl("export", "history", "alice", "-o", path)
        #expect(run.status == 0)
        #expect(run.stderr == "exported 3 events of 1 client\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("id,at,recorded_at,event,"))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test func completionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let run = try CtlRun.run(["--generate-completion-script", shell])
            #expect(run.status == 0)
            #expect(run.stdout.contains("creditctl"))
            #expect(run.stdout.contains("import"))
        }
    }

    @Test func importRejectsABadFileAndSendsNothing() throws {
        let file = try temp("client_id,session_type,credits,expires_on,note\nalice,yoga,x,,\nbob,yoga,1,2026-02-30,\ncarol,yoga,1,,\n")
        let run = try ctl("credit", "import", file)
        #expect(run.status == 5)
        #expect(run.stderr.contains("\(file):2: credits must be"))
        #expect(run.stderr.contains("\(file):3: expires_on must be"))
        #expect(run.stderr.contains("2 bad lines"))
        #expect(daemon.received.isEmpty)
    }

    @Test func importPrechecksClientsAndTypes() throws {
        let file = try temp("client_id,session_type,credits\nalice,yoga,1\nghost,yoga,1\nbob,old-spin,2\n")
        let run = try ctl("credit", "import", file)
        #expect(run.status == 5)
        #expect(run.stderr.contains("\(file):3: client ghost does not exist"))
        #expect(run.stderr.contains("\(file):4: session type old-spin is archived"))
        #expect(!daemon.received.contains { $0.method == "credit.issue" })
    }

    @Test func importIssuesEveryRowWithContentKeys() throws {
        var text = "client_id,session_type,credits,expires_on,note\n"
        for i in 0..<600 { text += "c\(i),yoga,\(i % 3 + 1),2026-12-31,\"row \(i), imported\"\n" }
        let file = try temp(text)
        let run = try ctl("credit", "import", file, "--staff", "Sam", "--json")
        #expect(run.status == 0)
        #expect(run.stdout == #"{"rows":600,"credits":1200,"clients":600,"imported":true}"# + "\n")
        // Then every row is staged with its line, and one commit issues them all.
        let staged = daemon.received.filter { $0.method == "import.stage" }
        let rows = staged.flatMap { $0.params["rows"] as? [[String: Any]] ?? [] }
        #expect(rows.count == 600 && rows.first?["line"] as? Int == 2 && rows.last?["note"] as? String == "row 599, imported")
        // (the first commit is the probe for an earlier finished import: refused, nothing staged yet)
        let commits = daemon.received.filter { $0.method == "import.commit" }
        #expect(commits.count == 2)
        #expect((commits.first?.params["idempotency_key"] as? String)?.hasPrefix("import:") == true)
        #expect(staged.allSatisfy { $0.params["staff"] as? String == "Sam" })
    }

    @Test func importThatTheDaemonRefusesIssuesNothing() throws {
        let file = try temp("client_id,session_type,credits\nalice,yoga,1\nbroke,yoga,1\n")
        let run = try ctl("credit", "import", file)
        #expect(run.status == 1)
        #expect(run.stderr.contains("session_type_archived: line 3: archived meanwhile"))
        // Only the probe for an earlier finished import was a commit; after staging failed, none.
        let methods = daemon.received.map(\.method)
        #expect(methods.filter { $0 == "import.commit" }.count == 1)
        #expect(methods.lastIndex(of: "import.commit")! < methods.firstIndex(of: "import.stage")!)
    }

    private func temp(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "import-\(UUID().uuidString.prefix(8)).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
