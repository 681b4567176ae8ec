import CreditProtocol
import Foundation
import Testing
@testable import Store

/// `ReadPass`: the hot reads of one pass of a thread's work loop share one transaction, which
/// ends when the loop runs the end it was handed.
@Suite struct ReadPassTests {
    /// The ends a pass queued, run when the test says (as the event loop would after its pass).
    final class Queue: @unchecked Sendable {
        var ends: [@Sendable () -> Void] = []
        func runAll() {
            let due = ends
            ends = []
            for end in due { end() }
        }
    }

    @Test func readsInOnePassShareASnapshotUntilTheLoopEndsIt() throws {
        // Given a file ledger (reads use connections of their own) and c1 with 2 credits
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-pass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try Fixture(path: dir.appendingPathComponent("ledger.sqlite").path)
        try f.type("yoga")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        let queue = Queue()
        let pass = try #require(f.ledger.installReadPass(scheduleEnd: { queue.ends.append($0) }))
        defer { f.ledger.removeReadPass() }

        // When a read runs, then a booking commits, then the same pass reads again
        #expect(try f.balance("c1").total == 2)
        #expect(pass.isInTransaction && queue.ends.count == 1)
        try f.book("b1", "c1", "yoga")
        // Then the pass still sees the state of its first read (one transaction, one end queued),
        // and a multi-statement read (history) runs inside it without a transaction of its own
        #expect(try f.balance("c1").total == 2)
        #expect(queue.ends.count == 1)
        #expect(try f.ledger.history(HistoryParams(client: "c1")).items.count == 1)

        // When the loop runs the end it was handed
        queue.runAll()
        // Then the next read opens a new transaction that sees the booking
        #expect(!pass.isInTransaction)
        #expect(try f.balance("c1").total == 1)
        #expect(try f.ledger.history(HistoryParams(client: "c1")).items.count == 2)
        #expect(queue.ends.count == 1)
        queue.runAll()

        // And once removed, reads go back to the shared connections and see the latest state
        f.ledger.removeReadPass()
        try f.book("b2", "c1", "yoga")
        #expect(try f.balance("c1").total == 0)
        #expect(queue.ends.isEmpty)
    }

    @Test func anInMemoryLedgerInstallsNoPass() throws {
        // Given an in-memory ledger (reads borrow GRDB's connection)
        let f = try Fixture()
        // When a pass is asked for, Then none is installed and reads work as before
        #expect(f.ledger.installReadPass(scheduleEnd: { _ in }) == nil)
        try f.client("c1")
        #expect(try f.balance("c1").total == 0)
    }
}
