import Foundation
import Testing

/// Line framing, limits and hostile input: errors, never crashes.
@Suite struct FramingTests {
    @Test func oversizedLineGetsErrorThenClose() throws {
        // Given a connection with one good request
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        try client.sendLine(LineClient.request("daemon.status", id: 1))
        // When a line longer than 1 MiB follows (the daemon may close before all of it is sent)
        try? client.send(Array(repeating: UInt8(ascii: "x"), count: (1 << 20) + 100) + [10])
        // Then the good request is answered, then limit_exceeded, then the connection closes
        #expect(try client.readObject()["id"] as? Int == 1)
        let error = try client.readObject()
        #expect(error.errorCode == -32600 && error.errorReason == "limit_exceeded")
        #expect(try client.waitForClose())
        // And the daemon still serves others
        #expect(try daemon.connect().call("daemon.status").result != nil)
    }

    @Test func invalidUTF8IsParseErrorAndConnectionStays() throws {
        // Given a connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // When a line of invalid UTF-8 is sent
        try client.send([0xFF, 0xFE, 0x7B, 0x0A])
        // Then it is a parse error, and the connection still works
        let error = try client.readObject()
        #expect(error.errorCode == -32700 && error.errorReason == "parse_error")
        #expect(error["id"] is NSNull)
        #expect(try client.call("daemon.status", id: 2)["id"] as? Int == 2)
    }

    @Test func garbageIsParseErrorAndConnectionStays() throws {
        // Given a connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // When garbage lines are sent
        for garbage in ["hello", "{\"jsonrpc\":", "}{", "nul\u{0}l"] {
            try client.sendLine(garbage)
            // Then each is a parse error
            #expect(try client.readObject().errorCode == -32700)
        }
        // And the connection still works
        #expect(try client.call("daemon.status", id: 3)["id"] as? Int == 3)
    }

    @Test func tenLevelsOfNestingAreFine() throws {
        // Given params nested ten levels deep
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let nested = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        // When they are sent
        try client.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":{"deep":\#(nested)}}"#)
        // Then the line passes the depth check and the call reaches daemon.status, whose params
        // check names the key it does not take (no method of the ledger takes nested params, so
        // "served" means this: not limit_exceeded, not a parse error)
        let reply = try client.readObject()
        #expect(reply["id"] as? Int == 1 && reply.errorReason == "invalid_params", "\(reply)")
        #expect(((reply["error"] as? [String: Any])?["message"] as? String)?.contains("deep") == true, "\(reply)")
    }

    @Test func tenThousandLevelsAreRefusedWithoutCrashing() throws {
        // Given JSON nested 10,000 levels deep, as a bare document and inside params
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        // When both are sent
        try client.sendLine(deep)
        try client.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":{"a":\#(deep)}}"#)
        // Then both are refused as limit_exceeded, and the daemon and connection live on
        for _ in 0..<2 {
            let error = try client.readObject()
            #expect(error.errorCode == -32600 && error.errorReason == "limit_exceeded")
        }
        #expect(try client.call("daemon.status", id: 2)["id"] as? Int == 2)
        #expect(daemon.process.isRunning)
    }

    @Test func halfClosedClientStillGetsItsReplies() throws {
        // Given requests, the last without a newline, then a shutdown of the write side; the first
        // is slow (daemon.verify), held by the server's ledger until the second, which only the
        // end of input completes, has been answered
        let server = try InProcessServer { ObservedLedger($0) { ledger in ledger.readsServed("daemon.status") == 1 } }
        let observed = try #require(server.backend as? ObservedLedger)
        let client = try server.connect()
        try client.sendLine(LineClient.request("daemon.verify", id: 1))
        try client.send(Array(LineClient.request("daemon.status", id: 2).utf8))
        client.shutdownWrite()
        // When the replies are read
        let first = try client.readObject()
        let second = try client.readObject()
        // Then both arrive, in order, and then the daemon closes
        #expect(first["id"] as? Int == 1 && second["id"] as? Int == 2)
        #expect(first.result != nil && second.result != nil)
        #expect(try client.readLine() == nil)
        #expect(observed.holdsTimedOut == 0)
    }

    @Test func manyConcurrentConnections() throws {
        // Given 120 open connections to the server, whose ledger counts the writer's transactions
        let server = try InProcessServer { ObservedLedger($0) }
        let observed = try #require(server.backend as? ObservedLedger)
        let clients = try (0..<120).map { _ in try server.connect() }
        // When each creates a client at once, then reads it back
        for (index, client) in clients.enumerated() {
            try client.sendLine(LineClient.request("client.create", id: index, params: ["id": "c\(index)", "name": "N\(index)"]))
        }
        for (index, client) in clients.enumerated() {
            #expect(try client.readObject().result?["id"] as? String == "c\(index)")
            #expect(try client.call("client.get", id: index, params: ["id": "c\(index)"]).result?["name"] as? String == "N\(index)")
        }
        // Then every write was applied, in at most as many transactions as calls (group commit)
        let (batches, calls) = observed.writes
        #expect(calls == 120 && batches <= calls)
    }
}

/// Backpressure and slow consumers.
@Suite struct BackpressureTests {
    @Test func inFlightIsCappedAndEveryRequestAnswered() throws {
        // Given 1,000 requests pipelined in one write on one connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // (two in three slow: daemon.verify runs on the slow-read queue, one at a time)
        let lines = (0..<1000).map { LineClient.request($0 % 3 == 0 ? "daemon.status" : "daemon.verify", id: $0) }
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // When all replies are read
        for index in 0..<1000 {
            #expect(try client.readObject()["id"] as? Int == index)
        }
        // Then all came in order, and never more than 128 were in flight at once
        let inFlight = daemon.log.split(separator: "\n").compactMap { line in
            line.range(of: "in_flight=").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }
        }
        #expect(inFlight.count == 1000)
        #expect(inFlight.max() ?? 0 <= 128)
    }

    @Test func stalledSubscriberIsDisconnectedWithoutBlockingWriters() throws {
        // Given a subscriber that stops reading
        let daemon = try DaemonProcess()
        let subscriber = try daemon.connect()
        #expect(try subscriber.call("events.subscribe").result != nil)
        let writer = try daemon.connect()
        _ = try writer.call("session_type.create", params: ["id": "t", "name": "T"])
        _ = try writer.call("client.create", params: ["id": "w", "name": "W"])
        // When more events are committed than its queue holds (10,000)
        let issue = #"{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"w","session_type":"t","credits":1}}"#
        let batch = "[" + Array(repeating: issue, count: 256).joined(separator: ",") + "]"
        for _ in 0..<50 {
            try writer.sendLine(batch)
            // Then every write is still answered promptly
            #expect((try writer.readJSON() as? [Any])?.count == 256)
        }
        // And the subscriber, once it reads, finds its stream cut off
        var received = 0
        while let line = try subscriber.readLine() {
            if line.contains("events.event") { received += 1 }
        }
        #expect(received < 12_800)
        #expect(daemon.process.isRunning)
    }
}
