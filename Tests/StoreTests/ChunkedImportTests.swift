import CreditProtocol
import Foundation
@testable import Store
import Testing

/// Issue 14 defect 9: `import.commit` runs in bounded transactions, all-or-nothing, crash-safe.
@Suite struct ChunkedImportTests {
    /// A file ledger with type `yoga`, clients c1 and c2, and `rows` staged rows of 1 credit for c1
    /// (row `badRow`, if any, for the unknown client zed).
    private func stagedLedger(rows: Int, badRow: Int? = nil) throws -> (Fixture, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let f = try Fixture(path: path)
        try f.type("yoga")
        try f.client("c1")
        try f.client("c2")
        var staged = 0
        while staged < rows {
            let count = min(Limits.importRowsPerCallMax, rows - staged)
            let batch = (staged..<(staged + count)).map { index in
                ImportRow(client: index + 1 == badRow ? "zed" : "c1", sessionType: "yoga", credits: 1,
                          expiresOn: "2027-01-31", line: index + 2)
            }
            _ = try f.run(Ledger.importStage(ImportStageParams(import: "i1", rows: batch), by: f.actor))
            staged += count
        }
        return (f, path)
    }

    private func stagedRowCount(_ ledger: Ledger) throws -> Int {
        try ledger.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_row") ?? 0 }
    }

    @Test func importCommitAppliesInBoundedTransactionsAllOrNothing() throws {
        // Given 2,500 staged rows
        let (f, _) = try stagedLedger(rows: 2_500)
        var transactions = 0
        // When committed 1,000 rows per transaction
        let result = try f.ledger.commitImport(ImportCommitParams(import: "i1", idempotencyKey: "k1"), by: f.actor,
                                               nowMs: { f.nowMs }, rowsPerTransaction: 1_000,
                                               continueAfterTransaction: { transactions += 1; return true })
        // Then every row is issued, in 3 checking and 3 applying transactions, and the staging is gone
        #expect(result == ImportResult(import: "i1", rows: 2_500, credits: 2_500, committed: true))
        #expect(transactions == 6)
        #expect(try f.credits("c1", "yoga") == 2_500)
        #expect(try stagedRowCount(f.ledger) == 0)
        #expect(try f.ledger.verify().ok)
        // And the key replays the result without issuing again
        let replay = try f.ledger.commitImport(ImportCommitParams(import: "i1", idempotencyKey: "k1"), by: f.actor,
                                               nowMs: { f.nowMs })
        #expect(replay == result)
        #expect(try f.credits("c1", "yoga") == 2_500)
    }

    @Test func importCommitWithABadRowInTheLastChunkIssuesNothing() throws {
        // Given 2,500 staged rows, row 2,400 for an unknown client
        let (f, _) = try stagedLedger(rows: 2_500, badRow: 2_400)
        // When committed 1,000 rows per transaction
        let failure = error { try f.ledger.commitImport(ImportCommitParams(import: "i1"), by: f.actor,
                                                        nowMs: { f.nowMs }, rowsPerTransaction: 1_000) }
        // Then it fails naming the line, nothing was issued, and the rows are still staged
        guard case .notFound(let message) = failure else {
            Issue.record("expected not_found, got \(String(describing: failure))")
            return
        }
        #expect(message.hasPrefix("line 2401:"))
        #expect(try f.credits("c1", "yoga") == 0)
        #expect(try stagedRowCount(f.ledger) == 2_500)
        #expect(try f.run(Ledger.importAbort(ImportCommitParams(import: "i1"), by: f.actor)).rows == 2_500)
    }

    @Test func importCommitInterruptedWhileCheckingLeavesNothingAndCanBeRetried() throws {
        // Given 2,500 staged rows and a commit that stops (as a kill -9 would) after one checking chunk
        var (f, path) = try stagedLedger(rows: 2_500)
        var allowed = 1
        let stopped = try f.ledger.commitImport(ImportCommitParams(import: "i1"), by: f.actor, nowMs: { f.nowMs },
                                                rowsPerTransaction: 1_000,
                                                continueAfterTransaction: { allowed -= 1; return allowed >= 0 })
        #expect(stopped == nil)
        // When the ledger is opened again and recovers
        f = try Fixture(path: path)
        #expect(try f.ledger.recoverImports(nowMs: { f.nowMs }).isEmpty)
        // Then nothing was issued, the rows are staged, and the commit can run again
        #expect(try f.credits("c1", "yoga") == 0)
        #expect(try stagedRowCount(f.ledger) == 2_500)
        #expect(try f.ledger.commitImport(ImportCommitParams(import: "i1"), by: f.actor, nowMs: { f.nowMs })?.credits == 2_500)
        #expect(try f.ledger.verify().ok)
    }

    @Test func importCommitInterruptedWhileApplyingIsFinishedAtTheNextStart() throws {
        // Given 2,500 staged rows and a commit that stops after its first applying chunk
        var (f, path) = try stagedLedger(rows: 2_500)
        var allowed = 4
        let stopped = try f.ledger.commitImport(ImportCommitParams(import: "i1", idempotencyKey: "k1"), by: f.actor,
                                                nowMs: { f.nowMs }, rowsPerTransaction: 1_000,
                                                continueAfterTransaction: { allowed -= 1; return allowed >= 0 })
        #expect(stopped == nil)
        #expect(try f.credits("c1", "yoga") == 1_000)
        // And stage, abort and a second commit of it are refused meanwhile
        let refused = error { try f.run(Ledger.importAbort(ImportCommitParams(import: "i1"), by: f.actor)) }
        #expect(refused == .invalidState("import i1 is being committed"))
        // When the ledger is opened again and recovers
        f = try Fixture(path: path)
        #expect(try f.ledger.recoverImports(nowMs: { f.nowMs }) == ["i1"])
        // Then every row is issued exactly once, the invariants hold and the key replays the result
        #expect(try f.credits("c1", "yoga") == 2_500)
        #expect(try stagedRowCount(f.ledger) == 0)
        #expect(try f.ledger.verify().ok)
        let replay = try f.ledger.commitImport(ImportCommitParams(import: "i1", idempotencyKey: "k1"), by: f.actor,
                                               nowMs: { f.nowMs })
        #expect(replay == ImportResult(import: "i1", rows: 2_500, credits: 2_500, committed: true))
    }
}
