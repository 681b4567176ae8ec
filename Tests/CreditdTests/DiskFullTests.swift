import Foundation
import Glibc
import Testing

/// The database on a small tmpfs, filled up or made read-only: mutating requests get
/// `unavailable` (-32010, retryable), reads keep working, nothing is half-applied, and the same
/// write succeeds once space is back. Needs root to mount the tmpfs.
@Suite(.serialized, .enabled(if: SmallDisk.available, "needs root to mount a tmpfs (run the tests as root)"))
struct DiskFullTests {
    static var issue: [String: Any] { ["client": "ann", "session_type": "yoga", "credits": 5, "idempotency_key": "refill-1"] }

    /// A daemon on the real ledger whose database is on `disk`, with ann holding 3 yoga credits, 1 used.
    static func startStudio(on disk: SmallDisk, seed: Bool = true) throws -> (DaemonProcess, RPCSession) {
        let daemon = try DaemonProcess(config: LedgerDaemon.config(), extraArguments: ["--test-clock", LedgerDaemon.clockStart],
                                       prepare: disk.link(into:))
        let rpc = try RPCSession(daemon)
        if seed {
            try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
            try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
            try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 3])
            try rpc.ok("booking.create", ["id": "b1", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-10T18:00:00Z"])
        }
        return (daemon, rpc)
    }

    /// Every kind of write the studio makes fails with `unavailable`; reads answer and show no change.
    static func expectWritesUnavailableReadsWork(_ rpc: RPCSession) throws {
        let before = try snapshot(rpc)
        let writes: [(String, [String: Any])] = [
            ("credit.issue", issue),
            ("booking.create", ["id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-11T18:00:00Z"]),
            ("booking.cancel", ["id": "b1"]),
            ("client.create", ["id": "bob", "name": "Bob"]),
        ]
        for (method, params) in writes {
            let error = try rpc.fails(method, params)
            #expect(error.reason == "unavailable" && error.code == -32010, "\(method): \(error)")
        }
        #expect(try snapshot(rpc) == before)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    /// What a failed write must not change: balance, events, bookings, clients.
    static func snapshot(_ rpc: RPCSession) throws -> [Int] {
        [try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int ?? -1,
         objects(try rpc.ok("history.list", ["client": "ann"])["items"]).count,
         try rpc.ok("booking.get", ["id": "b1"])["status"] as? String == "booked" ? 1 : 0,
         objects(try rpc.ok("client.list")["items"]).count]
    }

    @Test func diskFullRefusesWritesKeepsReadsAndRecovers() throws {
        // Given a studio whose database is on a 2 MiB tmpfs
        let disk = try SmallDisk()
        let (daemon, rpc) = try Self.startStudio(on: disk)
        #expect(FileManager.default.fileExists(atPath: disk.databasePath + "-wal"), "the WAL must be on the small disk")
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 2)

        // When the disk is filled up
        try disk.fill()
        // Then writes get `unavailable`, reads work, and nothing changed
        try Self.expectWritesUnavailableReadsWork(rpc)

        // When the space is freed, then the same write succeeds, once
        try disk.free()
        #expect(objects(try rpc.ok("credit.issue", Self.issue)["lots"]).first?["quantity"] as? Int == 5)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 7)
        try rpc.ok("booking.cancel", ["id": "b1"])
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test func diskFullRefusalsAreLoggedOncePerMinuteWithTheCause() throws {
        // Given a studio on a small disk that fills up
        let disk = try SmallDisk()
        let (daemon, rpc) = try Self.startStudio(on: disk)
        try disk.fill()
        // When three writes are refused
        for index in 1...3 {
            #expect(try rpc.fails("client.create", ["id": "c\(index)", "name": "C"]).reason == "unavailable")
        }
        // Then one warning says why, and no more within the minute
        let warning = "refused a write as unavailable: database unavailable: database or disk is full"
        #expect(daemon.log.components(separatedBy: warning).count == 2, "\(daemon.log)")
        // When the daemon's clock passes a minute and another write is refused
        try rpc.ok("clock.advance", ["seconds": 61])
        #expect(try rpc.fails("client.create", ["id": "c4", "name": "C"]).reason == "unavailable")
        // Then the next warning counts the ones left out
        #expect(daemon.log.contains("(2 more refused since the last warning)"), "\(daemon.log)")
        try disk.free()
    }

    @Test func aDaemonStartedOnAFullDiskServesReads() throws {
        // Given a studio's database on a disk that filled up while the daemon was stopped
        let disk = try SmallDisk()
        let (first, _) = try Self.startStudio(on: disk)
        first.signal(SIGTERM)
        #expect(try first.waitForExit() == 0)
        try disk.fill()
        // When the daemon starts on it
        let (full, rpc) = try Self.startStudio(on: disk, seed: false)
        // Then it serves reads, refuses writes, and says why in status and the log
        try Self.expectWritesUnavailableReadsWork(rpc)
        let fault = try rpc.ok("daemon.status")["fault"] as? String
        #expect(fault?.contains("full") == true, "\(String(describing: fault))")
        #expect(full.log.contains("full"), "\(full.log)")
        try disk.free()
    }

    @Test func readOnlyDatabaseRefusesWritesKeepsReadsAndRecovers() throws {
        // Given a studio's database on a tmpfs, the daemon stopped and the disk remounted read-only
        let disk = try SmallDisk()
        let (first, _) = try Self.startStudio(on: disk)
        first.signal(SIGTERM)
        #expect(try first.waitForExit() == 0)
        try disk.remount(readOnly: true)

        // When the daemon starts on the read-only database
        // Then writes get `unavailable`, reads work, and nothing changed.
        // (the ledger opens read-only with `immutable=1`: SQLite cannot otherwise open a WAL
        // database whose -shm file a clean shutdown removed)
        let (readOnly, rpc) = try Self.startStudio(on: disk, seed: false)
        #expect(try rpc.ok("balance.get", ["client": "ann"])["total"] as? Int == 2)
        try Self.expectWritesUnavailableReadsWork(rpc)
        readOnly.signal(SIGTERM)
        #expect(try readOnly.waitForExit() == 0)

        // When the disk is writable again, then the same write succeeds
        try disk.remount(readOnly: false)
        let (recovered, again) = try Self.startStudio(on: disk, seed: false)
        #expect(objects(try again.ok("credit.issue", Self.issue)["lots"]).first?["quantity"] as? Int == 5)
        #expect(try again.ok("balance.get", ["client": "ann"])["total"] as? Int == 7)
        #expect(try again.ok("daemon.verify")["ok"] as? Bool == true)
        recovered.signal(SIGTERM)
        #expect(try recovered.waitForExit() == 0)
    }
}
