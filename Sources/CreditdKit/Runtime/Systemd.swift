import CSystemd
import Dispatch
import Glibc

/// The parts of the systemd service protocol creditd speaks, via libsystemd.
/// Every call is a no-op when not run by systemd ($NOTIFY_SOCKET, $LISTEN_FDS unset).
enum Systemd {
    /// The listening Unix stream sockets passed by socket activation.
    static func listeningSockets() -> [Int32] {
        // unset_environment = 1: children (none today) must not think the fds are theirs.
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        let start = Int32(SD_LISTEN_FDS_START)
        return (start..<start + count).filter { fd in
            sd_is_socket_unix(fd, SocketPath.socketStream, 1, nil, 0) > 0
        }
    }

    /// Sends one notification, e.g. `READY=1` or `STATUS=...`.
    static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    static func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    static func status(_ text: String) { notify("STATUS=\(text)") }
    static func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }

    /// The watchdog interval in microseconds when systemd expects pings, else nil.
    static func watchdogMicroseconds() -> UInt64? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return usec
    }

    /// Starts pinging the watchdog at half its interval on `queue`; nil when no watchdog is armed.
    ///
    /// The ping runs on the queue it is given, so that a stuck queue stops the pings and
    /// systemd restarts the daemon: pass the queue whose liveness matters (the scheduler's).
    static func startWatchdog(on queue: DispatchQueue) -> WatchdogTimer? {
        guard let usec = watchdogMicroseconds() else { return nil }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.microseconds(Int(usec / 2))
        timer.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(Int(usec / 20_000)))
        timer.setEventHandler { @Sendable in Systemd.notify("WATCHDOG=1") }
        timer.resume()
        return WatchdogTimer(timer: timer)
    }
}

/// A running watchdog timer. Dispatch sources are thread-safe, hence the unchecked Sendable.
struct WatchdogTimer: @unchecked Sendable {
    let timer: any DispatchSourceTimer

    func cancel() { timer.cancel() }
}
