import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

@Suite struct IdempotencyTests {
    @Test func aRepeatReturnsTheFirstResultAndChangesNothing() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let params = CreditIssueParams(client: "c1", sessionType: "yoga", credits: 3, idempotencyKey: "webhook-77")
        let first = try f.run(Ledger.creditIssue(params, by: f.actor))
        f.nowMs += 1000
        // When the same request comes again (even from another staff member)
        var again = params
        again.staff = "Bea"
        let second = try f.run(Ledger.creditIssue(again, by: f.actor))
        // Then the same result comes back and only one lot exists
        #expect(second.lots == first.lots && second.events == first.events)
        #expect(try f.balance("c1").total == 3)
    }

    @Test func theSameKeyWithDifferentParamsIsAConflict() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        _ = try f.run(Ledger.creditIssue(CreditIssueParams(client: "c1", sessionType: "yoga", credits: 3, idempotencyKey: "k1"), by: f.actor))
        let failure = error { try f.run(Ledger.creditIssue(CreditIssueParams(client: "c1", sessionType: "yoga", credits: 4, idempotencyKey: "k1"), by: f.actor)) }
        #expect(failure.map { $0.wire.reason } == .idempotencyConflict)
        let otherMethod = error { try f.run(Ledger.clientCreate(ClientCreateParams(id: "c2", name: "X", idempotencyKey: "k1"), by: f.actor)) }
        #expect(otherMethod.map { $0.wire.reason } == .idempotencyConflict)
        #expect(try f.balance("c1").total == 3)
    }

    @Test func keysAreForgottenAfterTheRetention() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let params = CreditIssueParams(client: "c1", sessionType: "yoga", credits: 1, idempotencyKey: "k1")
        _ = try f.run(Ledger.creditIssue(params, by: f.actor))
        try f.advance(days: 29)
        _ = try f.run(Ledger.creditIssue(params, by: f.actor))
        #expect(try f.balance("c1").total == 1)
        try f.advance(days: 2)
        _ = try f.run(Ledger.creditIssue(params, by: f.actor))
        #expect(try f.balance("c1").total == 2)
    }
}

@Suite struct BulkAndNotesTests {
    @Test func bulkIssueWithOneBadClientChangesNothing() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.client("c2")
        let failure = error { try f.run(Ledger.creditIssue(CreditIssueParams(clients: ["c1", "c2", "ghost"], sessionType: "yoga", credits: 2), by: f.actor)) }
        #expect(failure == .notFound("client ghost not found"))
        #expect(try f.balance("c1").total == 0 && f.balance("c2").total == 0)
        let ok = try f.run(Ledger.creditIssue(CreditIssueParams(clients: ["c1", "c2"], sessionType: "yoga", credits: 2), by: f.actor))
        #expect(ok.lots.count == 2)
        #expect(try f.balance("c2").total == 2)
    }

    @Test func a501CharacterNoteIsRefusedAnd500IsKept() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let failure = error { try f.issue("c1", "yoga", 1, note: String(repeating: "é", count: 501)) }
        #expect(failure.map { $0.wire.reason } == .limitExceeded)
        #expect(try f.events("c1").isEmpty)
        let issued = try f.issue("c1", "yoga", 1, note: String(repeating: "é", count: 500))
        #expect(try f.events("c1")[0].note?.count == 500)
        // When the note is edited and then cleared, every version is kept
        _ = try f.run(Ledger.noteSet(NoteSetParams(event: issued.events[0], note: "paid cash", staff: "Bea"), by: f.actor))
        _ = try f.run(Ledger.noteSet(NoteSetParams(event: issued.events[0], note: ""), by: f.actor))
        #expect(try f.events("c1")[0].note == nil)
        let versions = try f.ledger.noteHistory(NoteHistoryParams(event: issued.events[0])).items
        #expect(versions.map(\.note) == [String(repeating: "é", count: 500), "paid cash", nil])
        #expect(versions[1].staff == "Bea")
    }

    @Test func eventsAreAppendOnly() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 1)
        let tamper = error {
            try f.ledger.writer.write { db in try db.execute(sql: "UPDATE event SET amount = 5") }
        }
        #expect(tamper != nil)
        #expect(error { try f.ledger.writer.write { db in try db.execute(sql: "DELETE FROM event") } } != nil)
    }
}

