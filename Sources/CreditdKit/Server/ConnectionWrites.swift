import CreditProtocol
import Foundation
import NIOCore

/// The writer's handle on one connection: outcomes hop to the connection's event loop.
final class ConnectionWrites: WriteOrigin {
    private let handler: NIOLoopBound<RPCConnectionHandler>
    private let eventLoop: any EventLoop

    init(handler: NIOLoopBound<RPCConnectionHandler>, eventLoop: any EventLoop) {
        self.handler = handler
        self.eventLoop = eventLoop
    }

    func deliver(_ delivery: WriteDelivery) {
        eventLoop.execute { [handler] in
            handler.value.writesFinished(delivery.outcomes)
            delivery.retire()
        }
    }
}
