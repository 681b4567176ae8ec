import CreditProtocol
import Foundation
import Glibc
import Testing

/// Every error reason a client can trigger, against the REAL ledger, with its JSON-RPC code,
/// and the promise that a failed request changes nothing.
@Suite struct ErrorReasonsTests {
    /// Reasons triggered below. `internal_error` is left out: it means a daemon bug, and no
    /// well-formed or malformed request is supposed to produce it.
    static let triggered: Set<ErrorReason> = [
        .notFound, .alreadyExists, .insufficientCredits, .sessionTypeLocked, .sessionTypeArchived, .invalidState,
        .idempotencyConflict, .permissionDenied, .invalidParams, .limitExceeded, .unavailable, .parseError,
        .invalidRequest, .methodNotFound,
    ]

    @Test func everyClientReachableReasonIsTriggered() {
        #expect(Self.triggered == Set(ErrorReason.allCases).subtracting([.internalError]))
    }

    @Test func ledgerRuleErrors() throws {
        // Given yoga, a 2-credit workshop, and ann with 1 yoga credit
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "workshop", "name": "Workshop", "credit_cost": 2])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 1])

        // When something unknown is named, then not_found (-32001)
        let missing = try rpc.fails("client.get", ["id": "nobody"])
        #expect(missing.reason == "not_found" && missing.code == -32001)
        #expect(try rpc.fails("credit.issue", ["client": "nobody", "session_type": "yoga", "credits": 1]).reason == "not_found")
        #expect(try rpc.fails("booking.cancel", ["id": "nope"]).reason == "not_found")
        // When something is created twice, then already_exists (-32002)
        let twice = try rpc.fails("client.create", ["id": "ann", "name": "Ann again"])
        #expect(twice.reason == "already_exists" && twice.code == -32002)

        // When a booking costs more than the client has, then insufficient_credits with the figures
        let short = try rpc.fails("booking.create", ["id": "w1", "client": "ann", "session_type": "workshop",
                                                     "starts_at": "2026-01-20T10:00:00Z"])
        #expect(short.reason == "insufficient_credits" && short.code == -32003)
        #expect(short.data["available"] as? Int == 1 && short.data["required"] as? Int == 2)
        // And nothing changed: no booking, the credit still there
        #expect(try rpc.fails("booking.get", ["id": "w1"]).reason == "not_found")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 1)
        let removal = try rpc.fails("credit.remove", ["client": "ann", "session_type": "any", "credits": 5])
        #expect(removal.reason == "insufficient_credits" && removal.data["available"] as? Int == 1)

        // When requires_credit changes on a type that has bookings, then session_type_locked (-32004)
        try rpc.ok("booking.create", ["id": "y1", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-20T10:00:00Z"])
        let locked = try rpc.fails("session_type.update", ["id": "yoga", "requires_credit": false])
        #expect(locked.reason == "session_type_locked" && locked.code == -32004)

        // When an archived type is booked or credited, then session_type_archived (-32005)
        try rpc.ok("session_type.archive", ["id": "workshop"])
        let archived = try rpc.fails("booking.create", ["id": "w2", "client": "ann", "session_type": "workshop",
                                                        "starts_at": "2026-01-20T10:00:00Z"])
        #expect(archived.reason == "session_type_archived" && archived.code == -32005)
        #expect(try rpc.fails("credit.issue", ["client": "ann", "session_type": "workshop", "credits": 1]).reason
                == "session_type_archived")

        // When a booking is cancelled twice, or a booked one waived, then invalid_state (-32006)
        try rpc.ok("booking.cancel", ["id": "y1"])
        let again = try rpc.fails("booking.cancel", ["id": "y1"])
        #expect(again.reason == "invalid_state" && again.code == -32006)
        try rpc.ok("booking.create", ["id": "y2", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-20T10:00:00Z"])
        #expect(try rpc.fails("booking.waive", ["id": "y2"]).reason == "invalid_state")
        #expect(try rpc.fails("membership.resume", ["id": "none"]).reason == "not_found")
    }

    @Test func idempotencyKeys() throws {
        // Given ann
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let params: [String: Any] = ["client": "ann", "session_type": "yoga", "credits": 5, "idempotency_key": "pay-1"]
        // When the same issue is sent twice with one key (the staff name does not make it different)
        let first = try rpc.ok("credit.issue", params)
        var repeated = params
        repeated["staff"] = "Maria"
        let second = try rpc.ok("credit.issue", repeated)
        // Then the first result comes back and the credits were issued once
        #expect(second["events"] as? [Int] == first["events"] as? [Int])
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 5)
        // When the key is reused with different params, then idempotency_conflict (-32007), nothing changes
        var different = params
        different["credits"] = 6
        let conflict = try rpc.fails("credit.issue", different)
        #expect(conflict.reason == "idempotency_conflict" && conflict.code == -32007)
        // And with another method
        #expect(try rpc.fails("client.create", ["id": "bob", "name": "Bob", "idempotency_key": "pay-1"]).reason
                == "idempotency_conflict")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 5)
        // And a key longer than 255 characters is refused
        #expect(try rpc.fails("client.create", ["id": "bob", "name": "Bob",
                                                "idempotency_key": String(repeating: "k", count: 256)]).reason
                == "limit_exceeded")
    }

    @Test func roleWithoutThePermissionIsDenied() throws {
        // Given the test's user as viewer
        let daemon = try LedgerDaemon.start(role: "viewer")
        let rpc = try RPCSession(daemon)
        // When it reads, then it is served
        #expect(try rpc.ok("client.list")["items"] != nil)
        // When it issues credits, then permission_denied (-32008) naming the permission, before anything runs
        let denied = try rpc.fails("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1])
        #expect(denied.reason == "permission_denied" && denied.code == -32008)
        #expect(denied.data["permission"] as? String == "issue")
        #expect(try rpc.fails("daemon.backup", ["path": "b.sqlite"]).reason == "permission_denied")
    }

    @Test func invalidParamsAreRejectedBeforeAnySideEffect() throws {
        // Given a fresh ledger
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        // When a write carries an unknown param key
        let unknown = try rpc.fails("client.create", ["id": "ann", "name": "Ann", "nmae": "typo",
                                                      "idempotency_key": "k1"])
        // Then it is invalid_params (-32602) naming the key, and nothing was created or remembered
        #expect(unknown.reason == "invalid_params" && unknown.code == -32602)
        #expect(unknown.message?.contains("nmae") == true)
        #expect(try rpc.fails("client.get", ["id": "ann"]).reason == "not_found")
        #expect(try rpc.ok("client.create", ["id": "ann", "name": "Ann", "idempotency_key": "k1"])["id"] as? String == "ann")
        // And reads refuse unknown keys too
        #expect(try rpc.fails("balance.get", ["client": "ann", "as_at": "2026-01-01T00:00:00Z"]).reason == "invalid_params")
        // And missing, mistyped and malformed params are invalid_params
        for (method, params) in [
            ("client.create", ["id": "bob"]),
            ("credit.issue", ["client": "ann", "session_type": "yoga", "credits": "five"]),
            ("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 0]),
            ("booking.create", ["id": "b", "client": "ann", "session_type": "yoga", "starts_at": "tomorrow"]),
            ("client.update", ["id": "ann", "email": "not-an-address"]),
            ("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1, "expires_on": "2026-02-30"]),
            ("booking.cancel", ["id": "b", "mode": "sometime"]),
            ("daemon.backup", ["path": "../escape.sqlite"]),
        ] as [(String, [String: Any])] {
            let error = try rpc.fails(method, params)
            #expect(error.reason == "invalid_params" && error.code == -32602, "\(method) \(params): \(error)")
        }
        // And params that are not an object are refused
        try rpc.client.sendLine(#"{"jsonrpc":"2.0","id":99,"method":"client.get","params":["ann"]}"#)
        #expect(try rpc.client.readObject().errorReason == "invalid_params")
    }

    @Test func limitsAreEnforced() throws {
        // Given ann with no credits
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        // When a note is 501 characters, then limit_exceeded (-32009) and nothing is issued
        let long = try rpc.fails("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1,
                                                  "note": String(repeating: "n", count: 501)])
        #expect(long.reason == "limit_exceeded" && long.code == -32009)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        // And 500 characters (counted as characters, not bytes) are fine
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1,
                                    "note": String(repeating: "é", count: 500)])
        // And ids, credits, staff names and page sizes have their limits
        #expect(try rpc.fails("client.create", ["id": String(repeating: "x", count: 65), "name": "X"]).reason == "limit_exceeded")
        #expect(try rpc.fails("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 100_001]).reason
                == "limit_exceeded")
        #expect(try rpc.fails("client.create", ["id": "s", "name": "S", "staff": String(repeating: "s", count: 101)]).reason
                == "limit_exceeded")
        #expect(try rpc.fails("history.list", ["client": "ann", "limit": 1001]).reason == "limit_exceeded")

        // When a line is longer than 1 MiB, then -32600 limit_exceeded and the connection is closed
        let big = try daemon.connect()
        try? big.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"client.get","params":{"id":""#.utf8)
                      + Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + Array(#""}}"#.utf8) + [10])
        let oversized = try big.readObject()
        #expect(oversized.errorCode == -32600 && oversized.errorReason == "limit_exceeded")
        #expect(try big.waitForClose())
        // And a batch over 256 calls is refused whole
        let call = #"{"jsonrpc":"2.0","id":1,"method":"daemon.status"}"#
        try rpc.client.sendLine("[" + Array(repeating: call, count: 257).joined(separator: ",") + "]")
        #expect(try rpc.client.readObject().errorReason == "limit_exceeded")
        // And the daemon still serves
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 1)
    }

    @Test func framingErrors() throws {
        // Given a connection to the real ledger without a test clock
        let daemon = try LedgerDaemon.start(testClock: nil)
        let client = try daemon.connect()
        // When a line is not JSON, then parse_error (-32700) with a null id
        try client.sendLine("this is not json")
        let parse = try client.readObject()
        #expect(parse.errorCode == -32700 && parse.errorReason == "parse_error" && parse["id"] is NSNull)
        // When the envelope is wrong, then invalid_request (-32600), with the id when it can be read
        try client.sendLine(#"{"jsonrpc":"2.0","id":5}"#)
        let noMethod = try client.readObject()
        #expect(noMethod.errorCode == -32600 && noMethod.errorReason == "invalid_request" && noMethod["id"] as? Int == 5)
        try client.sendLine("42")
        #expect(try client.readObject().errorReason == "invalid_request")
        // When the method is unknown, then method_not_found (-32601)
        let unknown = try client.call("credit.steal", id: 6)
        #expect(unknown.errorCode == -32601 && unknown.errorReason == "method_not_found")
        // And the test clock's methods do not exist without --test-clock
        let clock = try client.call("clock.advance", id: 7, params: ["seconds": 60])
        #expect(clock.errorCode == -32601 && clock.errorReason == "method_not_found")
        #expect(try client.call("clock.set", id: 8, params: ["now": "2030-01-01T00:00:00Z"]).errorReason == "method_not_found")
        #expect(try client.call("daemon.status", id: 9).result?["test_clock"] as? Bool == false)
    }

    /// The database cannot take writes: the daemon's file-size limit (RLIMIT_FSIZE) is set to 0
    /// while it runs, so every write to the WAL fails with EFBIG, as on a full disk. (chmod cannot
    /// make the files read-only for a root daemon.) SIGXFSZ is ignored, as systemd services do not
    /// get it from a full disk either.
    @Test func unavailableWhenTheDatabaseCannotBeWrittenThenRetryable() throws {
        // Given a daemon that ignores SIGXFSZ, with ann created
        let daemon = try LedgerDaemon.start(launcher: { _ in ["/bin/sh", "-c", #"trap '' XFSZ; exec "$0" "$@""#] })
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let pid = String(daemon.process.processIdentifier)
        // When its files cannot grow
        try #require(try run("/usr/bin/prlimit", ["--pid", pid, "--fsize=0:unlimited"]).status == 0)
        let failed = try rpc.fails("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3])
        // Then a write is unavailable (-32010), reads still work, and nothing was written
        #expect(failed.reason == "unavailable" && failed.code == -32010, "\(failed)")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 0)
        // When the disk has room again, then the same request succeeds (unavailable is retryable)
        try #require(try run("/usr/bin/prlimit", ["--pid", pid, "--fsize=unlimited:unlimited"]).status == 0)
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3])
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 3)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }
}
