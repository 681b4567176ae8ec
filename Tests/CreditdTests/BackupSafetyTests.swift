import Foundation
import Glibc
import Testing

/// `daemon.backup` writes a new file inside the backups directory and nowhere else, readable by
/// the owner only (issue 14, defect 8).
@Suite struct BackupSafetyTests {
    /// A directory outside the daemon's, removed at the end.
    final class Outside {
        let url: URL
        init() throws {
            var template = Array("/tmp/creditd-outside-XXXXXX".utf8CString)
            guard let path = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
            url = URL(fileURLWithPath: String(cString: path))
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    static func backups(of daemon: DaemonProcess) -> URL { daemon.directory.appendingPathComponent("backups") }

    @Test func backupRefusesALinkPlantedAtItsName() throws {
        // Given links planted in backups/: one to an existing file outside, one dangling
        let outside = try Outside()
        try "precious".write(toFile: outside.path("precious.txt"), atomically: true, encoding: .utf8)
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        let backups = Self.backups(of: daemon)
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: backups.appendingPathComponent("a.sqlite").path,
                                                   withDestinationPath: outside.path("precious.txt"))
        try FileManager.default.createSymbolicLink(atPath: backups.appendingPathComponent("b.sqlite").path,
                                                   withDestinationPath: outside.path("planted.sqlite"))
        // When backups are asked for under those names
        // Then each is already_exists and nothing outside is written or created
        for name in ["a.sqlite", "b.sqlite"] {
            let error = try rpc.fails("daemon.backup", ["path": name])
            #expect(error.reason == "already_exists", "\(name): \(error)")
        }
        #expect(try String(contentsOfFile: outside.path("precious.txt"), encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: outside.path("planted.sqlite")))
    }

    @Test func backupRefusesASymlinkedBackupsDirectory() throws {
        // Given backups/ itself a link to a directory outside
        let outside = try Outside()
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try FileManager.default.createSymbolicLink(atPath: Self.backups(of: daemon).path, withDestinationPath: outside.url.path)
        // When a backup is asked for
        let error = try rpc.fails("daemon.backup", ["path": "nightly.sqlite"])
        // Then it is refused, saying why, and nothing lands outside
        #expect(error.reason == "unavailable" && error.message?.contains("symbolic link") == true, "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.url.path).isEmpty)
    }

    @Test func backupJournalIsNotWrittenThroughAPlantedLink() throws {
        // Given a link planted where SQLite would put the backup's rollback journal
        let outside = try Outside()
        try "precious".write(toFile: outside.path("precious.txt"), atomically: true, encoding: .utf8)
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        let backups = Self.backups(of: daemon)
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: backups.appendingPathComponent("n.sqlite-journal").path,
                                                   withDestinationPath: outside.path("precious.txt"))
        // When the backup is taken, then it succeeds and the file outside is untouched
        try rpc.ok("daemon.backup", ["path": "n.sqlite"])
        #expect(try String(contentsOfFile: outside.path("precious.txt"), encoding: .utf8) == "precious")
    }

    @Test func backupIsOwnerOnlyWhateverTheUmaskAndReportsItsRealSize() throws {
        // Given a daemon started under umask 0
        let daemon = try LedgerDaemon.start(launcher: FaultTests.withoutUmask)
        let rpc = try RPCSession(daemon)
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        // When it takes a backup
        let result = try rpc.ok("daemon.backup", ["path": "nightly.sqlite"])
        // Then the file is 0600 in a 0750 directory, and the size reported is the file's
        let path = try #require(result["path"] as? String)
        var file = stat()
        var directory = stat()
        #expect(stat(path, &file) == 0 && stat(Self.backups(of: daemon).path, &directory) == 0)
        #expect(file.st_mode & 0o777 == 0o600, "\(String(file.st_mode & 0o777, radix: 8))")
        #expect(directory.st_mode & 0o777 == 0o750, "\(String(directory.st_mode & 0o777, radix: 8))")
        #expect(result["bytes"] as? Int == Int(file.st_size) && file.st_size > 0)
    }
}
