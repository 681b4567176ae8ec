import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit

/// In-process tests of the pure parts: depth scan, request parsing, config loading.
@Suite struct ParserTests {
    @Test func depthScanIgnoresBracketsInStrings() {
        // Given text whose brackets are mostly inside strings, escapes included
        let text = #"{"a":"[[[[[[\"[[[[","b":[1]}"#
        // Then only the real nesting counts
        #expect(!JSONDepth.exceeds(Array(text.utf8), limit: 2))
        #expect(JSONDepth.exceeds(Array(text.utf8), limit: 1))
        #expect(JSONDepth.exceeds(Array(repeating: UInt8(ascii: "["), count: 100_000), limit: Limits.jsonDepthMax))
    }

    @Test func batchesAreCountedBeforeTheyAreDecoded() {
        // Given arrays whose strings hold commas and brackets
        #expect(JSONDepth.topLevelArrayCount(Array(#"[{"a":"x,y]"},[1,2],3]"#.utf8)) == 3)
        #expect(JSONDepth.topLevelArrayCount(Array(" [ ] ".utf8)) == 0)
        #expect(JSONDepth.topLevelArrayCount(Array(#"{"a":[1,2]}"#.utf8)) == nil)
        // When a batch one over the limit arrives, then it is refused with the count, undecoded
        let calls = Array(repeating: #"{"jsonrpc":"2.0","id":1,"method":"daemon.status"}"#, count: Limits.rpcBatchMax + 1)
        guard case .failure(let error) = RPCParser.parse(Array(("[" + calls.joined(separator: ",") + "]").utf8)) else {
            Issue.record("an oversized batch was not refused"); return
        }
        #expect(error.message.contains("batch of \(Limits.rpcBatchMax + 1) calls"))
    }

    @Test func parsesRequestsNotificationsAndBatches() throws {
        // Given a single call, a notification and a batch
        let single = RPCParser.parse(Array(#"{"jsonrpc":"2.0","id":"x","method":"a.b","params":{"k":[1,2.5,true,null]}}"#.utf8))
        let notification = RPCParser.parse(Array(#"{"jsonrpc":"2.0","method":"a.b"}"#.utf8))
        let batch = RPCParser.parse(Array(#"[{"jsonrpc":"2.0","id":1,"method":"a"},7]"#.utf8))
        // Then each is recognised with its id and params
        guard case .single(.request(let request)) = single else { Issue.record("not a request"); return }
        #expect(request.id == .string("x") && request.methodName == "a.b")
        #expect(try JSONValue.decode(request.params) == .object(["k": .array([.int(1), .double(2.5), .bool(true), .null])]))
        guard case .single(.request(let note)) = notification else { Issue.record("not a request"); return }
        #expect(note.id == nil && String(decoding: note.params, as: UTF8.self) == "{}")
        guard case .batch(let items) = batch, items.count == 2, case .invalid(.null, let error, false) = items[1] else {
            Issue.record("bad batch"); return
        }
        #expect(error.code == -32600)
    }

    @Test func configDefaultsAndOverrides() throws {
        // Given defaults and a config naming a custom role
        let defaults = ConfigDefaults(timeZone: "UTC", socketPath: "/s", databasePath: "/d", invokingUser: "me")
        let config = try ConfigLoader.parse("""
            [access]
            desk = ["ann", "@staff"]
            owner = ["root"]
            [roles.desk]
            permissions = ["read", "book"]
            """, path: nil, defaults: defaults)
        // Then users and groups map to the role, and unmapped peers to nobody
        let ann = PeerIdentity(uid: 1, gid: 1, pid: 1, userName: "ann", groupNames: [])
        let staff = PeerIdentity(uid: 2, gid: 2, pid: 2, userName: "bo", groupNames: ["x", "staff"])
        let stranger = PeerIdentity(uid: 3, gid: 3, pid: 3, userName: "me", groupNames: [])
        #expect(config.access.caller(for: ann)?.permissions == [.read, .book])
        #expect(config.access.caller(for: staff)?.role == "desk")
        #expect(config.access.caller(for: stranger) == nil)
        #expect(config.socketPath == "/s" && config.studio.timeZone == "UTC")
        // And the embedded default makes the invoking user owner
        #expect(defaults.embeddedConfig.access.caller(for: stranger)?.permissions == Set(Permission.allCases))
    }
}
