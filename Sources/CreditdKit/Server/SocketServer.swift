import CreditProtocol
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

    func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in
            _ = self.channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

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
    static func start(
        _ source: ListenSource, group: any EventLoopGroup, dispatcher: Dispatcher,
        registry: ConnectionRegistry, logger: Logger
    ) async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
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
            return try await bootstrap.withBoundSocket(fd).get()
        case .path(let path):
            try SocketPath.prepare(path)
            let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            try SocketPath.setMode(path)
            return channel
        }
    }
}
