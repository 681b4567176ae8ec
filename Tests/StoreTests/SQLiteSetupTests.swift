import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

/// The process-wide SQLite settings must not break large transactions.
@Suite struct SQLiteSetupTests {
    @Test func aStatementJournalOfTensOfMegabytesSpillsInsteadOfFailing() throws {
        // Given a file ledger (its writer runs with SQLiteSetup's settings)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = try Ledger(path: dir.appendingPathComponent("ledger.sqlite").path,
                                studio: Studio(timeZone: "UTC", currency: "EUR"))
        #expect(SQLiteSetup.applied.statementJournalChunks)

        // When one statement in a savepoint rewrites ~20 MiB of pages the transaction already changed
        // (its statement journal holds them all: with an 8 MiB spill setting, SQLite 3.40 failed
        // this with "database or disk is full", as it failed schema v4 on a 10M-event ledger)
        let rows = try ledger.writer.write { db -> Int in
            try db.execute(sql: "CREATE TABLE bulk (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
                INSERT INTO bulk (id, body) SELECT i, printf('%400d', i) FROM n
                """)
            try db.inSavepoint {
                try db.execute(sql: "UPDATE bulk SET body = body || 'x'")
                return .commit
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bulk WHERE body LIKE '%x'") ?? 0
        }

        // Then it committed, every row changed
        #expect(rows == 50000)
    }
}
