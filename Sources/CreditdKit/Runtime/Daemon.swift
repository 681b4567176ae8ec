import CreditProtocol
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// How the daemon was asked to run, from the command line.
struct DaemonOptions: Sendable {
    var configLocation: ConfigLocation
    var socketOverride: String?
    var databaseOverride: String?
    var testClock: Date?

    /// The config with the command line's overrides applied.
    func load(defaults: ConfigDefaults) throws(ConfigError) -> DaemonConfig {
        var config = try ConfigLoader.load(configLocation, defaults: defaults)
        if let socketOverride { config.socketPath = socketOverride }
        if let databaseOverride { config.databasePath = databaseOverride }
        return config
    }
}

/// The running daemon: owns the event loops, the server socket and the shared services,
/// and carries out start-up, reload (SIGHUP) and shutdown (SIGTERM).
final class Daemon: Sendable {
    static let version = "0.1.0"

    let options: DaemonOptions
    let config: ConfigHolder
    let logger: Logger
    let hub = SubscriptionHub()
    let registry = ConnectionRegistry()
    /// Requests, group commits, scheduler and ledger figures for Prometheus (`daemon.metrics`).
    let metrics = DaemonMetrics()
    /// The loopback listener for GET /metrics, when `[metrics] listen` is set.
    private let metricsChannel = Mutex<(any Channel)?>(nil)
    /// One event loop per core but one: the single writer thread needs a core of its own under
    /// write load, and more busy threads than cores make the kernel time-slice them, which shows
    /// as scheduler-tick (4 ms) stalls in the latency tail. `CREDITD_EVENT_LOOPS` overrides it.
    let group = MultiThreadedEventLoopGroup(numberOfThreads: Daemon.eventLoopCount())
    static func eventLoopCount() -> Int {
        if let text = ProcessInfo.processInfo.environment["CREDITD_EVENT_LOOPS"], let count = Int(text), (1...64).contains(count) {
            return count
        }
        return max(1, System.coreCount - 1)
    }

    private let server = Mutex<(channel: (any Channel)?, boundPath: String?)>((nil, nil))
    private let stopping = Atomic<Bool>(false)
    /// Pings the systemd watchdog. Until the scheduler exists it runs on its own queue; it
    /// moves to the scheduler's queue so that a stuck scheduler stops the pings.
    private let watchdog = Mutex<WatchdogTimer?>(nil)
    private let schedulerQueue = Mutex<DispatchQueue?>(nil)
    private let backend = Mutex<LedgerBackend?>(nil)
    /// Signal handling (stop, reload) runs here, one at a time.
    let controlQueue = DispatchQueue(label: "creditd.control")

    init(options: DaemonOptions, config: DaemonConfig, logger: Logger) {
        self.options = options
        self.config = ConfigHolder(config)
        self.logger = logger
        metrics.setDaemonGauges(connections: { [registry] in registry.count }, subscribers: { [hub] in hub.count })
    }

    /// Opens the backend, serves the socket, then tells systemd READY=1. Blocks until served:
    /// call it on the main thread, before `dispatchMain()`.
    func start() throws {
        let current = config.current
        Systemd.status("opening the ledger")
        let backend = try makeBackend(current)
        self.backend.withLock { $0 = backend }
        // Each loop's hot reads share one read transaction per pass, ended by a task queued on the
        // loop (see Store's `ReadPass` for why replies of later writes cannot overtake it).
        for loop in group.makeIterator() {
            try loop.submit { backend.prepareEventLoopThread(scheduleEnd: { end in loop.execute(end) }) }.wait()
        }
        let dispatcher = Dispatcher(backend: backend, hub: hub, config: config, metrics: metrics)
        let inherited = Systemd.listeningSockets()
        let source: ListenSource = inherited.first.map { .inherited(fd: $0) } ?? .path(current.socketPath)
        if inherited.count > 1 { logger.warning("systemd passed \(inherited.count) sockets; serving only the first") }
        let channel = try SocketServer.start(source, group: group, dispatcher: dispatcher, registry: registry, logger: logger)
        let where_: String
        switch source {
        case .inherited(let fd): where_ = "socket fd \(fd) from systemd"
        case .path(let path): where_ = path
        }
        server.withLock { $0 = (channel, source == .path(current.socketPath) ? current.socketPath : nil) }
        let status = "serving \(where_)"
        logger.info("creditd \(Self.version) \(status)", metadata: [
            "config": "\(current.sourcePath ?? "embedded default")", "database": "\(current.databasePath)",
            "time_zone": "\(current.studio.timeZone)"
        ])
        if let listen = current.metricsListen { serveMetrics(on: listen) }
        Systemd.ready(status: status)
        // Pings go out from the scheduler's queue, so a stuck scheduler stops them and systemd restarts us.
        let queue = schedulerQueue.withLock { $0 } ?? DispatchQueue(label: "creditd.watchdog")
        let timer = Systemd.startWatchdog(on: queue)
        watchdog.withLock { $0 = timer }
        if timer != nil { logger.info("systemd watchdog armed") }
    }

