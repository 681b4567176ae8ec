import Foundation
import Testing

/// JSON-RPC 2.0 behaviour of the real daemon over its socket.
@Suite struct ProtocolTests {
    @Test func statusReportsVersionAndProtocol() throws {
        // Given a running daemon
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // When daemon.status is called
        let reply = try client.call("daemon.status", id: 7)
        // Then the reply echoes the id and carries version and protocol
        #expect(reply["jsonrpc"] as? String == "2.0")
        #expect(reply["id"] as? Int == 7)
        #expect(reply.result?["protocol"] as? Int == 1)
        #expect(reply.result?["version"] is String)
    }

    @Test func pipelinedRepliesComeInRequestOrder() throws {
        // Given 50 requests in one write, the first slow (daemon.verify runs off the event loop, and
        // the server's ledger holds it until the 49 quick ones are answered) so that every later
        // request finishes first
        let count = 50
        let server = try InProcessServer {
            ObservedLedger($0) { ledger in ledger.readsServed("daemon.status") == count - 1 }
        }
        let observed = try #require(server.backend as? ObservedLedger)
        let client = try server.connect()
        let lines = (0..<count).map { index in LineClient.request(index == 0 ? "daemon.verify" : "daemon.status", id: index) }
        // When they are sent at once
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then the replies arrive in request order
        for index in 0..<count {
            let reply = try client.readObject()
            #expect(reply["id"] as? Int == index && reply.result != nil, "\(reply)")
        }
        // And the slow one did finish last (it was let go by its condition, not by the timeout)
        #expect(observed.holdsTimedOut == 0)
    }

    @Test func pipelinedWritesApplyInOrderAndReadsSeeThem() throws {
        // Given one write creating a client, 98 writes issuing to it, and a read, in one write
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        #expect(try client.call("session_type.create", id: 100, params: ["id": "t", "name": "T"]).result != nil)
        var lines = [LineClient.request("client.create", id: 0, params: ["id": "p", "name": "P"])]
        for index in 1...98 {
            lines.append(LineClient.request("credit.issue", id: index, params: ["client": "p", "session_type": "t", "credits": 1]))
        }
        lines.append(LineClient.request("balance.get", id: 99, params: ["client": "p"]))
        // When they are sent at once
        try client.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        // Then every write succeeded (the client existed before its credits) and the read saw all of them
        for index in 0..<99 {
            let reply = try client.readObject()
            #expect(reply["id"] as? Int == index && reply.result != nil, "\(reply)")
        }
        #expect(try client.readObject().result?["total"] as? Int == 98)
    }

    @Test func batchRepliesInOrderWithoutNotifications() throws {
        // Given a batch of a call, a notification, an unknown method and a non-object
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let batch = """
            [{"jsonrpc":"2.0","id":"a","method":"daemon.status"},\
            {"jsonrpc":"2.0","method":"daemon.status"},\
            {"jsonrpc":"2.0","id":"b","method":"no.such"},\
            42]
            """
        // When it is sent
        try client.sendLine(batch)
        // Then one array comes back with three replies in order, none for the notification
        let replies = try #require(try client.readJSON() as? [[String: Any]])
        #expect(replies.count == 3)
        #expect(replies[0]["id"] as? String == "a" && replies[0].result != nil)
        #expect(replies[1]["id"] as? String == "b" && replies[1].errorCode == -32601)
        #expect(replies[2]["id"] is NSNull && replies[2].errorCode == -32600)
    }

    @Test func emptyAndOversizedBatchesAreRefused() throws {
        // Given a connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // When an empty batch is sent, then it is an invalid request
        try client.sendLine("[]")
        let empty = try client.readObject()
        #expect(empty.errorCode == -32600 && empty.errorReason == "invalid_request")
        // When a batch one over the limit is sent, then it is refused as a whole
        let call = #"{"jsonrpc":"2.0","id":1,"method":"daemon.status"}"#
        try client.sendLine("[" + Array(repeating: call, count: 257).joined(separator: ",") + "]")
        let tooMany = try client.readObject()
        #expect(tooMany.errorCode == -32600 && tooMany.errorReason == "limit_exceeded")
    }

    @Test func notificationGetsNoReply() throws {
        // Given a notification followed by a call
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        try client.sendLine(LineClient.request("client.create", id: nil, params: ["id": "n1", "name": "Nina"]))
        // When the call is answered
        let reply = try client.call("client.get", id: 2, params: ["id": "n1"])
        // Then the first line read is the call's reply, and the notification did run
        #expect(reply["id"] as? Int == 2)
        #expect(reply.result?["name"] as? String == "Nina")
    }

    @Test func standardErrors() throws {
        // Given a connection
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // When requests are malformed in each standard way, then each gets its code
        try client.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"no.such"}"#)
        #expect(try client.readObject().errorCode == -32601)
        try client.sendLine(#"{"jsonrpc":"2.0","id":2,"method":"client.get","params":[1]}"#)
        #expect(try client.readObject().errorReason == "invalid_params")
        try client.sendLine(#"{"jsonrpc":"1.0","id":3,"method":"daemon.status"}"#)
        #expect(try client.readObject().errorCode == -32600)
        try client.sendLine(#"{"jsonrpc":"2.0","id":{"x":1},"method":"daemon.status"}"#)
        #expect(try client.readObject().errorCode == -32600)
        // And application errors carry their reason and details
        let missing = try client.call("client.get", id: 4, params: ["id": "nobody"])
        #expect(missing.errorReason == "not_found" && missing.errorCode == -32001)
    }

    @Test func subscribersReceiveFilteredEvents() throws {
        // Given a subscriber to `issued` events of client s1 only
        let daemon = try DaemonProcess()
        let subscriber = try daemon.connect()
        let subscribed = try subscriber.call("events.subscribe", params: ["clients": ["s1"], "kinds": ["issued"]])
        #expect(subscribed.result?["subscription"] != nil)
        let writer = try daemon.connect()
        #expect(try writer.call("session_type.create", id: 10, params: ["id": "yoga", "name": "Yoga"]).result != nil)
        for (index, id) in ["s1", "s2"].enumerated() {
            _ = try writer.call("client.create", id: index, params: ["id": id, "name": id])
        }
        // When credits are issued to s2 and then s1
        _ = try writer.call("credit.issue", id: 3, params: ["client": "s2", "session_type": "yoga", "credits": 1])
        _ = try writer.call("credit.issue", id: 4, params: ["client": "s1", "session_type": "yoga", "credits": 2])
        // Then the subscriber is notified of s1's event only
        let note = try subscriber.readObject()
        #expect(note["method"] as? String == "events.event")
        #expect(note["id"] == nil)
        let params = try #require(note["params"] as? [String: Any])
        #expect(params["client"] as? String == "s1" && params["amount"] as? Int == 2)
        // And an unknown kind is refused
        let bad = try subscriber.call("events.subscribe", id: 9, params: ["kinds": ["exploded"]])
        #expect(bad.errorReason == "invalid_params")
    }
}
