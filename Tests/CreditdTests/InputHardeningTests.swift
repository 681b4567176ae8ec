import Foundation
import Testing

/// Issue 14's input defects, through the socket of the real daemon: instants with any number of
/// fraction digits, derived instants kept within 0001-9999, one definition of "character",
/// control characters refused, clear messages for numbers that are not integers.
@Suite struct InputHardeningTests {
    /// A daemon with yoga, ann and 10 credits of any type.
    private func studio() throws -> (DaemonProcess, RPCSession) {
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 10])
        return (daemon, rpc)
    }

    @Test func instantsWithManyFractionDigitsDoNotKillTheDaemon() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        // When history.list gets `from` with four fraction digits (this trapped in Timestamp.parse)
        let page = try rpc.ok("history.list", ["client": "ann", "from": "2026-01-01T10:00:00.1234Z"])
        // Then it answers, and the daemon is still there
        #expect((page["items"] as? [Any])?.count == 1)
        // And booking.create, credit.issue and clock.set take 4 to 12 digits, keeping milliseconds
        for digits in 4...12 {
            let fraction = String("123456789012".prefix(digits))
            let booking = try rpc.ok("booking.create", [
                "id": "b\(digits)", "client": "ann", "session_type": "yoga",
                "starts_at": "2026-02-0\(digits % 9 + 1)T18:00:00.\(fraction)Z", "dry_run": true,
            ])
            #expect(booking["starts_at"] as? String == "2026-02-0\(digits % 9 + 1)T18:00:00.123Z")
            try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                        "expires_at": "2027-01-01T00:00:00.\(fraction)+01:00"])
            let now = try rpc.ok("clock.set", ["now": "2026-01-05T09:00:0\(digits % 10).\(fraction)Z"])
            #expect(now["now"] as? String == "2026-01-05T09:00:0\(digits % 10).123Z")
        }
        #expect(daemon.process.isRunning)
        // And more digits than the documented bound is invalid_params, not a crash
        let long = try rpc.fails("history.list", ["client": "ann", "from": "2026-01-01T10:00:00." + String(repeating: "9", count: 19) + "Z"])
        #expect(long.reason == "invalid_params")
        #expect(daemon.process.isRunning)
    }

    @Test func instantsOutsideYears0001To9999AreRefused() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When an instant names year 0000, or an offset moves it out of 0001-9999
        for text in ["0000-06-01T10:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"] {
            // Then it is invalid_params
            let error = try rpc.fails("booking.create", ["id": "old", "client": "ann", "session_type": "yoga",
                                                         "starts_at": text])
            #expect(error.reason == "invalid_params", "\(text)")
        }
        // And the range's ends themselves are accepted
        try rpc.ok("history.list", ["client": "ann", "from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59.999Z"])
    }

    @Test func derivedInstantsStayWithinTheRange() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When credits expire on 9999-12-31 (the next local midnight is in year 10000)
        let expiry = try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                                    "expires_on": "9999-12-31"])
        // Then it is invalid_params, and no lot was made
        #expect(expiry.reason == "invalid_params")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 10)
        // When a booking at 9999-12-31T23:59:59Z would end (one hour later) in year 10000
        let booking = try rpc.fails("booking.create", ["id": "late", "client": "ann", "session_type": "yoga",
                                                       "starts_at": "9999-12-31T23:59:59Z"])
        // Then it is invalid_params too, and bookings can still be listed
        #expect(booking.reason == "invalid_params")
        try rpc.ok("booking.list", ["client": "ann"])
        // And a booking whose end is exactly the last instant is fine
        try rpc.ok("booking.create", ["id": "last", "client": "ann", "session_type": "yoga",
                                      "starts_at": "9999-12-31T22:59:59.999Z"])
        try rpc.ok("booking.list", ["client": "ann"])
    }

    @Test func textLimitsCountCodePointsBeforeSQL() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When a note is 300 × "é" written as e + U+0301 (300 characters, 600 code points)
        let note = String(repeating: "e\u{0301}", count: 300)
        let error = try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1, "note": note])
        // Then it is limit_exceeded (the schema's length() CHECK counts code points too), not internal_error
        #expect(error.reason == "limit_exceeded", "\(error)")
        // And 500 code points pass
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                    "note": String(repeating: "e\u{0301}", count: 250)])
    }

    @Test func controlCharactersAreRefusedInText() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When a name, a note, staff, an email or an idempotency key holds C0, DEL, C1 or bidi controls
        for bad in ["\u{202E}evil", "a\u{7F}", "a\u{85}b", "a\u{9B}31m", "x\u{2066}y", "a\u{1B}[2J", "line\nbreak"] {
            // Then each is invalid_params
            #expect(try rpc.fails("client.create", ["id": "c1", "name": bad]).reason == "invalid_params", "\(bad.unicodeScalars.map(\.value))")
            #expect(try rpc.fails("client.update", ["id": "ann", "email": "a\(bad)@example.com"]).reason == "invalid_params")
            #expect(try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                                   "staff": bad]).reason == "invalid_params")
            #expect(try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                                   "idempotency_key": bad]).reason == "invalid_params")
            if bad != "line\nbreak" {
                #expect(try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1,
                                                       "note": bad]).reason == "invalid_params")
            }
        }
        // And a note keeps line feeds and tabs
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "any", "credits": 1, "note": "two\nlines\tand a tab"])
    }

    @Test func fractionalNumbersNameTheParam() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When credits is 1.5
        let error = try rpc.fails("credit.issue", ["client": "ann", "session_type": "any", "credits": 1.5])
        // Then the message names the param and says it must be an integer
        #expect(error.reason == "invalid_params")
        #expect(error.message?.contains("credits") == true && error.message?.contains("must be an integer") == true,
                "\(error)")
        // And an integer too big for 64 bits says the same
        let big = try rpc.fails("booking.create", ["id": "b", "client": "ann", "session_type": "yoga",
                                                   "starts_at": "2026-02-01T10:00:00Z", "credit_cost": 1e30])
        #expect(big.message?.contains("credit_cost must be an integer") == true, "\(big)")
    }

    @Test func packageLotsAndFreeBookingsKeepTheLimits() throws {
        // Given a studio
        let (daemon, rpc) = try studio()
        defer { withExtendedLifetime(daemon) {} }
        // When a package's credits + bonus_credits exceed the per-lot maximum
        let package = try rpc.fails("package.create", ["id": "p", "name": "Big", "credits": 100_000,
                                                       "bonus_credits": 100_000, "price_minor": 100])
        // Then it is limit_exceeded
        #expect(package.reason == "limit_exceeded", "\(package)")
        // When a booking of a type that requires credit asks for credit_cost 0
        let free = try rpc.fails("booking.create", ["id": "b", "client": "ann", "session_type": "yoga",
                                                    "starts_at": "2026-02-01T10:00:00Z", "credit_cost": 0])
        // Then it is invalid_params, and no credit moved
        #expect(free.reason == "invalid_params")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 10)
    }

    @Test func testClockStaysWithinTheInstantRange() throws {
        // Given a test clock near the end of year 9999
        let (daemon, rpc) = try studio()
        try rpc.ok("clock.set", ["now": "9999-12-31T00:00:00Z"])
        // When it is advanced past 9999-12-31T23:59:59.999Z
        let error = try rpc.fails("clock.advance", ["seconds": 86_400])
        // Then it is invalid_params and the clock did not move
        #expect(error.reason == "invalid_params")
        #expect(try rpc.ok("clock.advance", ["seconds": 0])["now"] as? String == "9999-12-31T00:00:00Z")
        #expect(daemon.process.isRunning)
    }

    @Test func packageExpiryBeyond9999IsRefusedNotACrash() throws {
        // Given a studio whose clock is in 9999 and a package valid 3660 days
        let (daemon, rpc) = try studio()
        try rpc.ok("package.create", ["id": "p", "name": "Ten", "credits": 10, "price_minor": 100, "expiry_days": 3660])
        try rpc.ok("clock.set", ["now": "9999-06-01T00:00:00Z"])
        // When it is sold
        let sale = try rpc.fails("purchase.create", ["id": "s1", "client": "ann", "package": "p"])
        // Then it is invalid_params and the daemon lives
        #expect(sale.reason == "invalid_params", "\(sale)")
        #expect(daemon.process.isRunning)
    }
}
