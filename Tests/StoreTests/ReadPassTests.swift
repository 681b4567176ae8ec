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

    @Test func readsInOnePassShareATransactionThatEndsAtTheNextCommitOrTheLoopsEnd() throws {
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

        // When reads run with no commit between them
        #expect(try f.balance("c1").total == 2)
        #expect(try f.ledger.history(HistoryParams(client: "c1")).items.count == 1)
        // Then they share one transaction (one end queued), and history's own snapshot runs inside it
        #expect(pass.isInTransaction && queue.ends.count == 1)

        // When a booking commits (from any thread: replies go out after the commit is counted)
        try f.book("b1", "c1", "yoga")
        // Then the next read of the pass starts a new transaction that sees it
        #expect(try f.balance("c1").total == 1)
        #expect(try f.ledger.history(HistoryParams(client: "c1")).items.count == 2)
        #expect(queue.ends.count == 2)

        // When the loop runs the ends it was handed, Then no transaction is left open
        queue.runAll()
        #expect(!pass.isInTransaction)

        // And once removed, reads go back to the shared connections and queue nothing
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
