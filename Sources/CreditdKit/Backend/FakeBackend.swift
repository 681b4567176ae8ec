import CreditProtocol
import Foundation
import Synchronization

/// A toy in-memory backend so the server can be run and tested end to end before the
/// ledger exists. Selected with the hidden `--fake-backend` flag; never durable.
///
/// Supports `daemon.status`, `client.create|get|list`, `credit.issue` (publishes `issued`
/// events) and `balance.get`. Any read takes an optional `fake_delay_ms` param: such a read is
/// slow (it sleeps on the slow-read queue), so tests can make later requests finish first.
/// Everything else is `unavailable`.
final class FakeBackend: Backend {
    private struct State {
        var clients: [String: [String: JSONValue]] = [:]
        var balances: [String: Int64] = [:]
        var nextEventID: Int64 = 1
        var writeBatches = 0
        var writeCalls = 0
    }

    private let state = Mutex(State())
    private let hub: SubscriptionHub
    private let version: String

    init(hub: SubscriptionHub, version: String) {
        self.hub = hub
        self.version = version
    }

    func isSlow(_ call: Call) -> Bool {
        Self.delayMs(call) > 0
    }

    func stop(timeoutSeconds: Int) {}

    func read(_ call: Call) throws(WireError) -> Data {
        let params = try Self.object(call.params)
        let delay = Self.delayMs(call)
        if delay > 0 { usleep(useconds_t(min(delay, 10_000)) * 1000) }
        switch call.method {
        case .daemonStatus:
            let (batches, calls) = state.withLock { ($0.writeBatches, $0.writeCalls) }
            return JSONValue.object([
                "version": .string(version), "protocol": .int(Int64(Limits.protocolVersion)),
                "backend": .string("fake"),
                "fake": .object(["write_batches": .int(Int64(batches)), "write_calls": .int(Int64(calls))]),
            ]).encoded()
        case .clientGet:
            let id = try Self.string(params, "id")
            guard let client = state.withLock({ $0.clients[id] }) else { throw WireError(.notFound, "no client \(id)") }
            return JSONValue.object(client).encoded()
        case .clientList:
            let items = state.withLock { state in state.clients.keys.sorted().compactMap { state.clients[$0] } }
            return JSONValue.object(["items": .array(items.map(JSONValue.object)), "next_cursor": .null]).encoded()
        case .balanceGet:
            let id = try Self.string(params, "client")
            guard let total = state.withLock({ $0.balances[id] }) else { throw WireError(.notFound, "no client \(id)") }
            return JSONValue.object(["client": .string(id), "total": .int(total), "debt": .int(0), "by_session_type": .array([])]).encoded()
        default:
            throw WireError(.unavailable, "\(call.method.rawValue) is not implemented by the fake backend")
        }
    }

    func prepareEventLoopThread(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) {}

    func prepare(_ call: Call) throws(WireError) -> PreparedWrite {
        PreparedWrite(call: call, operation: nil)
    }

    func write(_ writes: [PreparedWrite]) -> [Result<RawResult, WireError>] {
        let calls = writes.map(\.call)
        var events: [PublishedEvent] = []
        let results = state.withLock { state in
            state.writeBatches += 1
            state.writeCalls += calls.count
            return calls.map { call in Result { () throws(WireError) -> Data in try Self.apply(call, &state, &events) } }
        }
        // Published only after the (pretend) commit, as the real ledger must.
        hub.publish(events)
        return results.map { $0.map(RawResult.init(json:)) }
    }

    private static func apply(_ call: Call, _ state: inout State, _ events: inout [PublishedEvent]) throws(WireError) -> Data {
        let params = try object(call.params)
        switch call.method {
        case .clientCreate:
            let id = try string(params, "id")
            let name = try string(params, "name")
            guard state.clients[id] == nil else { throw WireError(.alreadyExists, "client \(id) exists") }
            var client: [String: JSONValue] = ["id": .string(id), "name": .string(name)]
            client["email"] = params["email"] ?? .null
            state.clients[id] = client
            state.balances[id] = 0
            return JSONValue.object(client).encoded()
        case .creditIssue:
            let client = try string(params, "client")
            let type = try string(params, "session_type")
            guard case .int(let credits)? = params["credits"], credits > 0 else {
                throw WireError(.invalidParams, "credits must be a positive integer")
            }
            guard state.balances[client] != nil else { throw WireError(.notFound, "no client \(client)") }
            state.balances[client, default: 0] += credits
            let id = state.nextEventID
            state.nextEventID += 1
            let event: JSONValue = .object([
                "id": .int(id), "event": .string("issued"), "client": .string(client),
                "session_type": .string(type), "amount": .int(credits), "credits": .int(credits),
                "actor": .string(call.caller.userName),
            ])
            events.append(PublishedEvent(client: client, kind: "issued", json: event.encoded()))
            return JSONValue.object(["event": .int(id), "balance": .int(state.balances[client] ?? 0)]).encoded()
        default:
            throw WireError(.unavailable, "\(call.method.rawValue) is not implemented by the fake backend")
        }
    }

    /// The `fake_delay_ms` param, 0 when absent. A quick check of the raw params first: most
    /// calls have none, and decoding every read's params twice would be wasted work.
    private static func delayMs(_ call: Call) -> Int64 {
        guard call.params.count > 15, call.params.range(of: Data("fake_delay_ms".utf8)) != nil,
              case .object(let params)? = try? JSONValue.decode(call.params),
              case .int(let delay)? = params["fake_delay_ms"] else { return 0 }
        return delay
    }

    private static func object(_ params: Data) throws(WireError) -> [String: JSONValue] {
        guard case .object(let members)? = try? JSONValue.decode(params) else {
            throw WireError(.invalidParams, "params must be an object")
        }
        return members
    }

    private static func string(_ params: [String: JSONValue], _ key: String) throws(WireError) -> String {
        guard let value = params[key]?.stringValue, !value.isEmpty else {
            throw WireError(.invalidParams, "\(key) must be a non-empty string", details: ["param": .string(key)])
        }
        return value
    }
}
