import CreditProtocol
import Foundation
import NIOCore
import Synchronization

/// A connection's side of event subscriptions: a bounded queue of notification lines.
///
/// The queue is the lines handed to the channel and not yet written to the socket; when a
/// subscriber stops reading it fills up and the hub disconnects it. `offer` runs on the writer's
/// thread (the commit hook): `Channel.writeAndFlush` from there hops to the connection's event
/// loop and never blocks.
final class ConnectionOutlet: EventSink {
    private struct State {
        var queued = 0
        var subscriptions: [UInt64] = []
        var closed = false
    }

    private let channel: any Channel
    private let queueMax: Int
    private let state = Mutex(State())
    private let hub = Mutex<SubscriptionHub?>(nil)

    init(channel: any Channel, queueMax: Int = Limits.subscriberQueueMax) {
        self.channel = channel
        self.queueMax = queueMax
    }

    func offer(_ line: Data) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed, state.queued < queueMax else { return false }
            state.queued += 1
            return true
        }
        guard accepted else { return false }
        var buffer = channel.allocator.buffer(capacity: line.count + 1)
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        channel.writeAndFlush(buffer).whenComplete { _ in
            self.state.withLock { $0.queued -= 1 }
        }
        return true
    }

    func overflowed() {
        channel.close(promise: nil)
    }

    func revoked(_ line: Data) {
        // The last line goes out whatever the queue holds, then the connection closes.
        var buffer = channel.allocator.buffer(capacity: line.count + 1)
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let channel = self.channel
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Whether the connection has subscriptions (it then stays open for notifications).
    var isSubscribed: Bool { state.withLock { !$0.subscriptions.isEmpty } }

    /// Records a subscription so it ends with the connection.
    func adopt(subscription id: UInt64, hub: SubscriptionHub) {
        self.hub.withLock { $0 = hub }
        let alreadyClosed = state.withLock { state -> Bool in
            if !state.closed { state.subscriptions.append(id) }
            return state.closed
        }
        if alreadyClosed { hub.unsubscribe(id) }
    }

    /// The connection is gone: end its subscriptions.
    func close() {
        let ids = state.withLock { state -> [UInt64] in
            state.closed = true
            defer { state.subscriptions = [] }
            return state.subscriptions
        }
        if let hub = hub.withLock({ $0 }) {
            for id in ids { hub.unsubscribe(id) }
        }
    }
}
