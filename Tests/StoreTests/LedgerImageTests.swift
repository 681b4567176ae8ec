import CreditProtocol
import Foundation
import Testing
@testable import Store

@Suite struct LedgerImageTests {
    /// A fixture whose ledger is opened from the image of `f`'s ledger, on the same clock.
    private func opened(from f: Fixture) throws -> (Fixture, LedgerImage) {
        let image = try f.ledger.image()
        return (try Fixture(ledger: Ledger(image: image), nowMs: f.nowMs), image)
    }

    @Test func aLedgerOpenedFromAnImageHoldsItsRows() throws {
        // Given a ledger with a type, a client and 5 credits
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 5)
        // When a ledger is opened from its image
        let (g, _) = try opened(from: f)
        // Then it holds the same rows and takes writes of its own
        #expect(try g.balance("c1").total == 5)
        try g.book("b1", "c1", "yoga")
        #expect(try g.balance("c1").total == 4)
        #expect(try f.balance("c1").total == 5)
        #expect(try g.ledger.verify().ok)
    }

    @Test func restoringForgetsEverythingWrittenSince() throws {
        // Given a ledger opened from the image of one with a type, a client and 5 credits
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 5)
        let (g, image) = try opened(from: f)
        // When more is written (a booking, clients, a time-zone change, enough rows to grow the
        // file) and the image restored
        try g.book("b1", "c1", "yoga")
        for index in 0..<200 { try g.client("n\(index)") }
        _ = try g.run(Ledger.studioUpdate(StudioUpdateParams(timeZone: "Europe/Berlin"), by: g.actor))
        try g.ledger.restore(image)
        // Then the ledger is as it was: 5 credits, no booking, no new client, UTC, every invariant holds
        #expect(try g.balance("c1").total == 5)
        #expect(try g.events("c1").count == 1)
        #expect(throws: LedgerError.self) { try g.balance("n0") }
        #expect(try g.ledger.studio().timeZone == "UTC")
        #expect(try g.ledger.verify().ok)
    }

    @Test func aRestoredLedgerTakesWritesAndCanBeRestoredAgain() throws {
        // Given a ledger opened from the image of one with a client
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let (g, image) = try opened(from: f)
        for round in 1...3 {
            // When it is written to and restored, each round
            try g.issue("c1", "yoga", Int64(round))
            try g.book("b1", "c1", "yoga")
            // Then each round starts from the image: the same booking id is new every time
            #expect(try g.balance("c1").total == Int64(round) - 1)
            #expect(try g.ledger.verify().ok)
            try g.ledger.restore(image)
            #expect(try g.balance("c1").total == 0)
        }
    }

    /// A first version restored with sqlite3_deserialize each time and crashed here: the
    /// expiry's `json_each` (an eponymous virtual table) kept the schema the restore had freed.
    @Test func expiryRunsAfterEveryRestore() throws {
        // Given a ledger opened from the image of one whose 3 credits expire on 2026-01-10
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 3, expiresOn: "2026-01-10")
        let (g, image) = try opened(from: f)
        for _ in 1...3 {
            // When the clock passes the expiry, then the image is restored, each time
            try g.advance(days: 10)
            // Then the credits expire each time
            #expect(try g.balance("c1").total == 0)
            #expect(try g.events("c1", kinds: [.expired]).count == 1)
            try g.ledger.restore(image)
            g.nowMs = f.nowMs
            #expect(try g.balance("c1").total == 3)
            #expect(try g.events("c1", kinds: [.expired]).isEmpty)
        }
    }
}

@Suite struct LedgerImageCommitTests {
    @Test func onlyACommitCountsAsAChange() throws {
        // Given a ledger opened from an image
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let image = try f.ledger.image()
        let g = Fixture(ledger: try Ledger(image: image), nowMs: f.nowMs)
        #expect(try !g.ledger.hasCommits(since: image))
        // When it is read, and a write fails (rolled back)
        _ = try g.balance("c1")
        #expect(throws: LedgerError.self) { try g.client("c1") }
        // Then nothing has committed
        #expect(try !g.ledger.hasCommits(since: image))
        // When a write succeeds, then it has; after a restore, no longer
        try g.client("c2")
        #expect(try g.ledger.hasCommits(since: image))
        try g.ledger.restore(image)
        #expect(try !g.ledger.hasCommits(since: image))
    }
}
