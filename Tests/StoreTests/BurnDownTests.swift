import CreditProtocol
import Testing
@testable import Store

@Suite struct BurnDownTests {
    @Test func costSpansLotsInBurnDownOrder() throws {
        // Given a 2-credit workshop and two lots of one credit each, the later-expiring one issued first
        let f = try Fixture()
        try f.type("workshop", cost: 2)
        try f.client("c1")
        let late = try f.issue("c1", "workshop", 1, expiresOn: "2026-03-01").lots[0]
        let early = try f.issue("c1", "workshop", 1, expiresOn: "2026-02-01").lots[0]
        // When the client books
        let booking = try f.book("b1", "c1", "workshop")
        // Then both lots are used, earliest expiry first, one `used` event per lot
        #expect(booking.allocations == [Allocation(lot: early.id, credits: 1), Allocation(lot: late.id, credits: 1)])
        #expect(try f.events("c1", kinds: [.used]).map(\.lot) == [late.id, early.id])
        #expect(try f.balance("c1").total == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func typeScopedLotsBeforeAnyLots() throws {
        // Given an `any` lot expiring soon and a yoga lot expiring later
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let any = try f.issue("c1", "any", 1, expiresOn: "2026-01-10").lots[0]
        let yoga = try f.issue("c1", "yoga", 1, expiresOn: "2026-12-31").lots[0]
        // When booking yoga
        let booking = try f.book("b1", "c1", "yoga")
        // Then the type's own lot is used first, although the any lot expires earlier
        #expect(booking.allocations == [Allocation(lot: yoga.id, credits: 1)])
        #expect(try f.lot(any.id).remaining == 1)
    }

    @Test func equalExpiryBreaksTiesByEffectiveThenId() throws {
        // Given three lots with the same expiry, issued at different times
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let first = try f.issue("c1", "yoga", 1, expiresOn: "2026-06-30").lots[0]
        f.nowMs += 60_000
        let second = try f.issue("c1", "yoga", 1, expiresOn: "2026-06-30").lots[0]
        let third = try f.issue("c1", "yoga", 1, expiresOn: "2026-06-30").lots[0]
        let noExpiry = try f.issue("c1", "yoga", 1).lots[0]
        // When four single-credit bookings are made
        var used: [Int64?] = []
        for n in 1...4 { used.append(try f.book("b\(n)", "c1", "yoga").allocations[0].lot) }
        // Then earliest effective goes first, then lowest id, and no-expiry last
        #expect(used == [first.id, second.id, third.id, noExpiry.id])
    }

    @Test func insufficientCreditsChangesNothing() throws {
        // Given one credit for a 2-credit type
        let f = try Fixture()
        try f.type("workshop", cost: 2)
        try f.client("c1")
        try f.issue("c1", "workshop", 1)
        let before = try f.events("c1").count
        // When booking
        let failure = error { try f.book("b1", "c1", "workshop") }
        // Then the error says what was available and required, and nothing was written
        #expect(failure == .insufficientCredits(available: 1, required: 2))
        #expect(failure?.wire.details["available"] == .int(1))
        #expect(try f.events("c1").count == before)
        #expect(error { try f.ledger.booking("b1") } == .notFound("booking b1 not found"))
    }

    @Test func perBookingCostOverride() throws {
        // Given a 1-credit type and 5 credits
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 5)
        // When one booking overrides the cost to 3
        let booking = try f.book("b1", "c1", "yoga", cost: 3)
        // Then 3 credits are used
        #expect(booking.creditCost == 3)
        #expect(try f.balance("c1").total == 2)
    }

    @Test func dryRunWritesNothing() throws {
        // Given credits
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        // When a dry run books
        let preview = try f.run(Ledger.bookingCreate(BookingCreateParams(
            id: "b1", client: "c1", sessionType: "yoga", startsAt: Timestamp(ms: f.nowMs + 3_600_000), dryRun: true),
            by: f.actor))
        // Then it reports the outcome but the booking and its credits are untouched
        #expect(preview.creditsLeft == 1)
        #expect(preview.dryRun == true)
        #expect(try f.balance("c1").total == 2)
        #expect(error { try f.ledger.booking("b1") } != nil)
    }

    @Test func sessionTypeWithoutCreditsBooksFree() throws {
        let f = try Fixture()
        try f.type("intro", requiresCredit: false)
        try f.client("c1")
        let booking = try f.book("b1", "c1", "intro")
        #expect(booking.creditCost == 0 && booking.allocations.isEmpty)
        #expect(try f.events("c1").isEmpty)
    }
}
