import Dispatch
import Glibc

/// SIGTERM/SIGINT (stop) and SIGHUP (reload) as Dispatch sources. Every other signal keeps
/// its default action.
enum SignalHandlers {
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
        return [
            source(SIGTERM, stop),
            source(SIGINT, stop),
            source(SIGHUP) { @Sendable in daemon.reload(defaults: defaults) },
        ]
    }
}
