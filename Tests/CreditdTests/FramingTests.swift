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
        // Then the call is served
        #expect(try client.readObject().result != nil)
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
        // Given requests, the last without a newline, then a shutdown of the write side
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        try client.sendLine(LineClient.request("daemon.status", id: 1, params: ["fake_delay_ms": 50]))
        try client.send(Array(LineClient.request("daemon.status", id: 2).utf8))
        client.shutdownWrite()
        // When the replies are read
        let first = try client.readObject()
        let second = try client.readObject()
        // Then both arrive, in order, and then the daemon closes
        #expect(first["id"] as? Int == 1 && second["id"] as? Int == 2)
        #expect(try client.readLine() == nil)
    }

    @Test func manyConcurrentConnections() throws {
        // Given 120 open connections
        let daemon = try DaemonProcess()
        let clients = try (0..<120).map { _ in try daemon.connect() }
        // When each creates a client at once, then reads it back
        for (index, client) in clients.enumerated() {
            try client.sendLine(LineClient.request("client.create", id: index, params: ["id": "c\(index)", "name": "N\(index)"]))
        }
        for (index, client) in clients.enumerated() {
            #expect(try client.readObject().result?["id"] as? String == "c\(index)")
            #expect(try client.call("client.get", id: index, params: ["id": "c\(index)"]).result?["name"] as? String == "N\(index)")
        }
        // Then every write was applied, in at most as many transactions as calls (group commit)
        let status = try #require(try clients[0].call("daemon.status").result?["fake"] as? [String: Any])
        let calls = try #require(status["write_calls"] as? Int)
        let batches = try #require(status["write_batches"] as? Int)
        #expect(calls == 120 && batches <= calls)
    }
}

/// Backpressure and slow consumers.
@Suite struct BackpressureTests {
    @Test func inFlightIsCappedAndEveryRequestAnswered() throws {
        // Given 1,000 requests pipelined in one write on one connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let lines = (0..<1000).map { LineClient.request("daemon.status", id: $0, params: ["fake_delay_ms": $0 % 3]) }
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
