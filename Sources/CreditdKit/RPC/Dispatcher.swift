import CreditProtocol
import Foundation

/// Turns request lines into replies: access checks, then reads straight to the backend,
/// writes through the group-commit writer, subscriptions to the hub.
///
/// A line is parsed, then admitted in its connection's order (see `ConnectionOrder`):
/// admission decides each call's fate and enqueues writes; execution then awaits the
/// outcomes concurrently.
final class Dispatcher: Sendable {
    let backend: any Backend
    let writer: GroupCommitWriter
    let hub: SubscriptionHub
    let config: ConfigHolder

    /// What admission decided for one call.
    private enum Step: Sendable {
        /// The reply is known already (error, subscription, or nothing for a notification).
        case immediate(Data?)
        case write(id: JSONValue?, WriteTicket)
        /// A read, run once the connection's earlier writes are durable.
        case read(id: JSONValue?, Call, after: WriteTicket?)
    }

    init(backend: any Backend, hub: SubscriptionHub, config: ConfigHolder) {
        self.backend = backend
        self.writer = GroupCommitWriter(backend: backend)
        self.hub = hub
        self.config = config
    }

    /// The reply line for request line number `sequence` of a connection (no newline), or nil
    /// when nothing is to be sent (notifications, blank lines). `peer` is nil when the peer's
    /// credentials are unknown. Every sequence number of a connection must be handled once.
    func handle(line: [UInt8], sequence: Int, peer: PeerIdentity?, outlet: ConnectionOutlet) async -> Data? {
        let parsed = RPCParser.parse(line)
        let caller = authenticate(peer, outlet: outlet)
        let steps = await outlet.order.admit(sequence) { lastWrite -> [Step]? in
            switch parsed {
            case .blank: return nil
            case .failure(let error): return [.immediate(RPCReply.error(id: .null, error))]
            case .single(let item): return [admit(item, caller: caller, outlet: outlet, lastWrite: &lastWrite)]
            case .batch(let items): return items.map { admit($0, caller: caller, outlet: outlet, lastWrite: &lastWrite) }
            }
        }
        guard let steps else { return nil }
        guard case .batch = parsed else { return await execute(steps[0]) }
        let replies = await withTaskGroup(of: (Int, Data?).self) { group in
            for (index, step) in steps.enumerated() {
                group.addTask { (index, await self.execute(step)) }
            }
            var replies = [Data?](repeating: nil, count: steps.count)
            for await (index, reply) in group { replies[index] = reply }
            return replies.compactMap { $0 }
        }
        // A batch of notifications only gets no reply at all (JSON-RPC 2.0, section 6).
        return replies.isEmpty ? nil : RPCReply.batch(replies)
    }

    /// The caller's role, decided once per connection and config: a connection's peer does not
    /// change, and a reloaded config (SIGHUP) is seen by the next request.
    private func authenticate(_ peer: PeerIdentity?, outlet: ConnectionOutlet) -> Result<Caller, RPCError> {
        guard let peer else { return authenticate(nil) }
        let generation = config.generation
        if let decided = outlet.decidedCaller.withLock({ $0 }), decided.generation == generation, decided.peer == peer {
            return decided.caller
        }
        let caller = authenticate(peer)
        outlet.decidedCaller.withLock { $0 = (generation, peer, caller) }
        return caller
    }

    private func authenticate(_ peer: PeerIdentity?) -> Result<Caller, RPCError> {
        guard let peer else { return .failure(.permissionDenied("the caller's credentials are unknown")) }
        guard let caller = config.current.access.caller(for: peer) else {
            return .failure(.permissionDenied("user \(peer.userName) has no role in creditd's [access] config"))
        }
        return .success(caller)
    }

    /// Decides one call's fate during admission; enqueues it if it writes.
    private func admit(_ item: RPCItem, caller: Result<Caller, RPCError>, outlet: ConnectionOutlet,
                       lastWrite: inout WriteTicket?) -> Step {
        let request: RPCRequest
        switch item {
        case .invalid(let id, let error, let silent):
            return .immediate(silent ? nil : RPCReply.error(id: id, error))
        case .request(let valid):
            request = valid
        }
        func fail(_ error: RPCError) -> Step {
            .immediate(request.id.map { RPCReply.error(id: $0, error) })
        }
        // Access is decided before anything else, so an unknown caller learns nothing, not even method names.
        let authorized: Caller
        switch caller {
        case .failure(let error): return fail(error)
        case .success(let known): authorized = known
        }
        guard let method = Method(rawValue: request.methodName) else { return fail(.methodNotFound(request.methodName)) }
        guard authorized.permissions.contains(method.permission) else {
            var error = RPCError.permissionDenied(
                "role \(authorized.role) lacks permission \(method.permission.rawValue) for \(method.rawValue)")
            error.details["permission"] = .string(method.permission.rawValue)
            return fail(error)
        }
        let call = Call(method: method, params: request.params, caller: authorized, paramKeys: request.paramKeys)
        if method == .eventsSubscribe {
            switch subscribe(call, outlet: outlet) {
            case .success(let result): return .immediate(request.id.map { RPCReply.result(id: $0, result) })
            case .failure(let error): return fail(error)
            }
        }
        if method.isMutating {
            let ticket = writer.enqueue(call)
            lastWrite = ticket
            return .write(id: request.id, ticket)
        }
        return .read(id: request.id, call, after: lastWrite)
    }

    private func execute(_ step: Step) async -> Data? {
        let id: JSONValue?
        let outcome: Result<Data, RPCError>
        switch step {
        case .immediate(let reply):
            return reply
        case .write(let requestID, let ticket):
            id = requestID
            outcome = await ticket.value.mapError(RPCError.init)
        case .read(let requestID, let call, let after):
            id = requestID
            if let after { _ = await after.value }
            do {
                outcome = .success(try await backend.read(call))
            } catch {
                outcome = .failure(RPCError(error))
            }
        }
        guard let id else { return nil }
        switch outcome {
        case .success(let result): return RPCReply.result(id: id, result)
        case .failure(let error): return RPCReply.error(id: id, error)
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
