import Foundation
import Glibc
import Testing

/// Issue 15, bug 1: the studio's settings live in the ledger; the config only seeds a new database.
@Suite struct StudioSettingsRestartTests {
    /// A config with no `[studio] time_zone` (the system's zone would only seed a new database).
    static func configWithoutZone() -> String {
        """
        [studio]
        currency = "EUR"

        [access]
        owner = ["\(LedgerDaemon.me)"]
        """
    }

    /// Stops `daemon` cleanly and returns a `prepare` step that copies its database into a new directory.
    static func stopAndCopyLedger(_ daemon: DaemonProcess) throws -> (URL) throws -> Void {
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        let source = daemon.directory
        return { target in
            for suffix in ["", "-wal", "-shm"] {
                let from = source.appendingPathComponent("ledger.sqlite" + suffix)
                guard FileManager.default.fileExists(atPath: from.path) else { continue }
                try FileManager.default.copyItem(at: from, to: target.appendingPathComponent("ledger.sqlite" + suffix))
            }
        }
    }

    @Test func studioSettingsSurviveARestart() throws {
        // Given a ledger whose studio was moved to Europe/Berlin and GBP on purpose
        let first = try LedgerDaemon.start()
        let rpc = try RPCSession(first)
        try rpc.ok("studio.update", ["time_zone": "Europe/Berlin", "currency": "GBP"])
        let copy = try Self.stopAndCopyLedger(first)
        // When the daemon restarts on that ledger with a config that names no zone and another currency
        let second = try DaemonProcess(config: Self.configWithoutZone(), extraArguments: ["--test-clock", LedgerDaemon.clockStart],
                                       prepare: copy)
        // Then the ledger keeps its own zone and currency
        let studio = try RPCSession(second).ok("studio.get")
        #expect(studio["time_zone"] as? String == "Europe/Berlin")
        #expect(studio["currency"] as? String == "GBP")
        // And the log says the config's currency was not applied
        #expect(second.log.contains("keeping GBP"))
    }

    @Test func aConfigNamingAnotherZoneStopsTheStart() throws {
        // Given a ledger in Europe/Berlin
        let first = try LedgerDaemon.start()
        try RPCSession(first).ok("studio.update", ["time_zone": "Europe/Berlin"])
        let copy = try Self.stopAndCopyLedger(first)
        // When the daemon starts on it with a config that names UTC
        let second = try DaemonProcess(config: LedgerDaemon.config(), extraArguments: ["--test-clock", LedgerDaemon.clockStart],
                                       waitUntilServing: false, prepare: copy)
        // Then it refuses to start, naming both zones and the way to change the ledger's on purpose
        #expect(try second.waitForExit() == 1)
        let log = second.log
        #expect(log.contains("the config names time zone UTC but the ledger keeps Europe/Berlin"))
        #expect(log.contains("studio.update") && log.contains("creditctl studio set --time-zone UTC"))
    }

    @Test func aNewLedgerIsSeededFromTheConfig() throws {
        // Given a config naming Europe/Berlin and GBP, and no database yet
        let config = LedgerDaemon.config().replacingOccurrences(of: "\"UTC\"", with: "\"Europe/Berlin\"")
            .replacingOccurrences(of: "\"EUR\"", with: "\"GBP\"")
        let daemon = try DaemonProcess(config: config, extraArguments: ["--test-clock", LedgerDaemon.clockStart])
        // When the studio is read, then it has the config's settings
        let studio = try RPCSession(daemon).ok("studio.get")
        #expect(studio["time_zone"] as? String == "Europe/Berlin" && studio["currency"] as? String == "GBP")
    }
}