@Suite struct HistoryTests {
    @Test func filtersAndCursorPagingNewestFirst() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.type("spin")
        try f.client("c1")
        for n in 0..<7 {
            try f.issue("c1", n % 2 == 0 ? "yoga" : "spin", 1)
            f.nowMs += 1000
        }
        try f.book("b1", "c1", "yoga")
        var seen: [Int64] = []
        var cursor: String?
        repeat {
            let page = try f.ledger.history(HistoryParams(client: "c1", limit: 3, cursor: cursor))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.count == 8 && seen == seen.sorted(by: >))
        let yogaIssued = try f.ledger.history(HistoryParams(client: "c1", sessionType: "yoga", events: ["issued"])).items
        #expect(yogaIssued.count == 4)
        let windowed = try f.ledger.history(HistoryParams(client: "c1", from: Timestamp(ms: Fixture.startMs + 2000), to: Timestamp(ms: Fixture.startMs + 4000))).items
        #expect(windowed.count == 2)
        #expect(error { try f.ledger.history(HistoryParams(client: "c1", events: ["stolen"])) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.ledger.history(HistoryParams(client: "c1", limit: 5000)) }.map { $0.wire.reason } == .limitExceeded)
    }
}

@Suite struct VerifyAndBatchTests {
    @Test func verifyReportsACorruptedLotWithItsIds() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        let lot = try f.issue("c1", "yoga", 3).lots[0]
        #expect(try f.ledger.verify().ok)
        try f.ledger.writer.write { db in try db.execute(sql: "UPDATE lot SET remaining = 2 WHERE id = ?", arguments: [lot.id]) }
        let result = try f.ledger.verify()
        #expect(!result.ok)
        #expect(result.violations.contains { $0.check == "lot_balance" && $0.lot == lot.id })
        #expect(result.violations.contains { $0.check == "client_balance" && $0.client == "c1" })
    }

    @Test func verifyReportsABrokenReferenceThatSQLiteNoLongerRefuses() throws {
        // Given a consistent ledger with one booking
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        try f.book("b1", "c1", "yoga")
        #expect(try f.ledger.verify().ok)
        // When a row is made to name a client that does not exist (foreign keys are not enforced
        // on the writer: the facade checks references itself)
        try f.ledger.writer.write { db in try db.execute(sql: "UPDATE booking SET client_id = 'ghost' WHERE id = 'b1'") }
        // Then verify names the table and the missing parent
        let result = try f.ledger.verify()
        #expect(!result.ok)
        #expect(result.violations.contains { $0.check == "foreign_key" && $0.detail.contains("booking row") && $0.detail.contains("client") })
    }

    @Test func aDuplicateBookingIdIsAlreadyExistsEvenForAnUnknownClient() throws {
        // Given a booking b1 of c1
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        try f.book("b1", "c1", "yoga")
        // When b1's id is booked again for a client that does not exist
        // Then the duplicate id is reported (the primary key is checked before the client), and
        // neither that nor an unknown client with a new id leaves a row behind
        #expect(error { try f.book("b1", "ghost", "yoga") } == .alreadyExists("booking b1 already exists"))
        #expect(error { try f.book("b2", "ghost", "yoga") } == .notFound("client ghost not found"))
        #expect(error { try f.ledger.booking("b2") } == .notFound("booking b2 not found"))
        #expect(try f.ledger.verify().ok)
    }

    @Test func aBalanceNamesAnUnknownClientAndShowsZeroForAClientWithoutCredits() throws {
        // Given c1 with no lots at all and c2 whose only lot is used up
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.client("c2")
        try f.issue("c2", "yoga", 1)
        try f.book("b1", "c2", "yoga")
        // When their balances and an unknown client's are read (the client is only looked up
        // when it has no live lot and no debt)
        // Then both known clients have zero and the unknown one is not_found
        #expect(try f.balance("c1").total == 0)
        #expect(try f.balance("c2").total == 0)
        #expect(error { try f.balance("ghost") } == .notFound("client ghost not found"))
    }

    @Test func oneFailingOperationDoesNotPoisonItsBatch() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 1)
        let ops: [LedgerOperation<Booking>] = ["b1", "b2", "b3"].map {
            Ledger.bookingCreate(BookingCreateParams(id: $0, client: "c1", sessionType: "yoga",
                                                     startsAt: Timestamp(ms: f.nowMs + 86_400_000 * 3)), by: f.actor)
        }
        let results = f.ledger.performBatch(ops, nowMs: f.nowMs)
        #expect((try? results[0].get()) != nil)
        #expect(results[1].failureReason == .insufficientCredits)
        #expect(results[2].failureReason == .insufficientCredits)
        #expect(try f.balance("c1").total == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func aFileLedgerRunsWALWithSynchronousFull() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = try Ledger(path: dir.appendingPathComponent("ledger.sqlite").path, studio: Studio(timeZone: "UTC", currency: "EUR"))
        #expect(try ledger.synchronousMode() == 2)
        let mode = try ledger.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }
}

