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
        // Given a client whose listing is ~40 KB, so that 40 replies exceed the 1 MiB a connection may hold
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let name = String(repeating: "n", count: 40_000)
        #expect(try client.call("client.create", id: 0, params: ["id": "big", "name": name]).result != nil)
        // When a slow read is followed by 300 listings and a write, all pipelined in one go
        var lines = [LineClient.request("daemon.status", id: 1, params: ["fake_delay_ms": 300])]
        for id in 2...301 { lines.append(LineClient.request("client.list", id: id)) }
        lines.append(LineClient.request("client.create", id: 302, params: ["id": "small", "name": "S"]))
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then every reply arrives, in request order, on the same connection
        for id in 1...302 {
            let reply = try client.readObject()
            #expect(reply["id"] as? Int == id && reply.result != nil)
        }
        // And the daemon paused reading it while over the cap, then resumed
        let log = daemon.log
        #expect(log.contains("reading paused") && log.contains("reading resumed"))
        let held = log.split(separator: "\n").compactMap { line in
            line.range(of: "held_bytes=").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }
        }
        // (at most the cap plus one reply when it paused, and at most 256 KiB when it resumed)
        #expect(!held.isEmpty && held.allSatisfy { $0 < (1 << 20) + 50_000 })
        #expect(try client.call("client.get", id: 303, params: ["id": "small"]).result?["name"] as? String == "S")
    }
}
