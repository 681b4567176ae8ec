import Foundation
import Testing

/// Issue 15, bug 2: `balance.get as_of` a past instant answers what `balance.get` said then.
@Suite struct BalanceAsOfReplayTests {
    /// A small deterministic generator (SplitMix64), so a failing seed replays exactly.
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// What the replay did, for the failure message.
    static func instant(_ rpc: RPCSession) throws -> String {
        try rpc.ok("clock.advance", ["seconds": 0])["now"] as! String
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func asOfAnswersEqualTheLiveAnswersOfThatInstant(seed: UInt64) throws {
        // Given a ledger with a plain type, a type that allows debt, and one client
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("session_type.create", ["id": "rehab", "name": "Rehab", "allow_negative": true,
                                           "late_cancel_window_s": 7200])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        var random = Seeded(state: seed)
        var bookings: [String] = []
        var lots: [Int] = []
        var recorded: [(at: String, step: String, answer: NSDictionary)] = []
        // When a random history is replayed on the test clock (issues with and without expiry, bookings
        // that go into debt, early and late cancellations, removals, expiry by time), recording the
        // live answer after every step
        for step in 0..<70 {
            var did = ""
            switch random.below(10) {
            case 0, 1, 2:
                var params: [String: Any] = ["client": "ann", "session_type": random.pick(["yoga", "rehab", "any"]),
                                             "credits": 1 + random.below(3)]
                if random.below(2) == 0 { params["expires_at"] = try Self.later(rpc, seconds: 3600 * (1 + random.below(72))) }
                let issued = try? rpc.ok("credit.issue", params)
                lots += objects(issued?["lots"]).compactMap { $0["id"] as? Int }
                did = "issue \(params)"
            case 3, 4, 5:
                let id = "b\(step)"
                let params: [String: Any] = ["id": id, "client": "ann", "session_type": random.pick(["yoga", "rehab", "rehab"]),
                                             "starts_at": try Self.later(rpc, seconds: 1800 * (1 + random.below(20)))]
                if (try? rpc.ok("booking.create", params)) != nil { bookings.append(id) }
                did = "book \(params)"
            case 6:
                guard !bookings.isEmpty else { continue }
                let id = random.pick(bookings)
                _ = try? rpc.ok("booking.cancel", ["id": id])
                did = "cancel \(id)"
            case 7:
                let scope = random.pick(["yoga", "rehab", "any"])
                _ = try? rpc.ok("credit.remove", ["client": "ann", "session_type": scope, "credits": 1])
                did = "remove 1 \(scope)"
            default:
                let seconds = 600 * (1 + random.below(300))
                try rpc.ok("clock.advance", ["seconds": seconds])
                did = "advance \(seconds)s"
            }
            let answer = try rpc.ok("balance.get", ["client": "ann"]) as NSDictionary
            recorded.append((try Self.instant(rpc), "step \(step): \(did)", answer))
            // Later steps happen later: each recorded answer is the last one of its instant.
            try rpc.ok("clock.advance", ["seconds": 1 + random.below(900)])
        }
        // Then the ledger is sound, and every past instant's as_of answer is the live answer recorded then
        #expect(objects(try rpc.ok("daemon.verify")["violations"]).isEmpty)
        var mismatches = 0
        for record in recorded {
            let past = try rpc.ok("balance.get", ["client": "ann", "as_of": record.at]) as NSDictionary
            if !past.isEqual(record.answer) {
                mismatches += 1
                Issue.record("seed \(seed), \(record.step) at \(record.at):\n live  \(record.answer)\n as_of \(past)")
            }
            if mismatches >= 3 { break }
        }
    }

    /// `seconds` after the test clock's now, RFC 3339.
    static func later(_ rpc: RPCSession, seconds: Int) throws -> String {
        let now = try instant(rpc)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: now) ?? plain.date(from: now) else { throw TestFailure("bad instant \(now)") }
        return plain.string(from: date.addingTimeInterval(TimeInterval(seconds)))
    }

    @Test func anAnyLotThatRepaidATypedDebtIsCountedOnceInThePast() throws {
        // Given a rehab booking that went into debt, repaid by 2 `any` credits issued later
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "rehab", "name": "Rehab", "allow_negative": true])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "rehab", "starts_at": "2026-01-10T09:00:00Z"])
        try rpc.ok("clock.advance", ["seconds": 60])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 2, "expires_at": "2026-03-01T00:00:00Z"])
        let then = try Self.instant(rpc)
        let live = try rpc.ok("balance.get", ["client": "ann"]) as NSDictionary
        // When the balance is asked as of that instant, a day later
        try rpc.ok("clock.advance", ["seconds": 86_400])
        let past = try rpc.ok("balance.get", ["client": "ann", "as_of": then])
        // Then it is `any 1` with its expiry, as it was
        #expect(past as NSDictionary == live)
        let scopes = objects(past["by_session_type"])
        #expect(scopes.count == 1 && scopes.first?["session_type"] as? String == "any" && scopes.first?["credits"] as? Int == 1)
        #expect((scopes.first?["next_expiry"] as? [String: Any])?["credits"] as? Int == 1)
    }
}