@Suite struct BadInputTests {
    @Test(arguments: ["", "has space", "semi;colon", String(repeating: "x", count: 65), "ünï"])
    func badIdsAreRefused(id: String) throws {
        let f = try Fixture()
        let failure = error { try f.client(id) }
        #expect(failure.map { [.invalidParams, .limitExceeded].contains($0.wire.reason) } == true)
        #expect(try f.ledger.clients(ClientListParams()).items.isEmpty)
    }

    @Test func countsDatesZonesAndCurrenciesAreChecked() throws {
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        #expect(error { try f.issue("c1", "yoga", 0) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.issue("c1", "yoga", -5) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.issue("c1", "yoga", 1_000_000) }.map { $0.wire.reason } == .limitExceeded)
        #expect(error { try f.issue("c1", "yoga", 1, expiresOn: "2026-02-30") }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.issue("c1", "yoga", 1, expiresOn: "2025-01-01") }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.issue("c1", "any", 1, expiresOn: "2026-12-31", expiresAt: Timestamp(ms: f.nowMs + 1)) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.run(Ledger.studioUpdate(StudioUpdateParams(timeZone: "Mars/Olympus"), by: f.actor)) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.run(Ledger.studioUpdate(StudioUpdateParams(currency: "euro"), by: f.actor)) }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.type("any") }.map { $0.wire.reason } == .invalidParams)
        #expect(error { try f.type("yoga") }.map { $0.wire.reason } == .alreadyExists)
        #expect(error { try f.book("b1", "c1", "nope") }.map { $0.wire.reason } == .notFound)
        #expect(error { try f.book("b1", "ghost", "yoga") } == .notFound("client ghost not found"))
        try f.issue("c1", "yoga", 2)
        try f.book("b1", "c1", "yoga")
        #expect(error { try f.book("b1", "c1", "yoga") } == .alreadyExists("booking b1 already exists"))
        #expect(try f.balance("c1").total == 1)
        #expect(try f.ledger.verify().ok)
    }
}

extension Result where Failure == LedgerError {
    var failureReason: ErrorReason? {
        if case .failure(let error) = self { return error.wire.reason }
        return nil
    }
}

