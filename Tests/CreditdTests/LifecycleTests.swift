import Foundation
import Glibc
import Testing

/// Start-up, config checking, signals and socket safety.
@Suite struct LifecycleTests {
    @Test func sigtermFinishesInFlightRequestsThenExitsZero() throws {
        // Given a slow request in flight: a batch of 256 daemon.verify calls, which run one after
        // another on the slow-read queue, over a ledger of 100 clients with credits
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        #expect(try client.call("session_type.create", params: ["id": "t", "name": "T"]).result != nil)
        let setup = (0..<100).flatMap { (index: Int) in [
            LineClient.request("client.create", id: 2 * index, params: ["id": "c\(index)", "name": "C"]),
            LineClient.request("credit.issue", id: 2 * index + 1, params: ["client": "c\(index)", "session_type": "t", "credits": 5]),
        ] }
        try client.sendLine("[" + setup.joined(separator: ",") + "]")
        #expect((try client.readJSON() as? [[String: Any]])?.allSatisfy { $0.result != nil } == true)
        let verifies = (0..<256).map { LineClient.request("daemon.verify", id: $0) }
        try client.sendLine("[" + verifies.joined(separator: ",") + "]")
        // (the third line this connection sent: the session type, the setup batch, the verifies)
        try DaemonProcess.waitUntil("the request to be dispatched") {
            daemon.log.components(separatedBy: "dispatch bytes=").count > 3
        }
        // When SIGTERM arrives
        daemon.signal(SIGTERM)
        // Then the whole reply still arrives, the connection closes, and the daemon exits 0
        let replies = try #require(try client.readJSON() as? [[String: Any]])
        #expect(replies.count == 256 && replies.allSatisfy { ($0.result?["ok"] as? Bool) == true })
        #expect(try client.readLine() == nil)
        #expect(try daemon.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test func sighupKeepsOldConfigWhenNewIsInvalid() throws {
        // Given a daemon whose config makes the test user a viewer
        let me = AccessTests.me
        let daemon = try DaemonProcess(config: "[access]\nviewer = [\"\(me)\"]\nowner = [\"\(LedgerDaemon.absentOwner)\"]\n")
        let configURL = daemon.directory.appendingPathComponent("creditd.toml")
        let create: [String: Any] = ["id": "h1", "name": "H"]
        #expect(try daemon.connect().call("client.create", params: create).errorReason == "permission_denied")
        // When the config is replaced by an invalid one and SIGHUP sent
        try "[access]\nowner = [\"\(me)\"]\nbogus = 1\n".write(to: configURL, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try DaemonProcess.waitUntil("the reload to be refused") { daemon.log.contains("keeping the previous config") }
        // Then the old config still rules
        #expect(try daemon.connect().call("client.create", params: create).errorReason == "permission_denied")
        // When a valid one replaces it and SIGHUP is sent
        try "[access]\nowner = [\"\(me)\"]\n".write(to: configURL, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try DaemonProcess.waitUntil("the reload") { daemon.log.contains("config reloaded") }
        // Then the new one applies
        #expect(try daemon.connect().call("client.create", params: create).result != nil)
    }

    @Test func refusesToStartOnALiveSocket() throws {
        // Given a daemon serving a socket
        let first = try DaemonProcess()
        // When a second daemon is started on the same socket
        let second = Process()
        second.executableURL = try DaemonProcess.binary()
        second.arguments = ["--socket", first.socketPath, "--test-clock", LedgerDaemon.clockStart,
                            "--database", first.directory.appendingPathComponent("second.sqlite").path]
        second.currentDirectoryURL = first.directory
        second.standardError = FileHandle.nullDevice
        try second.run()
        second.waitUntilExit()
        // Then it refuses with exit 1 and the first keeps serving
        #expect(second.terminationStatus == 1)
        #expect(try first.connect().call("daemon.status").result != nil)
    }

    @Test func replacesAStaleSocket() throws {
        // Given a socket file nobody listens on (a crashed daemon's) at the daemon's path
        var stalePath = ""
        // When a daemon is started on it
        let daemon = try DaemonProcess(prepare: { directory in
            stalePath = directory.appendingPathComponent("creditd.sock").path
            try Self.makeStaleSocket(at: stalePath)
            #expect(FileManager.default.fileExists(atPath: stalePath))
        })
        // Then it serves there, with mode 0660
        #expect(daemon.socketPath == stalePath)
        #expect(try daemon.connect().call("daemon.status").result != nil)
        var info = stat()
        #expect(stat(stalePath, &info) == 0 && info.st_mode & 0o777 == 0o660)
    }

    static func makeStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, 1, 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
    }

    @Test func checkConfigReportsProblemsWithLines() throws {
        // Given a config with an unknown key, a bad zone and an unknown permission
        let bad = """
            [studio]
            time_zone = "Nowhere/Special"
            [roles.desk]
            permissions = ["read", "fly"]
            [daemon]
            sockett = "/tmp/x.sock"
            """
        // When it is checked
        let (status, output) = try Self.checkConfig(bad)
        // Then exit is 1 and each problem is named with its line
        #expect(status == 1)
        #expect(output.contains("line 2:") && output.contains("Nowhere/Special"))
        #expect(output.contains("line 4:") && output.contains("fly"))
        #expect(output.contains("line 6:") && output.contains("sockett"))
        // And a TOML syntax error is reported with its line
        let (syntaxStatus, syntaxOutput) = try Self.checkConfig("[studio]\ncurrency = \n")
        #expect(syntaxStatus == 1 && syntaxOutput.contains("line 2"))
        // And a good config passes
        let good = """
            [studio]
            time_zone = "Europe/Berlin"
            currency = "EUR"
            [daemon]
            socket = "/run/creditd/creditd.sock"
            database = "/var/lib/creditd/ledger.sqlite"
            idempotency_retention_days = 30
            [access]
            owner = ["alice", "@creditd-admin"]
            trainer = ["bob"]
            frontdesk = ["carol"]
            [roles.frontdesk]
            permissions = ["read", "book", "cancel"]
            """
        #expect(try Self.checkConfig(good).status == 0)
    }

    static func checkConfig(_ text: String) throws -> (status: Int32, output: String) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-check-\(UUID().uuidString).toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = try DaemonProcess.binary()
        process.arguments = ["--config", url.path, "--check-config"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
