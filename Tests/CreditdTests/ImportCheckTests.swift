import CreditProtocol
import Foundation
import Testing

/// Issue 15 item 6 and the history filter, through the socket: `import.commit` names every bad
/// row in one pass (bounded), and `history.list` with an unknown session type is `not_found`.
@Suite("import.commit checks every row; history of an unknown type", .serialized)
struct ImportCheckTests {
    /// Given a daemon at 2026-01-05 (UTC) with yoga, an archived spin and client ann.
    func ledger() throws -> (DaemonProcess, RPCSession) {
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "spin", "name": "Spin"])
        try rpc.ok("session_type.archive", ["id": "spin"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        return (daemon, rpc)
    }

    @Test func importCommitNamesEveryBadRowIncludingPastDatesAndIssuesNothing() throws {
        let (daemon, rpc) = try ledger()
        _ = daemon
        // When rows with a past expires_on, an unknown client, an unknown and an archived type are staged
        try rpc.ok("import.stage", ["import": "i1", "reset": true, "rows": [
            ["client": "ann", "session_type": "yoga", "credits": 1, "expires_on": "2026-01-04", "line": 2],
            ["client": "zed", "session_type": "yoga", "credits": 1, "line": 3],
            ["client": "ann", "session_type": "nosuch", "credits": 1, "line": 4],
            ["client": "ann", "session_type": "spin", "credits": 1, "line": 5],
            ["client": "ann", "session_type": "yoga", "credits": 2, "expires_on": "2026-01-05", "line": 6],
        ]])
        let failure = try rpc.fails("import.commit", ["import": "i1", "idempotency_key": "k1"])
        // Then one error names all four bad lines (mixed reasons: invalid_params) and the good one not
        #expect(failure.reason == "invalid_params")
        let message = failure.message ?? ""
        #expect(message.hasPrefix("4 rows cannot be imported"))
        for line in ["line 2: expires_on is in the past", "line 3: client zed not found",
                     "line 4: session type nosuch not found", "line 5: session type spin is archived"] {
            #expect(message.contains(line), "\(line) missing from \(message)")
        }
        #expect(!message.contains("line 6"))
        // And nothing was issued; the failed key stays unused
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func importCommitListsAtMostTheLimitAndCountsTheRest() throws {
        let (daemon, rpc) = try ledger()
        _ = daemon
        let rows = (0..<(Limits.importProblemsListedMax + 7)).map { i in
            ["client": "ghost\(i)", "session_type": "yoga", "credits": 1, "line": i + 2] as [String: Any]
        }
        try rpc.ok("import.stage", ["import": "i1", "reset": true, "rows": rows])
        let failure = try rpc.fails("import.commit", ["import": "i1"])
        // All share one reason, so it is kept; the list stops at the limit and counts the rest
        #expect(failure.reason == "not_found")
        let lines = (failure.message ?? "").split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("line ") }.count == Limits.importProblemsListedMax)
        #expect(lines.last == "... and 7 more bad rows")
    }

    @Test func importCommitWithOneBadRowKeepsItsReason() throws {
        let (daemon, rpc) = try ledger()
        _ = daemon
        try rpc.ok("import.stage", ["import": "i1", "reset": true, "rows": [
            ["client": "ann", "session_type": "spin", "credits": 1, "line": 9]]])
        let failure = try rpc.fails("import.commit", ["import": "i1"])
        #expect(failure.reason == "session_type_archived" && failure.message?.hasPrefix("line 9: ") == true)
    }

    @Test func historyOfAnUnknownSessionTypeIsNotFound() throws {
        let (daemon, rpc) = try ledger()
        _ = daemon
        let failure = try rpc.fails("history.list", ["client": "ann", "session_type": "nosuch"])
        #expect(failure.reason == "not_found" && failure.message == "session type nosuch not found")
        // An archived type and `any` are known: empty pages, not errors
        #expect((try rpc.ok("history.list", ["client": "ann", "session_type": "spin"])["items"] as? [Any])?.isEmpty == true)
        #expect((try rpc.ok("history.list", ["client": "ann", "session_type": "any"])["items"] as? [Any])?.isEmpty == true)
    }
}