@Suite struct ImportTests {
    @Test func aCommittedImportIssuesEveryRowAndABadRowIssuesNone() throws {
        // Given two clients and rows staged in two chunks, one row naming an unknown client
        let f = try Fixture()
        try f.type("yoga")
        try f.client("a")
        try f.client("b")
        let good = [ImportRow(client: "a", sessionType: "yoga", credits: 2, line: 2),
                    ImportRow(client: "b", sessionType: "any", credits: 1, expiresOn: "2026-12-31", note: "gift", line: 3)]
        let bad = [ImportRow(client: "zed", sessionType: "yoga", credits: 1, line: 4)]
        _ = try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: good, reset: true), by: f.actor))
        let staged = try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: bad), by: f.actor))
        #expect(staged.rows == 3 && staged.credits == 4)
        // When committed, the bad row fails the whole import and names its line
        let failure = error { try f.run(Ledger.importCommit(ImportCommitParams(import: "i1"), by: f.actor)) }
        #expect(failure == .notFound("line 4: client zed not found"))
        #expect(try f.balance("a").total == 0 && f.balance("b").total == 0)
        // When restaged without it, every row is issued in one go
        _ = try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: good, reset: true), by: f.actor))
        let done = try f.run(Ledger.importCommit(ImportCommitParams(import: "i1"), by: f.actor))
        #expect(done.committed && done.rows == 2 && done.credits == 3)
        #expect(try f.balance("a").total == 2 && f.balance("b").total == 1)
        #expect(try f.events("b")[0].note == "gift")
        // And nothing stays staged
        #expect(error { try f.run(Ledger.importCommit(ImportCommitParams(import: "i1"), by: f.actor)) }.map { $0.wire.reason } == .notFound)
        #expect(try f.assertConsistent(["a", "b"]))
    }

    @Test func stagingValidatesRowsAndLimits() throws {
        let f = try Fixture()
        let zero = [ImportRow(client: "a", sessionType: "yoga", credits: 0, line: 7)]
        #expect(error { try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: zero), by: f.actor)) }
                == .invalidParams("line 7: credits must be a positive integer"))
        let many = Array(repeating: ImportRow(client: "a", sessionType: "yoga", credits: 1), count: Limits.importRowsPerCallMax + 1)
        #expect(error { try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: many), by: f.actor)) }.map { $0.wire.reason } == .limitExceeded)
    }
}

/// A transaction caches the session types it reads (`Tx.sessionType`); a change to a type in the
/// same group-commit batch must be seen by the bookings after it.
@Suite struct SessionTypeCacheTests {
    @Test func laterBookingsInABatchSeeTypeChanges() throws {
        let f = try Fixture()
        try f.type("yoga", cost: 1)
        try f.client("c1")
        try f.issue("c1", "yoga", 10)
        let start = Timestamp(ms: f.nowMs + 48 * 3_600_000)
        func book(_ id: String) -> LedgerOperation<String> {
            Ledger.bookingCreate(BookingCreateParams(id: id, client: "c1", sessionType: "yoga", startsAt: start),
                                 by: f.actor).map { "cost \($0.creditCost)" }
        }
        let results = f.ledger.performBatch([
            book("b1"),
            Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", creditCost: 3), by: f.actor).map { "type \($0.creditCost)" },
            book("b2"),
            Ledger.sessionTypeArchive(IdActionParams(id: "yoga"), by: f.actor).map { "archived \($0.sessionType.archived)" },
            book("b3"),
        ], nowMs: f.nowMs)
        #expect(try results[0].get() == "cost 1")
        #expect(try results[1].get() == "type 3")
        #expect(try results[2].get() == "cost 3")
        #expect(try results[3].get() == "archived true")
        guard case .failure(.sessionTypeArchived) = results[4] else {
            Issue.record("b3 booked an archived type: \(results[4])")
            return
        }
        #expect(try f.credits("c1", "yoga") == 6)
    }
}

/// An early cancellation builds its result from what it wrote instead of reading the booking back.
@Suite struct CancelResultTests {
    @Test func earlyCancelResultIsTheStoredBooking() throws {
        let f = try Fixture()
        try f.type("pt", cost: 2, allowNegative: true)
        try f.client("c1")
        try f.issue("c1", "pt", 1)
        // One credit from the lot and one as debt: two allocations.
        try f.book("b1", "c1", "pt", startsIn: 72)
        f.nowMs += 60_000
        let cancelled = try f.run(Ledger.bookingCancel(BookingCancelParams(id: "b1"), by: f.actor))
        #expect(cancelled == (try f.ledger.booking("b1")))
        #expect(cancelled.status == .cancelledEarly && cancelled.allocations.count == 2)
        #expect(cancelled.cancelledAt == Timestamp(ms: f.nowMs) && cancelled.settlesAt == nil)
    }
}
