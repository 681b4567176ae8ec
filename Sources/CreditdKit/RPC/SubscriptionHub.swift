import CreditProtocol
import Foundation
import Synchronization

/// One committed ledger event, as the backend publishes it after commit.
struct PublishedEvent: Sendable {
    /// The client the event concerns (for the `clients` filter).
    let client: String
    /// The event kind, e.g. `issued` (for the `kinds` filter).
    let kind: String
    /// The event as a JSON object; sent as the notification's `params`.
    let json: Data
}

/// Where one subscriber's notifications go. Implementations must never block.
protocol EventSink: AnyObject, Sendable {
    /// Queues one notification line; false when the subscriber's queue is full.
    func offer(_ line: Data) -> Bool
    /// The subscriber fell too far behind: disconnect it.
    func overflowed()
    /// The subscriber may no longer read events: send `line` (`events.ended`), then disconnect it.
    func revoked(_ line: Data)
}

/// Which events a subscriber wants: nil means all.
struct EventFilter: Sendable, Equatable {
    var clients: Set<String>?
    var kinds: Set<String>?

    func matches(_ event: PublishedEvent) -> Bool {
        (clients?.contains(event.client) ?? true) && (kinds?.contains(event.kind) ?? true)
    }
}

/// Fans committed events out to `events.subscribe` subscribers as `events.event` notifications.
///
/// `publish` only appends to each subscriber's bounded queue; a subscriber whose queue is
/// full is dropped and disconnected, so a slow reader never holds up the writer.
final class SubscriptionHub: Sendable {
    /// The notification method subscribers receive.
    static let notificationMethod = "events.event"
    /// The last notification of a subscription the daemon ended (its caller lost permission).
    static let endedMethod = "events.ended"
    /// Event kinds a filter may name.
    static let kinds: Set<String> = ["issued", "used", "returned", "voided", "deleted", "expired", "rolled_over", "refunded"]

    private struct Subscriber: Sendable {
        let filter: EventFilter
        let sink: any EventSink
        /// Who subscribed, re-checked against the access config on every reload.
        let peer: PeerIdentity?
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(1)

    init() {}

    /// Adds a subscriber; returns its id for `unsubscribe`.
    func subscribe(_ filter: EventFilter, sink: any EventSink, peer: PeerIdentity? = nil) -> UInt64 {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = Subscriber(filter: filter, sink: sink, peer: peer) }
        return id
    }

    /// Ends every subscription whose peer `mayRead` no longer allows (after a config reload): each
    /// gets an `events.ended` notification and its connection is closed. Returns how many ended.
    @discardableResult
    func endSubscriptions(unless mayRead: (PeerIdentity?) -> Bool, message: String) -> Int {
        let ended = subscribers.withLock { current -> [(UInt64, any EventSink)] in
            let revoked = current.filter { !mayRead($0.value.peer) }.map { ($0.key, $0.value.sink) }
            for (id, _) in revoked { current.removeValue(forKey: id) }
            return revoked
        }
        for (id, sink) in ended { sink.revoked(Self.endedNotification(subscription: id, message: message)) }
        return ended.count
    }

    /// `{"jsonrpc":"2.0","method":"events.ended","params":{"subscription":N,"reason":"permission_denied","message":…}}`
    static func endedNotification(subscription: UInt64, message: String) -> Data {
        let params = JSONValue.object(["subscription": .int(Int64(subscription)),
                                       "reason": .string(ErrorReason.permissionDenied.rawValue),
                                       "message": .string(message)])
        return RPCReply.notification(method: endedMethod, params: params.encoded())
    }

    /// Whether anyone listens: publishers skip encoding events nobody will receive.
    var hasSubscribers: Bool { subscribers.withLock { !$0.isEmpty } }

    func unsubscribe(_ id: UInt64) {
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
    }

    /// How many subscribers are connected.
    var count: Int { subscribers.withLock { $0.count } }

    /// Whether any subscriber's filter takes an event of `kind` for `client`. The backend asks
    /// before it encodes an event, so with no one listening the writer encodes nothing.
    func wants(client: String, kind: String) -> Bool {
        subscribers.withLock { current in
            current.values.contains { subscriber in
                (subscriber.filter.clients?.contains(client) ?? true) && (subscriber.filter.kinds?.contains(kind) ?? true)
            }
        }
    }

    /// Delivers committed events, in order, to every matching subscriber. Never blocks.
    func publish(_ events: [PublishedEvent]) {
        guard !events.isEmpty else { return }
        let current = subscribers.withLock { Array($0) }
        guard !current.isEmpty else { return }
        let lines = events.map { RPCReply.notification(method: Self.notificationMethod, params: $0.json) }
        var dropped: [(UInt64, any EventSink)] = []
        for (id, subscriber) in current {
            for (event, line) in zip(events, lines) where subscriber.filter.matches(event) {
                if !subscriber.sink.offer(line) {
                    dropped.append((id, subscriber.sink))
                    break
                }
            }
        }
        for (id, sink) in dropped {
            unsubscribe(id)
            sink.overflowed()
        }
    }

    /// Parses `events.subscribe` params: `{clients?: [String], kinds?: [String]}`.
    static func filter(from params: Data) throws(RPCError) -> EventFilter {
        guard case .object(let members)? = try? JSONValue.decode(params) else {
            throw .invalidParams("params must be an object")
        }
        for key in members.keys where key != "clients" && key != "kinds" {
            throw .invalidParams("unknown parameter \(key)")
        }
        var filter = EventFilter()
        filter.clients = try stringSet(members["clients"], name: "clients")
        filter.kinds = try stringSet(members["kinds"], name: "kinds")
        if let unknown = filter.kinds?.subtracting(kinds).sorted().first {
            throw .invalidParams("unknown event kind \(unknown)")
        }
        return filter
    }

    private static func stringSet(_ value: JSONValue?, name: String) throws(RPCError) -> Set<String>? {
        guard let value, value != .null else { return nil }
        guard case .array(let items) = value else { throw .invalidParams("\(name) must be a list of strings") }
        var result = Set<String>()
        for item in items {
            guard let text = item.stringValue else { throw .invalidParams("\(name) must be a list of strings") }
            result.insert(text)
        }
        return result
    }
}
