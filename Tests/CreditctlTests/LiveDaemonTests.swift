import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// creditctl against a real creditd on a test clock. Runs only when `CREDITD_BIN` names a built
/// creditd binary (e.g. `CREDITD_BIN=.build/debug/creditd swift test --filter LiveDaemon`),
/// because the creditctl branch does not contain the daemon yet.
@Suite("creditctl against a live creditd", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CREDITD_BIN"] != nil))
final class LiveDaemonTests {
    let dir: String
    let socket: String
    let daemon: Process

    init() throws {
        dir = NSTemporaryDirectory() + "creditctl-live-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        socket = dir + "/creditd.sock"
        daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CREDITD_BIN"]!)
        daemon.arguments = ["--socket", socket, "--database", dir + "/ledger.sqlite",
                            "--test-clock", "2027-01-05T09:00:00Z"]
        daemon.environment = ["TZ": "UTC", "PATH": "/usr/bin:/bin"]
        daemon.currentDirectoryURL = URL(fileURLWithPath: dir)
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
    }

    deinit {
        daemon.terminate()
        daemon.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func ctl(_ args: String...) throws -> CtlRun { try CtlRun.run(args + ["--socket", socket]) }

    /// Runs a command, expecting success, and returns its stdout.
    @discardableResult
    func ok(_ args: String...) throws -> String {
        let run = try CtlRun.run(args + ["--socket", socket])
        #expect(run.status == 0, "\(args): \(run.stderr)")
        return run.stdout
    }

    @Test func firstSessionInHumanAndJSONForm() throws {
        try ok("session-type", "create", "yoga", "Yoga")
        try ok("client", "add", "ann", "Ann Lee", "--email", "ann@example.com")
        try ok("credit", "issue", "ann", "--type", "yoga", "--credits", "5", "--expires-on", "2027-03-31", "--note", "welcome")
        let booked = try ok("book", "ann", "yoga", "2027-01-10T18:00:00Z", "--id", "b1", "--json")
        #expect(booked.contains(#""status":"booked""#))
        #expect(try ok("cancel", "b1").contains("cancelled_early"))
        #expect(try ok("balance", "ann") == """
            ann: 5 credits
            SESSION TYPE  CREDITS  ARCHIVED  NEXT EXPIRY
            yoga                5            5 credits expire 2027-03-31

            """)
        let json = try ok("balance", "ann", "--json")
        let balance = try Wire.decode(CreditProtocol.Balance.self, Array(json.utf8.dropLast()))
        #expect(balance.total == 5)
        let history = try ok("history", "ann")
        #expect(history.split(separator: "\n").count == 4)
        #expect(try ok("verify").hasPrefix("ok:"))
    }

    @Test func refusalsAndRetries() throws {
        try ok("session-type", "create", "yoga", "Yoga")
        try ok("client", "add", "bo", "Bo")
        let refused = try ctl("book", "bo", "yoga", "2027-01-10T18:00:00Z", "--id", "b1")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("insufficient_credits"))
        // The same key twice issues once.
        try ok("credit", "issue", "bo", "--type", "yoga", "--credits", "2", "--idempotency-key", "k-1")
        try ok("credit", "issue", "bo", "--type", "yoga", "--credits", "2", "--idempotency-key", "k-1")
        #expect(try ok("balance", "bo").hasPrefix("bo: 2 credits"))
        let conflict = try ctl("credit", "issue", "bo", "--type", "yoga", "--credits", "3", "--idempotency-key", "k-1")
        #expect(conflict.status == 1 && conflict.stderr.contains("idempotency_conflict"))
    }

    @Test func importIsResumableAndBadFilesChangeNothing() throws {
        try ok("session-type", "create", "yoga", "Yoga")
        for id in ["a", "b"] { try ok("client", "add", id, id.uppercased()) }
        let bad = dir + "/bad.csv"
        try "client_id,session_type,credits\na,yoga,1\nzed,yoga,1\nb,yoga,0\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let rejected = try ctl("credit", "import", bad)
        #expect(rejected.status == 5)
        #expect(rejected.stderr.contains(":4: credits must be"))
        let good = dir + "/good.csv"
        try "client_id,session_type,credits,expires_on,note\na,yoga,3,2027-06-30,\"hello, a\"\nb,yoga,1,,\n".write(toFile: good, atomically: true, encoding: .utf8)
        try ok("credit", "import", good)
        try ok("credit", "import", good)
        #expect(try ok("balance", "a").hasPrefix("a: 3 credits"))
        #expect(try ok("balance", "b").hasPrefix("b: 1 credit\n"))
    }
}
