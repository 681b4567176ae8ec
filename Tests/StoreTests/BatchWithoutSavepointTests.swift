import CreditProtocol
import Foundation
import Synchronization
import Testing
@testable import Store

/// A value as JSON with sorted keys (dictionaries print in no fixed order).
private func json(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}

/// `performBatch` runs operations without savepoints while it can; a batch must still give exactly
/// the results, events and final state of running its operations one at a time.
@Suite struct BatchWithoutSavepointTests {
    /// The published events (commit hook) of a fixture, in order.
    final class Published: Sendable {
        let items = Mutex<[String]>([])
        func attach(_ ledger: Ledger) { ledger.setCommitHook { new in self.items.withLock { $0 += new.map(json) } } }
    }

    private func setUp(_ f: Fixture) throws {
        try f.type("yoga")
        try f.client("c1")
        try f.client("c2")  // no credits: a booking for c2 fails after writing its booking row
        try f.issue("c1", "yoga", 5)
    }

    private func book(_ f: Fixture, _ id: String, _ client: String, dryRun: Bool? = nil,
                      key: String? = nil) -> LedgerOperation<String> {
        Ledger.bookingCreate(BookingCreateParams(id: id, client: client, sessionType: "yoga",
                                                 startsAt: Timestamp(ms: f.nowMs + 86_400_000 * 3),
                                                 dryRun: dryRun, idempotencyKey: key), by: f.actor).map { "\($0)" }
    }

    /// Successes, failures before any write (validation, insufficient balance at cancel, idempotency
    /// conflict), failures after a write (insufficient credits after the booking row), a dry run.
    private func mixedBatch(_ f: Fixture) -> [LedgerOperation<String>] {
        [
            book(f, "b2", "c2"),  // fails after writing, first in the batch
            book(f, "b1", "c1", key: "k1"),
            book(f, "", "c1"),  // validation: nothing written
            book(f, "b3", "c2"),  // fails after writing
            book(f, "b4", "c1", dryRun: true),
            book(f, "b1", "c1", key: "k1"),  // an idempotent repeat: the first result
            book(f, "b5", "c1", key: "k1"),  // idempotency conflict: nothing written
            book(f, "b1", "c1"),  // already exists: the insert fails, nothing written
            Ledger.bookingCancel(BookingCancelParams(id: "b1"), by: f.actor).map { "\($0)" },
            Ledger.bookingCancel(BookingCancelParams(id: "missing"), by: f.actor).map { "\($0)" },
            book(f, "b6", "nobody"),  // not_found from the foreign key
            book(f, "b7", "c1"),
            book(f, "b8", "c2"),  // fails after writing, last
        ]
    }

    private func describe(_ results: [Result<String, LedgerError>]) -> [String] {
        results.map { result in
            switch result {
            case .success(let value): return "ok \(value)"
            case .failure(let error): return "error \(error)"
            }
        }
    }

    private func state(_ f: Fixture) throws -> [String] {
        try ["c1", "c2"].flatMap { client in
            try [json(f.balance(client))] + f.events(client).map(json)
        }
    }

    @Test func aMixedBatchMatchesOneOperationAtATime() throws {
        // Given two identical ledgers
        let batched = try Fixture(), single = try Fixture()
        try setUp(batched)
        try setUp(single)
        let batchedEvents = Published(), singleEvents = Published()
        batchedEvents.attach(batched.ledger)
        singleEvents.attach(single.ledger)

        // When one runs the operations as one batch and the other one at a time
        let batchResults = batched.ledger.performBatch(mixedBatch(batched), nowMs: batched.nowMs)
        let singleResults = mixedBatch(single).map { single.ledger.performBatch([$0], nowMs: single.nowMs)[0] }

        // Then the results, the published events and the final state are the same
        #expect(describe(batchResults) == describe(singleResults))
        #expect(batchedEvents.items.withLock { $0 } == singleEvents.items.withLock { $0 })
        #expect(try state(batched) == state(single))
        #expect(try batched.assertConsistent(["c1", "c2"]))
        // and the failures are the expected ones
        #expect(batchResults[0].failureReason == .insufficientCredits)
        #expect(batchResults[2].failureReason == .invalidParams)
        #expect(batchResults[3].failureReason == .insufficientCredits)
        #expect(batchResults[6].failureReason == .idempotencyConflict)
        #expect(batchResults[7].failureReason == .alreadyExists)
        #expect(batchResults[12].failureReason == .insufficientCredits)
        #expect((try? batchResults[11].get()) != nil)
        #expect(try batched.credits("c1", "yoga") == 4)
    }

    @Test func aBatchOfOneFailingAfterWritingLeavesNothing() throws {
        // Given a client without credits
        let f = try Fixture()
        try setUp(f)
        let before = try state(f)
        // When its booking fails after the booking row was written
        let results = f.ledger.performBatch([book(f, "b1", "c2")], nowMs: f.nowMs)
        // Then nothing of it remains
        #expect(results[0].failureReason == .insufficientCredits)
        #expect(try state(f) == before)
        #expect(error { try f.ledger.booking("b1") } != nil)
    }
}
