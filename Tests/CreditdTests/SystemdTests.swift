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

    @Test func sigusr2KeepsItsDefaultAction() throws {
        // Given a running daemon (no signal besides TERM, INT and HUP is handled)
        let daemon = try DaemonProcess()
        // When it gets SIGUSR2, then it keeps the default action (terminate): no test hook behind it
        daemon.signal(SIGUSR2)
        _ = try daemon.waitForExit()
        #expect(daemon.process.terminationReason == .uncaughtSignal)
    }
}
