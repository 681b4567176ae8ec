import CreditProtocol
import Dispatch
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Where the listening socket comes from.
enum ListenSource: Sendable, Equatable {
    /// A listening socket systemd passed (socket activation).
    case inherited(fd: Int32)
    /// A path to bind ourselves.
    case path(String)
}

/// The open connections, so shutdown can drain them.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Where freed memory is handed back to the system (off the event loops).
    private let trimQueue = DispatchQueue(label: "creditd.trim")

    func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in
            let left = self.channels.withLock { channels in
                _ = channels.removeValue(forKey: ObjectIdentifier(channel))
                return channels.count
            }
            // The last client gone: give back what a burst of connections (a flood of long lines,
            // big replies) left in malloc's free lists, so an idle daemon's RSS returns to its size
            // at start-up instead of staying at its peak. Not on a timer: idle means no wakeups.
            if left == 0 { self.trimQueue.async { Self.returnFreeMemory() } }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    /// glibc's `malloc_trim(0)`, which the Glibc module does not export (found with dlsym, so a
    /// libc without it is simply skipped).
    private static func returnFreeMemory() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    /// Closes every connection at once, in flight or not.
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    /// Asks every connection to finish its in-flight requests and close; completes when all are closed.
    func drain(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let open = channels.withLock { Array($0.values) }
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(DrainConnection()) }
        return EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: eventLoop)
    }
}

/// The Unix socket server: accepts connections and gives each its RPC pipeline.
enum SocketServer {
    /// Binds (or adopts) the listening socket and serves it; returns once it is served.
    /// Blocks: call it from outside the event loops (start-up, on the main thread).
    static func start(
        _ source: ListenSource, group: any EventLoopGroup, dispatcher: Dispatcher,
        registry: ConnectionRegistry, logger: Logger
    ) throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            // Each readable connection gets at most this many socket reads per event-loop turn, so
            // a connection flooding the daemon cannot take a loop's turn from the others.
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // Without it a client that shuts down its write side gets no replies.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                registry.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(LineFrameDecoder()),
                        RPCConnectionHandler(dispatcher: dispatcher, logger: logger),
                    ])
                }
            }
        switch source {
        case .inherited(let fd):
            return try bootstrap.withBoundSocket(fd).wait()
        case .path(let path):
            try SocketPath.prepare(path)
            // The socket file is born with its final mode: a chmod after bind would race with
            // clients that connect (and chmod it themselves) as soon as it listens.
            let previous = umask(SocketPath.creationMask)
            defer { umask(previous) }
            return try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).wait()
        }
    }
}
