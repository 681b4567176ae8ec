import Foundation
import Glibc
import Testing

/// The systemd side: notifications, watchdog and socket activation, with stand-ins for systemd.
@Suite struct SystemdTests {
    @Test func notifiesReadyWatchdogAndStopping() throws {
        // Given a notification socket and a watchdog interval in the environment
        var listener: NotifyListener?
        let daemon = try DaemonProcess(
            environment: { ["NOTIFY_SOCKET": $0.appendingPathComponent("notify.sock").path, "WATCHDOG_USEC": "200000"] },
            prepare: { listener = try NotifyListener(path: $0.appendingPathComponent("notify.sock").path) })
        let notify = try #require(listener)
        // When it starts, then it reports READY=1 with a status, and pings the watchdog
        try notify.waitFor("READY=1")
        #expect(notify.messages.contains { $0.contains("STATUS=serving") })
        try notify.waitFor("WATCHDOG=1")
        // When it is stopped, then it says STOPPING=1 and exits 0
        daemon.signal(SIGTERM)
        try notify.waitFor("STOPPING=1")
        #expect(try daemon.waitForExit() == 0)
    }

    @Test func servesTheSocketSystemdPasses() throws {
        // Given creditd launched by systemd-socket-activate, which owns the listening socket
        let activator = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activator), "systemd-socket-activate is not installed")
        let daemon = try DaemonProcess(launcher: { socket in [activator, "-l", socket] })
        // When a client connects (which makes the activator start creditd on the passed fd)
        let reply = try daemon.connect().call("daemon.status")
        // Then it is served, from the inherited socket
        #expect(reply.result?["protocol"] as? Int == 1)
        try DaemonProcess.waitUntil("the start-up log") { daemon.log.contains("from systemd") }
    }

    @Test func aSchedulerBlockedOnTheDatabaseStopsTheWatchdogPings() throws {
        // Given a daemon pinging the watchdog, with a lot that expires within three days
        var listener: NotifyListener?
        let daemon = try DaemonProcess(
            config: LedgerDaemon.config(),
            environment: { ["NOTIFY_SOCKET": $0.appendingPathComponent("notify.sock").path, "WATCHDOG_USEC": "200000"] },
            prepare: { listener = try NotifyListener(path: $0.appendingPathComponent("notify.sock").path) })
        let notify = try #require(listener)
        try notify.waitFor("WATCHDOG=1")
        let session = try RPCSession(daemon)
        try session.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try session.ok("client.create", ["id": "ann", "name": "Ann"])
        try session.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 1, "expires_on": "2026-01-06"])
        // And another process holding the database's write lock (a real cause of a stuck scheduler)
        let holder = try WriteLockHolder(database: daemon.directory.appendingPathComponent("ledger.sqlite").path)
        // When the clock moves past the expiry, so that the scheduler's queue waits for the lock
        let client = try daemon.connect()
        try client.sendLine(LineClient.request("clock.advance", id: 1, params: ["seconds": 3 * 86_400]))
        try DaemonProcess.waitUntil("the clock move to be dispatched") {
            daemon.log.components(separatedBy: "dispatch bytes=").count > 4
        }
        _ = notify.collect(for: .milliseconds(300))   // a ping already queued may still arrive
        // Then the watchdog pings stop (systemd would kill it), while the process lives on
        let later = notify.collect(for: .milliseconds(600))
        #expect(!later.contains { $0.contains("WATCHDOG=1") }, "pings while the scheduler is blocked: \(later)")
        #expect(daemon.process.isRunning)
        // When the lock is released, then the scheduler goes on: the pings resume and the move is answered
        holder.release()
        try notify.waitFor("WATCHDOG=1")
        #expect(try client.readObject()["id"] as? Int == 1)
    }

    @Test func sigusr2KeepsItsDefaultAction() throws {
        // Given a running daemon (no signal besides TERM, INT and HUP is handled)
        let daemon = try DaemonProcess()
        // When it gets SIGUSR2, then it keeps the default action (terminate): no test hook behind it
        daemon.signal(SIGUSR2)
        _ = try daemon.waitForExit()
        #expect(daemon.process.terminationReason == .uncaughtSignal)
    }
}
