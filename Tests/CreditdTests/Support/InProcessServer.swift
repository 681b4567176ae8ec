@testable import CreditdKit
import CreditProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// creditd's server assembled in the test process, as `Daemon.start` assembles it: the real
/// ledger (`LedgerBackend` on a fresh database, on a test clock), the real `Dispatcher`,
/// group-commit writer and connection handler, serving a Unix socket in a temporary directory.
///
/// `wrap` may put a double around the ledger (see `ObservedLedger`), which is how a test holds a
/// slow read at the moment it needs or counts the writer's transactions, with no test hook in the
/// shipped daemon. The log goes to memory at debug level (`log`).
final class InProcessServer {
    let directory: URL
    let socketPath: String
    let ledger: LedgerBackend
    /// What the server calls: `ledger`, or the double `wrap` put around it.
    let backend: any Backend
    private let captured: CapturedLog
    private let group: MultiThreadedEventLoopGroup
    private let registry = ConnectionRegistry()
    private let channel: any Channel

    /// `log` receives the server's log lines (pass one in when `wrap`'s double must watch it).
    init(log: CapturedLog = CapturedLog(), wrap: (LedgerBackend) -> any Backend = { $0 }) throws {
        captured = log
        directory = try DaemonProcess.makeTemporaryDirectory()
        socketPath = directory.appendingPathComponent("creditd.sock").path
        var config = try ConfigLoader.parse(LedgerDaemon.config(), path: nil, defaults: .current())
        config.socketPath = socketPath
        config.databasePath = directory.appendingPathComponent("ledger.sqlite").path
        var logger = Logger(label: "creditd") { [captured] _ in CapturingLogHandler(log: captured) }
        logger.logLevel = .debug
        let hub = SubscriptionHub()
        guard let start = Timestamp(LedgerDaemon.clockStart) else { throw TestFailure("bad clock start") }
        ledger = try LedgerBackend(config: config, testClock: Date(timeIntervalSince1970: Double(start.ms) / 1000),
                                   hub: hub, logger: logger, connections: { 0 })
        backend = wrap(ledger)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        for loop in group.makeIterator() {
            let backend = backend
            try loop.submit { backend.prepareEventLoopThread(scheduleEnd: { end in loop.execute(end) }) }.wait()
        }
        let dispatcher = Dispatcher(backend: backend, hub: hub, config: ConfigHolder(config))
        channel = try SocketServer.start(.path(socketPath), group: group, dispatcher: dispatcher,
                                         registry: registry, logger: logger)
    }

    deinit {
        try? channel.close().wait()
        registry.closeAll()
        try? group.syncShutdownGracefully()
        ledger.stop(timeoutSeconds: 5)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Everything logged so far, one line per event with its metadata as `key=value`.
    var log: String { captured.text }

    func connect() throws -> LineClient { try LineClient(path: socketPath) }
}

/// Log lines kept in memory, for tests that wait on what the server did.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// A `LogHandler` writing `message key=value ...` lines into a `CapturedLog`.
struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let pairs = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        log.append("\(event.message)\(pairs)")
    }
}
