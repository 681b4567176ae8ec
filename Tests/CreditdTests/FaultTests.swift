import Foundation
import Glibc
import Testing

/// Faults of the machine around the daemon (issue 14): the database removed while serving, a
/// second daemon on the same database. Each runs the real binary on the real ledger.
@Suite struct FaultTests {
    /// A daemon whose database sits in `state/` of its directory, so the state can be removed
    /// while the socket and log stay.
    static func startWithStateDirectory() throws -> (DaemonProcess, RPCSession, URL) {
        var state: URL?
        let daemon = try DaemonProcess(config: LedgerDaemon.config(), extraArguments: [
            "--test-clock", LedgerDaemon.clockStart,
        ], prepare: { directory in
            state = directory.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state!, withIntermediateDirectories: true)
        }, arguments: { directory in ["--database", directory.appendingPathComponent("state/ledger.sqlite").path] })
        return (daemon, try RPCSession(daemon), try #require(state))
    }

    @Test func writesIntoARemovedDatabaseAreRefusedNotAcknowledged() throws {
        // Given a serving daemon that has stored a client
        let (daemon, rpc, state) = try Self.startWithStateDirectory()
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        #expect(try rpc.ok("daemon.status")["fault"] is NSNull)

        // When its database directory is removed (rm -rf) while it serves
        try FileManager.default.removeItem(at: state)

        // Then the next write is unavailable, not acknowledged into the unlinked file
        let refused = try rpc.fails("client.create", ["id": "bob", "name": "Bob"])
        #expect(refused.reason == "unavailable", "\(refused)")
        #expect(refused.message?.contains("removed") == true, "\(refused)")
        // And so is every later write, even after the directory is back
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        #expect(try rpc.fails("client.create", ["id": "cy", "name": "Cy"]).reason == "unavailable")
        // And status and verify say what is wrong, and the log has it at error
        let status = try rpc.ok("daemon.status")
        #expect((status["fault"] as? String)?.contains("removed") == true, "\(status)")
        let verify = try rpc.ok("daemon.verify")
        #expect(verify["ok"] as? Bool == false)
        #expect(objects(verify["violations"]).first?["check"] as? String == "database_file")
        #expect(daemon.log.contains("<3>the database file"), "\(daemon.log)")
        // And no second error line: it is logged once
        #expect(daemon.log.components(separatedBy: "<3>the database file").count == 2)
    }

    @Test func aReplacedDatabaseFileIsFoundBeforeTheWriteIsAcknowledged() throws {
        // Given a serving daemon
        let (daemon, rpc, state) = try Self.startWithStateDirectory()
        defer { withExtendedLifetime(daemon) {} }
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        // When another file is moved over its database (a restore done without stopping it)
        let database = state.appendingPathComponent("ledger.sqlite").path
        let copy = state.appendingPathComponent("copy.sqlite").path
        #expect(try run("/bin/cp", [database, copy]).status == 0)
        #expect(rename(copy, database) == 0)
        // Then the next write is refused
        let refused = try rpc.fails("client.create", ["id": "bob", "name": "Bob"])
        #expect(refused.reason == "unavailable" && refused.message?.contains("replaced") == true, "\(refused)")
    }

    @Test func aSecondDaemonOnTheSameDatabaseRefusesToStart() throws {
        // Given a daemon serving a database
        let first = try LedgerDaemon.start()
        let database = first.directory.appendingPathComponent("ledger.sqlite").path
        // When a second daemon is started on the same database with a socket of its own
        let second = try DaemonProcess(config: LedgerDaemon.config(), waitUntilServing: false,
                                       arguments: { _ in ["--database", database] })
        // Then it exits non-zero, naming the database and the first daemon's pid
        #expect(try second.waitForExit() != 0)
        #expect(second.log.contains("already serving the database \(database)"), "\(second.log)")
        #expect(second.log.contains("pid \(first.process.processIdentifier)"), "\(second.log)")
        #expect(!FileManager.default.fileExists(atPath: second.socketPath))
        // And the first still serves
        #expect(try RPCSession(first).ok("client.create", ["id": "ann", "name": "Ann"])["id"] as? String == "ann")
        // When the first stops, then a daemon can start on the database again
        first.signal(SIGTERM)
        #expect(try first.waitForExit() == 0)
        let third = try DaemonProcess(config: LedgerDaemon.config(),
                                      arguments: { _ in ["--database", database] })
        #expect(try RPCSession(third).ok("client.get", ["id": "ann"])["name"] as? String == "Ann")
    }

    /// Runs creditd through a shell that clears the umask first.
    static func withoutUmask(_ socketPath: String) -> [String] {
        ["/bin/sh", "-c", "umask 0; exec \"$0\" \"$@\""]
    }

    @Test func theDatabaseAndItsWALAreCreatedGroupReadableOnlyWhateverTheUmask() throws {
        // Given a daemon started under umask 0, which creates its database and writes
        let daemon = try LedgerDaemon.start(launcher: Self.withoutUmask)
        try RPCSession(daemon).ok("client.create", ["id": "ann", "name": "Ann"])
        // Then the database and its -wal are 0640, not world-readable
        for name in ["ledger.sqlite", "ledger.sqlite-wal"] {
            var info = stat()
            #expect(stat(daemon.directory.appendingPathComponent(name).path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o640, "\(name): \(String(info.st_mode & 0o777, radix: 8))")
        }
    }
}
