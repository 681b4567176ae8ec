import Foundation
import GRDB
import Testing
@testable import Store

/// The VFS that gathers WAL writes (Sources/CWALWrites) must be invisible: every committed
/// transaction is in the file before the commit returns, whatever `synchronous` says, and what a
/// transaction spills and reads back is what it wrote.
@Suite struct WALWritesTests {
    private static func temporaryPath() throws -> (dir: URL, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent("wal.sqlite").path)
    }

    /// A connection through the VFS (the ledger's writer opens its database this way).
    private static func gathering(_ path: String, synchronous: String, cachePages: Int = 2000) throws -> DatabaseQueue {
        #expect(SQLiteSetup.applied.walWritesRegistered)
        let queue = try DatabaseQueue(path: SQLiteSetup.databaseURI(path: path))
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            try db.execute(sql: "PRAGMA cache_size = \(cachePages)")
        }
        return queue
    }

    @Test(arguments: ["NORMAL", "FULL"])
    func everyCommitIsInTheFileBeforeItReturns(synchronous: String) throws {
        // Given a WAL database written through the VFS, and a plain connection reading the file
        let (dir, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try Self.gathering(path, synchronous: synchronous)
        try writer.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        let reader = try DatabaseQueue(path: path)

        // When transactions of one to three rows, small to several pages and 128 KiB multiples
        // (the unix VFS's write-size edge), commit one after another
        let sizes = [10, 4000, 131_072, 262_144, 300_001, 70]
        var rows = 0
        var bytes = 0
        for transaction in 0..<60 {
            try writer.write { db in
                for row in 0...(transaction % 3) {
                    let size = sizes[(transaction + row) % sizes.count]
                    try db.execute(sql: "INSERT INTO t (body) VALUES (zeroblob(?))", arguments: [size])
                    try db.execute(sql: "UPDATE t SET body = randomblob(?) WHERE id = last_insert_rowid()",
                                   arguments: [size])
                    rows += 1
                    bytes += size
                }
            }
            // Then the other connection sees each one as soon as it returned
            let seen = try reader.read { db in
                try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM t")!
            }
            #expect(seen[0] as Int == rows && seen[1] as Int == bytes, "after transaction \(transaction)")
        }
        let sameBodies = try writer.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM t ORDER BY id")
        } == reader.read { db in try Data.fetchAll(db, sql: "SELECT body FROM t ORDER BY id") }
        #expect(sameBodies)
        #expect(try reader.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }

    @Test func aTransactionBiggerThanTheBufferThatSpillsReadsBackWhatItWrote() throws {
        // Given a writer whose page cache holds 20 pages, so a big transaction spills to the WAL
        let (dir, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try Self.gathering(path, synchronous: "FULL", cachePages: 20)

        // When one transaction writes ~12 MiB (three times the buffer), then rewrites every row,
        // reading each back as it goes
        let total = try writer.write { db -> Int in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
                INSERT INTO t (id, body) SELECT i, printf('%400d', i) FROM n
                """)
            try db.execute(sql: "UPDATE t SET body = body || '-' || id")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t WHERE body = printf('%400d', id) || '-' || id") ?? 0
        }

        // Then it saw its own writes, and after closing, a plain connection reads the same rows
        #expect(total == 30000)
        try writer.close()
        let reader = try DatabaseQueue(path: path)
        #expect(try reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t WHERE body = printf('%400d', id) || '-' || id")
        } == 30000)
        #expect(try reader.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }
}
