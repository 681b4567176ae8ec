import CreditProtocol
import Foundation
import Testing

/// More of `LedgerMethodsTests`: imports, subscriptions, backups, batches and pipelining.
extension LedgerMethodsTests {
    @Test func importsStageThenCommitAllOrNothing() throws {
        // Given a type and one client
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        // When rows are staged in two calls, the second naming an unknown client
        let staged = try rpc.ok("import.stage", ["import": "i1", "reset": true, "rows": [
            ["client": "ann", "session_type": "yoga", "credits": 2, "line": 2],
            ["client": "ann", "session_type": "any", "credits": 1, "expires_on": "2026-12-31", "note": "gift", "line": 3],
        ]])
        #expect(keys(staged) == ["import", "rows", "credits", "committed"] && staged["rows"] as? Int == 2)
        try rpc.ok("import.stage", ["import": "i1", "rows": [["client": "zed", "session_type": "yoga", "credits": 1, "line": 4]]])
        // Then the commit fails naming the line, and nothing was issued
        let failure = try rpc.fails("import.commit", ["import": "i1"])
        #expect(failure.reason == "not_found" && failure.message?.hasPrefix("line 4:") == true)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        // When the import is aborted and staged again without the bad row, the commit issues it all
        #expect(try rpc.ok("import.abort", ["import": "i1"])["rows"] as? Int == 3)
        try rpc.ok("import.stage", ["import": "i1", "rows": [["client": "ann", "session_type": "yoga", "credits": 2]]])
        let done = try rpc.ok("import.commit", ["import": "i1", "idempotency_key": "imp-1"])
        #expect(done["committed"] as? Bool == true && done["credits"] as? Int == 2)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 2)
    }

    @Test func subscriptionVerifyBackupAndBatches() throws {
        // Given a subscriber to ann's issued events on the real ledger
        let daemon = try LedgerDaemon.start()
        let subscriber = try RPCSession(daemon)
        let subscribed = try subscriber.ok("events.subscribe", ["clients": ["ann"], "kinds": ["issued"]])
        #expect(subscribed["subscription"] is Int)
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])

        // When a batch creates ann and issues to her, then the replies come in order in one array
        try rpc.client.sendLine("""
            [{"jsonrpc":"2.0","id":"c","method":"client.create","params":{"id":"ann","name":"Ann"}},\
            {"jsonrpc":"2.0","id":"i","method":"credit.issue","params":{"client":"ann","session_type":"yoga","credits":3,"staff":"Maria"}},\
            {"jsonrpc":"2.0","id":"b","method":"balance.get","params":{"client":"ann"}}]
            """)
        let replies = try #require(try rpc.client.readJSON() as? [[String: Any]])
        #expect(replies.map { $0["id"] as? String } == ["c", "i", "b"])
        #expect((replies[2]["result"] as? [String: Any])?["total"] as? Int == 3)
        // And the subscriber is pushed the committed event with the history item's keys
        let pushed = try subscriber.client.readObject()
        #expect(pushed["method"] as? String == "events.event" && pushed["id"] == nil)
        let event = try #require(pushed["params"] as? [String: Any])
        #expect(keys(event) == historyItemKeys)
        #expect(event["event"] as? String == "issued" && event["staff"] as? String == "Maria")

        // When the ledger is verified, then every invariant holds
        let verify = try rpc.ok("daemon.verify")
        #expect(keys(verify) == ["ok", "clients", "lots", "events", "violations"])
        #expect(verify["ok"] as? Bool == true && (verify["violations"] as? [Any])?.isEmpty == true)

        // When a backup is taken, then a consistent SQLite file appears under the state directory
        let backup = try rpc.ok("daemon.backup", ["path": "nightly.sqlite"])
        let path = try #require(backup["path"] as? String)
        #expect(path.hasPrefix(daemon.directory.path + "/backups/") && (backup["bytes"] as? Int ?? 0) > 0)
        let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: 15)
        #expect(String(decoding: header, as: UTF8.self) == "SQLite format 3")
        #expect(try rpc.ok("daemon.status")["events"] as? Int == 1)
        // And the metrics count the subscription (MetricsTests checks the series in depth)
        let metrics = try rpc.ok("daemon.metrics")
        #expect(keys(metrics) == ["content_type", "text"])
        #expect((metrics["text"] as? String)?.contains("\ncreditd_subscribers 1\n") == true)
        #expect(subscriber.succeeded.union(rpc.succeeded).isSuperset(of: Self.daemonMethods))
    }

    @Test func pipelinedBookAndCancelPairsKeepTheBalance() throws {
        // Given a client with 1 credit
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1])
        // When 100 book+cancel pairs are pipelined in one write, then a balance read
        var lines: [String] = []
        for index in 0..<100 {
            lines.append(LineClient.request("booking.create", id: 2 * index, params: [
                "id": "p\(index)", "client": "ann", "session_type": "yoga", "starts_at": "2026-02-01T10:00:00Z"]))
            lines.append(LineClient.request("booking.cancel", id: 2 * index + 1, params: ["id": "p\(index)"]))
        }
        lines.append(LineClient.request("balance.get", id: 200, params: ["client": "ann"]))
        try rpc.client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then each booking found the credit its predecessor gave back, in order
        for id in 0..<200 {
            let reply = try rpc.client.readObject()
            #expect(reply["id"] as? Int == id && reply["result"] != nil, "\(reply)")
        }
        #expect((try rpc.client.readObject()["result"] as? [String: Any])?["total"] as? Int == 1)
    }

    /// starting + rollover_in + free_cancellations + manual_changes - total_booked - rollover_out - expired - refunded == left
    static func addsUp(_ f: [String: Any]) -> Bool {
        func v(_ key: String) -> Int { f[key] as? Int ?? 0 }
        return v("starting") + v("rollover_in") + v("free_cancellations") + v("manual_changes") - v("total_booked")
            - v("rollover_out") - v("expired") - v("refunded") == v("left")
    }
}
