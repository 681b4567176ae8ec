import Dispatch
import Glibc

/// SIGTERM/SIGINT (stop) and SIGHUP (reload) as Dispatch sources.
///
/// Test only: with `CREDITD_TEST_HANG=1` in the environment, SIGUSR2 blocks the scheduler's
/// queue for good, so tests can prove that the systemd watchdog (pinged from that queue)
/// kills and restarts a hung daemon. Without the variable SIGUSR2 keeps its default action;
/// no shipped unit sets it.
enum SignalHandlers {
    static let testHangVariable = "CREDITD_TEST_HANG"

    /// Installs the handlers; keep the returned sources alive for the daemon's lifetime.
    static func install(daemon: Daemon, defaults: ConfigDefaults) -> [any DispatchSourceSignal] {
        let queue = daemon.controlQueue
        // The default dispositions would kill the process before the source sees the signal.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        func source(_ number: Int32, _ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
        // The handlers run on `queue` (a serial queue, so libdispatch's overcommit pool); they are
        // explicitly @Sendable so that they never inherit an actor isolation from a caller.
        let stop: @Sendable () -> Void = { @Sendable in daemon.shutdown() }
        var sources = [
            source(SIGTERM, stop),
            source(SIGINT, stop),
            source(SIGHUP) { @Sendable in daemon.reload(defaults: defaults) },
        ]
        if getenv(testHangVariable).map({ String(cString: $0) }) == "1" {
            signal(SIGUSR2, SIG_IGN)
            sources.append(source(SIGUSR2) { @Sendable in daemon.hangSchedulerForTesting() })
        }
        return sources
    }
}
