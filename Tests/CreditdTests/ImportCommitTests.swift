import Foundation
import Testing

/// Issue 14 defect 9: a large `import.commit` no longer holds the single writer.
@Suite struct ImportCommitTests {
    @Test func largeImportCommitLetsOtherClientsWritesThrough() throws {
        // Given 30,000 staged rows (a debug build commits ~2,000 rows a second)
        let daemon = try LedgerDaemon.start()
        let importer = try RPCSession(daemon)
        try importer.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try importer.ok("client.create", ["id": "ann", "name": "Ann"])
        let rows = 30_000, perCall = 5_000
        for call in 0..<(rows / perCall) {
            let batch = (0..<perCall).map { index -> [String: Any] in
                ["client": "ann", "session_type": "yoga", "credits": 1, "line": call * perCall + index + 2]
            }
            try importer.ok("import.stage", ["import": "big", "rows": batch])
        }
        // When it is committed, and meanwhile another client makes 20 writes one after the other
        let clock = ContinuousClock()
        let started = clock.now
        let committer = try LineClient(path: daemon.socketPath, timeout: .seconds(600))
        try committer.sendLine(LineClient.request("import.commit", id: 1_000, params: ["import": "big"]))
        let other = try RPCSession(daemon)
        var slowest = Duration.zero
        for index in 0..<20 {
            let before = clock.now
            try other.ok("client.create", ["id": "c\(index)", "name": "Client \(index)"])
            slowest = max(slowest, clock.now - before)
        }
        let reply = try committer.readObject()
        let importTook = clock.now - started
        // Then each of those writes waited well under a second (one bounded chunk at most), while
        // the import took longer than all of them, and issued every row
        #expect(slowest < .seconds(1), "slowest write \(slowest) while the import ran \(importTook)")
        #expect((reply["result"] as? [String: Any])?["credits"] as? Int == rows)
        #expect(try importer.ok("balance.get", ["client": "ann"])["total"] as? Int == rows)
        #expect(try importer.ok("daemon.verify")["ok"] as? Bool == true)
    }
}
