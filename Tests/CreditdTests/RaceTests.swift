import Foundation
import Testing

/// Concurrent clients against the REAL ledger: the single writer must serialize them so that the
/// last credit is used once and an idempotency key takes effect once, whatever the interleaving.
///
/// "At once": every connection is opened first, then every request is written before any reply
/// is read, so all of them are in the daemon at the same time.
@Suite struct RaceTests {
    @Test func thirtyTwoConnectionsBookTheLastCredit() throws {
        // Given a client with exactly one yoga credit, and 32 open connections
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1])
        let connections = try (0..<32).map { _ in try daemon.connect() }

        // When all 32 book a different class at once
        for (index, connection) in connections.enumerated() {
            try connection.sendLine(LineClient.request("booking.create", id: index, params: [
                "id": "b\(index)", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-10T18:00:00Z",
            ]))
        }
        let replies = try connections.map { try $0.readObject() }

        // Then exactly one booking succeeds and the 31 others are refused for lack of credits
        let booked = replies.filter { $0.result != nil }
        #expect(booked.count == 1)
        let refused = replies.filter { $0.errorReason == "insufficient_credits" }
        #expect(refused.count == 31, "\(replies.filter { $0.result == nil && $0.errorReason != "insufficient_credits" })")
        // And the balance is 0, with one `used` event and one booking, and every invariant holds
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        let used = try rpc.ok("history.list", ["client": "ann", "events": ["used"]])
        #expect(objects(used["items"]).count == 1)
        #expect(objects(try rpc.ok("booking.list", ["client": "ann"])["items"]).count == 1)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test(arguments: ["1", "2"])
    func aReadSentAfterAWriteIsAnsweredSeesItWhileOtherReadsKeepTheLoopBusy(eventLoops: String) throws {
        // Given a client with 60 credits, a writing connection, a reading one, and 8 connections
        // whose pipelined reads keep the event loops inside their passes (reads of one pass share a
        // transaction: a reply of a write must never be followed by a read that misses it). With
        // two loops, connections alternate between them: the writer and the reader are on different ones.
        let daemon = try LedgerDaemon.start(environment: ["CREDITD_EVENT_LOOPS": eventLoops])
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 60])
        let writer = try daemon.connect()
        let reader = try daemon.connect()
        let noise = try (0..<8).map { _ in try daemon.connect() }
        let read = LineClient.request("balance.get", id: 1, params: ["client": "ann"])
        for round in 1...60 {
            // When other connections have reads queued, a booking is answered, and a read follows
            for connection in noise { try connection.send(Array(String(repeating: read + "\n", count: 20).utf8)) }
            try writer.sendLine(LineClient.request("booking.create", id: round, params: [
                "id": "b\(round)", "client": "ann", "session_type": "yoga", "starts_at": "2026-03-10T18:00:00Z",
            ]))
            #expect(try writer.readObject().result != nil)
            try reader.sendLine(read)
            // Then that read sees the booking
            let total = (try reader.readObject().result as? [String: Any])?["total"] as? Int
            #expect(total == 60 - round, "round \(round)")
            for connection in noise { for _ in 0..<20 { _ = try connection.readObject() } }
        }
    }

    @Test func oneIdempotencyKeyFromEightConnectionsHasOneEffect() throws {
        // Given a client and 8 open connections
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let connections = try (0..<8).map { _ in try daemon.connect() }

        // When all 8 send the same credit.issue with the same idempotency key at once
        let line = LineClient.request("credit.issue", id: 7, params: [
            "client": "ann", "session_type": "yoga", "credits": 5, "idempotency_key": "webhook-evt-42",
        ])
        for connection in connections { try connection.sendLine(line) }
        let replies = try connections.map { try $0.readObject() }

        // Then every reply is the same result
        let results = replies.compactMap(\.result)
        #expect(results.count == 8, "\(replies)")
        let canonical = Set(try results.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) })
        #expect(canonical.count == 1, "\(canonical)")
        // And it took effect once: one lot, one `issued` event, 5 credits
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 5)
        #expect(objects(try rpc.ok("history.list", ["client": "ann", "events": ["issued"]])["items"]).count == 1)
        #expect(try rpc.ok("daemon.status")["lots"] as? Int == 1)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }
}
