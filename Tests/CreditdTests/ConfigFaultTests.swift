import Foundation
import Glibc
import Testing
import CreditProtocol

/// Configs that used to be accepted silently, and what a reload does to access already granted
/// (issue 14, defects 6 and 7).
@Suite struct ConfigFaultTests {
    static let me = LedgerDaemon.me

    @Test func checkConfigRefusesANulByteWithItsLine() throws {
        // Given a config whose third line starts with a NUL byte (the parser would stop there)
        let text = "[studio]\ncurrency = \"EUR\"\n\u{0}[access]\nowner = [\"root\"]\n"
        // When it is checked, then it is refused, naming the line
        let (status, output) = try LifecycleTests.checkConfig(text)
        #expect(status == 1)
        #expect(output.contains("line 3") && output.contains("NUL"), "\(output)")
    }

    @Test func checkConfigRefusesAnEmptyConfig() throws {
        // Given configs that set nothing: empty, or comments only
        for text in ["", "# nothing here yet\n\n"] {
            // When checked, then refused with the reason
            let (status, output) = try LifecycleTests.checkConfig(text)
            #expect(status == 1 && output.contains("sets nothing"), "\(text.debugDescription): \(output)")
        }
    }

    @Test func checkConfigRefusesAConfigThatMapsNobodyToOwner() throws {
        // Given configs where nobody holds owner (or a role with every permission)
        let ownerless = [
            "[access]\nviewer = [\"ann\"]\n",
            "[studio]\ncurrency = \"EUR\"\n",
            "[access]\nboss = [\"ann\"]\n[roles.boss]\npermissions = [\"read\", \"backup\"]\n",
        ]
        for text in ownerless {
            // When checked, then refused, saying who is missing
            let (status, output) = try LifecycleTests.checkConfig(text)
            #expect(status == 1 && output.contains("nobody") && output.contains("owner"), "\(text): \(output)")
        }
        #expect(try LifecycleTests.checkConfig("[access]\nviewer = [\"ann\"]\n").output.contains("line 1"))
        // And owner given to a group, or a custom role with every permission, is fine
        let all = Permission.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        for text in ["[access]\nowner = [\"@wheel\"]\n", "[access]\nboss = [\"ann\"]\n[roles.boss]\npermissions = [\(all)]\n"] {
            let (status, output) = try LifecycleTests.checkConfig(text)
            #expect(status == 0, "\(text): \(output)")
        }
    }

    @Test func aReloadOfAFileStartingWithNulKeepsTheOldConfig() throws {
        // Given a daemon on which the test's user is owner
        let daemon = try DaemonProcess(config: LedgerDaemon.config())
        let configURL = daemon.directory.appendingPathComponent("creditd.toml")
        // When the config is replaced by one starting with a NUL byte and SIGHUP is sent
        try Data([0] + Array(LedgerDaemon.config(role: "viewer").utf8)).write(to: configURL)
        daemon.signal(SIGHUP)
        try DaemonProcess.waitUntil("the reload to be refused") { daemon.log.contains("keeping the previous config") }
        // Then the log says why, and the owner may still write
        #expect(daemon.log.contains("NUL"), "\(daemon.log)")
        #expect(try daemon.connect().call("client.create", params: ["id": "x", "name": "X"]).result != nil)
    }

    /// Writes `config`, sends SIGHUP and waits for the `count`-th successful reload.
    static func reload(_ daemon: DaemonProcess, to config: String, count: Int) throws {
        try config.write(to: daemon.directory.appendingPathComponent("creditd.toml"), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try DaemonProcess.waitUntil("reload \(count)") {
            daemon.log.components(separatedBy: "config reloaded").count > count
        }
    }

    @Test func aSubscriberWhoseRoleIsRemovedOnReloadStopsReceivingEvents() throws {
        // Given the test's user as owner, with one connection subscribed to events and one writing
        let daemon = try DaemonProcess(config: LedgerDaemon.config())
        let subscriber = try daemon.connect()
        #expect(try subscriber.call("events.subscribe").result != nil)
        let writer = try daemon.connect()
        #expect(try writer.call("session_type.create", id: 0, params: ["id": "yoga", "name": "Yoga"]).result != nil)
        #expect(try writer.call("client.create", id: 1, params: ["id": "ann", "name": "Ann"]).result != nil)

        // When a reload makes the user a trainer (still allowed to read, no longer to manage clients)
        try Self.reload(daemon, to: LedgerDaemon.config(role: "trainer"), count: 1)
        // Then the open writer's next call has the new permissions
        #expect(try writer.call("client.create", id: 2, params: ["id": "bo", "name": "Bo"]).errorReason == "permission_denied")
        // And the subscriber, still allowed to read, still receives events
        #expect(try writer.call("credit.issue", id: 3, params: ["client": "ann", "session_type": "yoga", "credits": 1]).result != nil)
        #expect(try subscriber.readObject()["method"] as? String == "events.event")

        // When a reload removes the user from the config
        try Self.reload(daemon, to: LedgerDaemon.config(role: "viewer").replacingOccurrences(of: "viewer = [\"\(Self.me)\"]", with: ""),
                        count: 2)
        // Then the subscriber is told its stream ended, and why, and is disconnected
        let ended = try subscriber.readObject()
        #expect(ended["method"] as? String == "events.ended", "\(ended)")
        let params = ended["params"] as? [String: Any] ?? [:]
        #expect(params["reason"] as? String == "permission_denied" && params["subscription"] != nil, "\(ended)")
        #expect(try subscriber.waitForClose())
        // And the writer's next call is refused
        #expect(try writer.call("daemon.status", id: 4).errorReason == "permission_denied")
        // And the reload logged it (written after the notification went out: wait for the line)
        try DaemonProcess.waitUntil(timeout: .seconds(10), "the reload's log line") {
            daemon.log.contains("ended 1 event subscriptions")
        }
    }
}
