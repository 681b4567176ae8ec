import CreditProtocol
import Foundation

/// Turns request lines into replies: access checks, then reads straight to the backend,
/// writes through the group-commit writer, subscriptions to the hub.
final class Dispatcher: Sendable {
    let backend: any Backend
    let writer: GroupCommitWriter
    let hub: SubscriptionHub
    let config: ConfigHolder

    init(backend: any Backend, hub: SubscriptionHub, config: ConfigHolder) {
        self.backend = backend
        self.writer = GroupCommitWriter(backend: backend)
        self.hub = hub
        self.config = config
    }

    /// The reply line for one request line (no newline), or nil when nothing is to be sent
    /// (notifications, blank lines). `peer` is nil when the peer's credentials are unknown.
    func handle(line: [UInt8], peer: PeerIdentity?, outlet: ConnectionOutlet) async -> Data? {
        switch RPCParser.parse(line) {
        case .blank:
            return nil
        case .failure(let error):
            return RPCReply.error(id: .null, error)
        case .single(let item):
            return await reply(to: item, peer: peer, outlet: outlet)
        case .batch(let items):
            let replies = await withTaskGroup(of: (Int, Data?).self) { group in
                for (index, item) in items.enumerated() {
                    group.addTask { (index, await self.reply(to: item, peer: peer, outlet: outlet)) }
                }
                var replies = [Data?](repeating: nil, count: items.count)
                for await (index, reply) in group { replies[index] = reply }
                return replies.compactMap { $0 }
            }
            // A batch of notifications only gets no reply at all (JSON-RPC 2.0, section 6).
            return replies.isEmpty ? nil : RPCReply.batch(replies)
        }
    }

    private func reply(to item: RPCItem, peer: PeerIdentity?, outlet: ConnectionOutlet) async -> Data? {
        switch item {
        case .invalid(let id, let error, let silent):
            return silent ? nil : RPCReply.error(id: id, error)
        case .request(let request):
            let outcome = await run(request, peer: peer, outlet: outlet)
            guard let id = request.id else { return nil }
            switch outcome {
            case .success(let result): return RPCReply.result(id: id, result)
            case .failure(let error): return RPCReply.error(id: id, error)
            }
        }
    }

    private func run(_ request: RPCRequest, peer: PeerIdentity?, outlet: ConnectionOutlet) async -> Result<Data, RPCError> {
        // Access is decided before anything else, so an unknown caller learns nothing, not even method names.
        guard let peer else { return .failure(.permissionDenied("the caller's credentials are unknown")) }
        guard let caller = config.current.access.caller(for: peer) else {
            return .failure(.permissionDenied("user \(peer.userName) has no role in creditd's [access] config"))
        }
        guard let method = Method(rawValue: request.methodName) else {
            return .failure(.methodNotFound(request.methodName))
        }
        guard caller.permissions.contains(method.permission) else {
            var error = RPCError.permissionDenied(
                "role \(caller.role) lacks permission \(method.permission.rawValue) for \(method.rawValue)")
            error.details["permission"] = .string(method.permission.rawValue)
            return .failure(error)
        }
        let call = Call(method: method, params: request.params, caller: caller)
        if method == .eventsSubscribe { return subscribe(call, outlet: outlet) }
        if method.isMutating {
            return await writer.submit(call).mapError(RPCError.init)
        }
        do {
            return .success(try await backend.read(call))
        } catch {
            return .failure(RPCError(error))
        }
    }

    private func subscribe(_ call: Call, outlet: ConnectionOutlet) -> Result<Data, RPCError> {
        let filter: EventFilter
        do {
            filter = try SubscriptionHub.filter(from: call.params)
        } catch {
            return .failure(error)
        }
        let id = hub.subscribe(filter, sink: outlet)
        outlet.adopt(subscription: id, hub: hub)
        return .success(JSONValue.object(["subscription": .int(Int64(id))]).encoded())
    }
}