    private func makeBackend(_ config: DaemonConfig) throws -> LedgerBackend {
        let backend = try LedgerBackend(config: config, testClock: options.testClock, hub: hub, logger: logger,
                                        connections: { [registry] in registry.count }, metrics: metrics)
        schedulerQueue.withLock { $0 = backend.schedulerQueue }
        return backend
    }

    /// Serves GET /metrics on `address`. A listener that cannot bind (the port is taken) is
    /// logged and left out: the ledger keeps serving, and the scrape's `up` shows the gap.
    private func serveMetrics(on address: MetricsListenAddress) {
        do {
            let channel = try MetricsHTTPServer.start(address, group: group, metrics: metrics)
            metricsChannel.withLock { $0 = channel }
            logger.info("metrics served at http://\(address)/metrics")
        } catch {
            logger.error("cannot serve metrics on \(address): \(error); serving the ledger without them")
        }
    }

    /// SIGHUP: re-read the config; an invalid one is refused and the old one kept.
    func reload(defaults: ConfigDefaults) {
        let old = config.current
        do {
            var new = try options.load(defaults: defaults)
            // The socket and database are opened once; say so rather than pretend.
            if new.socketPath != old.socketPath || new.databasePath != old.databasePath {
                logger.warning("socket and database paths change only on restart")
                new.socketPath = old.socketPath
                new.databasePath = old.databasePath
            }
            if new.metricsListen != old.metricsListen {
                logger.warning("[metrics] listen changes only on restart")
                new.metricsListen = old.metricsListen
            }
            config.replace(new)
            logger.info("config reloaded from \(new.sourcePath ?? "embedded default")")
            endRevokedSubscriptions(under: new.access)
            // A refused-writes fault stays in STATUS: a reload does not mend it.
            let fault = backend.withLock { $0 }?.writeFault
            Systemd.status(fault.map { "WRITES REFUSED: \($0)" } ?? "serving; config reloaded at \(Self.timestamp())")
        } catch {
            logger.error("config reload failed, keeping the previous config:\n\(error.description)")
            let first = error.problems.first?.description ?? "invalid config"
            Systemd.status("config reload failed, keeping the previous config: \(first)")
        }
    }

    /// A reload re-checks every subscriber: one whose role no longer reads events gets
    /// `events.ended` and is disconnected. (Every other call is checked against the new config at
    /// once: connections re-decide their caller when the config's generation changes.)
    private func endRevokedSubscriptions(under access: AccessPolicy) {
        let permission = Method.eventsSubscribe.permission
        let ended = hub.endSubscriptions(unless: { peer in
            peer.flatMap(access.caller(for:))?.permissions.contains(permission) ?? false
        }, message: "the reloaded access config no longer grants this caller the \(permission.rawValue) permission")
        if ended > 0 { logger.notice("config reload ended \(ended) event subscriptions whose caller lost \(permission.rawValue)") }
    }

    /// SIGTERM: stop accepting, let every connection finish its in-flight requests (their writes
    /// committed), stop the scheduler, exit 0. Runs on `controlQueue` and blocks it until then.
    func shutdown() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        logger.info("stopping: finishing in-flight requests")
        Systemd.stopping(status: "stopping: finishing \(registry.count) connections")
        watchdog.withLock { $0?.cancel() }
        let (channel, boundPath) = server.withLock { $0 }
        try? channel?.close().wait()
        try? metricsChannel.withLock({ $0 })?.close().wait()
        let loop = group.next()
        let drained = registry.drain(on: loop)
        // A client that never reads its replies must not hold the stop up forever.
        let deadline = loop.scheduleTask(in: .seconds(20)) { [registry] in registry.closeAll() }
        try? drained.wait()
        deadline.cancel()
        backend.withLock { $0 }?.stop(timeoutSeconds: 5)
        if let boundPath { unlink(boundPath) }
        // The callback runs on our own serial queue (NIO's default would be `.global()`).
        group.shutdownGracefully(queue: controlQueue) { [logger] _ in
            logger.info("stopped")
            exit(0)
        }
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
}
