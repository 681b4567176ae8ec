import CreditProtocol
import Testing
@testable import Store

@Suite struct ExpiryAndRemovalTests {
    @Test func dateExpiryMeansValidThroughThatLocalDate() throws {
        // Given a Berlin studio and credits valid through 2026-01-31
        let f = try Fixture(zone: "Europe/Berlin")
        try f.type("yoga")
        try f.client("c1")
        let lot = try f.issue("c1", "yoga", 3, expiresOn: "2026-01-31").lots[0]
        // Then they expire at the next local midnight (23:00 UTC)
        #expect(lot.expiresAt == f.at("2026-01-31T23:00:00Z"))
        #expect(try f.balance("c1").bySessionType[0].nextExpiry == NextExpiry(at: f.at("2026-01-31T23:00:00Z"), credits: 3))
        // When the clock passes it
        f.nowMs = f.at("2026-02-01T05:00:00Z").ms
        try f.advance()
        // Then `expired` is written with `at` = expires_at and recorded now
        let expired = try f.events("c1", kinds: [.expired])
        #expect(expired.count == 1 && expired[0].amount == -3 && expired[0].at == lot.expiresAt)
        #expect(expired[0].recordedAt.ms == f.nowMs)
        #expect(try f.balance("c1").total == 0)
    }

    @Test func removingMoreThanAvailableFailsAndChangesNothing() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        let failure = error { try f.run(Ledger.creditRemove(CreditRemoveParams(client: "c1", sessionType: "yoga", credits: 3), by: f.actor)) }
        #expect(failure == .insufficientCredits(available: 2, required: 3))
        #expect(try f.balance("c1").total == 2)
        #expect(try f.events("c1", kinds: [.deleted]).isEmpty)
    }

    @Test func removalTakesReverseBurnDownOrderUnlessALotIsNamed() throws {
        // Given lots expiring soon, later and never
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let soon = try f.issue("c1", "yoga", 2, expiresOn: "2026-02-01").lots[0]
        let later = try f.issue("c1", "yoga", 2, expiresOn: "2026-05-01").lots[0]
        let never = try f.issue("c1", "yoga", 1).lots[0]
        // When 4 credits are removed
        let removed = try f.run(Ledger.creditRemove(CreditRemoveParams(client: "c1", sessionType: "yoga", credits: 4, note: "goodwill reversal"), by: f.actor))
        // Then no-expiry goes first, then the latest expiry, then one from the soonest
        #expect(removed.events.count == 3)
        #expect(try f.lot(never.id).remaining == 0 && f.lot(later.id).remaining == 0 && f.lot(soon.id).remaining == 1)
        let deleted = try f.events("c1", kinds: [.deleted])
        #expect(deleted.allSatisfy { $0.note == "goodwill reversal" && $0.actor == "alice" })
        // When a named lot is removed from
        _ = try f.run(Ledger.creditRemove(CreditRemoveParams(client: "c1", sessionType: "yoga", credits: 1, lot: soon.id), by: f.actor))
        #expect(try f.balance("c1").total == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func archivedTypesKeepCreditsVisibleAndRemovableButTakeNoNewOnes() throws {
        let f = try Fixture()
        try f.type("spin")
        try f.client("c1")
        try f.client("c2")
        try f.issue("c1", "spin", 2)
        // When archived
        let archived = try f.run(Ledger.sessionTypeArchive(IdActionParams(id: "spin"), by: f.actor))
        // Then it reports the clients still holding credits
        #expect(archived.clientsWithCredits == 1)
        #expect(try f.balance("c1").bySessionType == [ScopeBalance(sessionType: "spin", archived: true, credits: 2, nextExpiry: nil)])
        #expect(error { try f.issue("c2", "spin", 1) }.map { $0.wire.reason } == .sessionTypeArchived)
        #expect(error { try f.book("b1", "c1", "spin") }.map { $0.wire.reason } == .sessionTypeArchived)
        _ = try f.run(Ledger.creditRemove(CreditRemoveParams(client: "c1", sessionType: "spin", credits: 2), by: f.actor))
        #expect(try f.balance("c1").total == 0)
    }

    @Test func requiresCreditLocksOnceTheTypeHasBookings() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        // Before any booking it may change
        _ = try f.run(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", requiresCredit: false), by: f.actor))
        _ = try f.run(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", requiresCredit: true), by: f.actor))
        try f.issue("c1", "yoga", 1)
        try f.book("b1", "c1", "yoga")
        // After, it is locked; other fields still change
        let failure = error { try f.run(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", requiresCredit: false), by: f.actor)) }
        #expect(failure.map { $0.wire.reason } == .sessionTypeLocked)
        let renamed = try f.run(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", name: "Hatha", creditCost: 2), by: f.actor))
        #expect(renamed.name == "Hatha" && renamed.creditCost == 2 && renamed.requiresCredit)
    }

    @Test func aFailedOrDryRunBookingDoesNotLockRequiresCredit() throws {
        // Given a type and a client without credits
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        // When one booking fails for lack of credits and another is only a dry run
        #expect(error { try f.book("b1", "c1", "yoga") }.map { $0.wire.reason } == .insufficientCredits)
        try f.issue("c1", "yoga", 1)
        _ = try f.run(Ledger.bookingCreate(BookingCreateParams(
            id: "b2", client: "c1", sessionType: "yoga", startsAt: Timestamp(ms: f.nowMs + 86_400_000), dryRun: true),
            by: f.actor))
        // Then the type has no booking and requires_credit may still change
        #expect(error { try f.ledger.booking("b2") }.map { $0.wire.reason } == .notFound)
        _ = try f.run(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", requiresCredit: false), by: f.actor))
    }

    @Test func balanceAsOfAPastInstant() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 5)
        let before = f.nowMs
        f.nowMs += 3_600_000
        try f.book("b1", "c1", "yoga")
        let past = try f.ledger.balance(BalanceParams(client: "c1", asOf: Timestamp(ms: before)), nowMs: f.nowMs)
        #expect(past.total == 5)
        #expect(try f.balance("c1").total == 4)
    }
}
