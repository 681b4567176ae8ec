import CreditProtocol
import Foundation
import Testing

/// What a client pipelining many requests on one connection can rely on: its reads see its
/// earlier writes, and a connection over its caps is slowed down, never dropped.
@Suite struct PipelineTests {
    @Test func pipelinedReadsSeeTheWritesBeforeThem() throws {
        // Given the real ledger, and writes each followed by a read, sent in one go (a batch last)
        let daemon = try LedgerDaemon.start()
        let client = try daemon.connect()
        let issue = { (id: Int, credits: Int) in
            LineClient.request("credit.issue", id: id, params: ["client": "p", "session_type": "yoga", "credits": credits])
        }
        let balance = { (id: Int) in LineClient.request("balance.get", id: id, params: ["client": "p"]) }
        let lines = [
            LineClient.request("session_type.create", id: 1, params: ["id": "yoga", "name": "Yoga"]),
            LineClient.request("client.create", id: 2, params: ["id": "p", "name": "P"]),
            issue(3, 1), balance(4), issue(5, 2), balance(6),
            "[" + issue(7, 3) + "," + balance(8) + "]",
        ]
        // When they are sent at once
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then every write succeeded, and each read saw at least the writes sent before it (it may
        // also see later ones that shared their transaction)
        var totals: [Int: Int] = [:]
        for id in 1...6 {
            let reply = try client.readObject()
            #expect(reply["id"] as? Int == id && reply.result != nil, "\(reply)")
            if let total = reply.result?["total"] as? Int { totals[id] = total }
        }
        #expect((totals[4] ?? 0) >= 1 && (totals[6] ?? 0) >= 3, "\(totals)")
        let batch = try #require(try client.readJSON() as? [[String: Any]])
        #expect(batch.count == 2 && batch[0].result != nil)
        #expect(batch[1]["id"] as? Int == 8 && batch[1].result?["total"] as? Int == 6)
    }

    @Test func connectionOverItsByteCapIsPausedAndGetsEveryReplyInOrder() throws {
        // Given 200 clients with the longest names, so that a listing of 170 is ~40 KB and 30 such
        // replies exceed the 1 MiB a connection may hold; the server's ledger holds a slow read
        // (daemon.verify) until the server says it paused reading
        let log = CapturedLog()
        let server = try InProcessServer(log: log) {
            ObservedLedger($0) { _ in log.text.contains("reading paused") }
        }
        let observed = try #require(server.backend as? ObservedLedger)
        let client = try server.connect()
        let name = String(repeating: "n", count: Limits.nameCharactersMax)
        let creates = (0..<200).map { (index: Int) in
            LineClient.request("client.create", id: index, params: ["id": "big\(index)", "name": name])
        }
        try client.sendLine("[" + creates.joined(separator: ",") + "]")
        let created = try #require(try client.readJSON() as? [[String: Any]])
        #expect(created.count == 200 && created.allSatisfy { $0.result != nil })
        // When the slow read is followed by 300 listings and a write, all pipelined in one go
        var lines = [LineClient.request("daemon.verify", id: 1)]
        for id in 2...301 { lines.append(LineClient.request("client.list", id: id, params: ["limit": 170])) }
        lines.append(LineClient.request("client.create", id: 302, params: ["id": "small", "name": "S"]))
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then every reply arrives, in request order, on the same connection
        for id in 1...302 {
            let reply = try client.readObject()
            #expect(reply["id"] as? Int == id && reply.result != nil)
            if id > 1 && id < 302 { #expect((reply.result?["items"] as? [Any])?.count == 170) }
        }
        // And the daemon paused reading it while over the cap, then resumed
        let text = log.text
        #expect(text.contains("reading paused") && text.contains("reading resumed"))
        #expect(observed.holdsTimedOut == 0)
        let held = text.split(separator: "\n").compactMap { line in
            line.range(of: "held_bytes=").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }
        }
        // (at most the cap plus one reply when it paused, and at most 256 KiB when it resumed)
        #expect(!held.isEmpty && held.allSatisfy { $0 < (1 << 20) + 50_000 })
        #expect(try client.call("client.get", id: 303, params: ["id": "small"]).result?["name"] as? String == "S")
    }
}
