import CreditProtocol
import Dispatch
import Foundation

/// What to do with one call of a request line, as decided on the connection's event loop.
enum CallStep {
    /// The reply is known already: an error, or nothing (nil) for a notification.
    case reply(Data?)
    /// A mutating call: it goes to the single writer, in the connection's order.
    case write(id: JSONValue?, Call)
    /// A read: it runs once the connection's earlier writes are durable.
    case read(id: JSONValue?, Call)
    /// `events.subscribe`, which needs the connection's outlet.
    case subscribe(id: JSONValue?, Call)
}

/// The services every connection shares, and the decisions that do not depend on a connection:
/// access, method lookup and permission checks, turning a parsed line into `CallStep`s.
///
/// Where work runs, and why there is no Swift concurrency here:
/// - parsing, access checks, ordinary reads and reply encoding run on the connection's event loop
///   (`RPCConnectionHandler`), with no hop at all;
/// - writes go to `GroupCommitWriter`'s own thread and come back with one `EventLoop.execute` per
///   connection and transaction;
/// - slow reads (`Backend.isSlow`) and peer-name lookups (NSS may block) run on serial queues.
///
/// Serial `DispatchQueue`s run on libdispatch's overcommit pool. Anything on a *non*-overcommit
/// queue (`Task`, `async`/`await` continuations, `.global()`, `.concurrent` queues) starts
/// libdispatch's worker-pool monitor on Linux, a 1 Hz timer that is never cancelled and would
/// wake an idle daemon ten times in ten seconds (issue 3 wants zero). `scripts/bench-scheduler.sh
/// --only idle` checks it.
final class Dispatcher: Sendable {
    let backend: any Backend
    let writer: GroupCommitWriter
    let hub: SubscriptionHub
    let config: ConfigHolder
    /// Requests counted by method and outcome, and their durations.
    let metrics: DaemonMetrics
    /// Long reads run here, one at a time, so they never stall an event loop.
    let slowReads = DispatchQueue(label: "creditd.slow-reads")
    /// Writes that run apart from the group-commit writer (`Backend.runsApart`: an import's
    /// commit, many transactions long) run here, one at a time.
    let longWrites = DispatchQueue(label: "creditd.long-writes")
    /// Peer user and group names are looked up here (NSS may block on LDAP or sssd).
    let identities = DispatchQueue(label: "creditd.identities")

    init(backend: any Backend, hub: SubscriptionHub, config: ConfigHolder, metrics: DaemonMetrics = DaemonMetrics()) {
        self.backend = backend
        self.metrics = metrics
        self.writer = GroupCommitWriter(backend: backend, metrics: metrics)
        self.hub = hub
        self.config = config
    }

    /// The steps of one request line, one per call (a batch has several); nil for a blank line,
    /// which gets no reply at all.
    static func steps(for line: RPCLine, caller: Result<Caller, RPCError>, metrics: DaemonMetrics) -> [CallStep]? {
        switch line {
        case .blank: return nil
        case .failure(let error):
            metrics.count(nil, failure: error.reason)
            return [.reply(RPCReply.error(id: .null, error))]
        case .single(let item): return [step(item, caller: caller, metrics: metrics)]
        case .batch(let items): return items.map { step($0, caller: caller, metrics: metrics) }
        }
    }

    /// The caller's role for `peer` under the current config; nil `peer`: credentials unknown.
    func authenticate(_ peer: PeerIdentity?) -> Result<Caller, RPCError> {
        guard let peer else { return .failure(.permissionDenied("the caller's credentials are unknown")) }
        guard let caller = config.current.access.caller(for: peer) else {
            return .failure(.permissionDenied("user \(peer.userName) has no role in creditd's [access] config"))
        }
        return .success(caller)
    }

    /// Whether `peer` may subscribe to events under the config in force now.
    func mayRead(events peer: PeerIdentity?) -> Bool {
        guard case .success(let caller) = authenticate(peer) else { return false }
        return caller.permissions.contains(Method.eventsSubscribe.permission)
    }

    /// The reply line for a call with `id` (nil: a notification, no reply).
    static func reply(id: JSONValue?, _ outcome: Result<Data, WireError>) -> Data? {
        guard let id else { return nil }
        switch outcome {
        case .success(let result): return RPCReply.result(id: id, result)
        case .failure(let error): return RPCReply.error(id: id, RPCError(error))
        }
    }

    /// The reply for a read or write that ran, counted (with its duration) in the metrics.
    func reply(id: JSONValue?, _ method: Method, kind: RequestKind, startedNs: UInt64,
               _ outcome: Result<Data, WireError>) -> Data? {
        var failure: ErrorReason?
        if case .failure(let error) = outcome { failure = error.reason }
        metrics.finished(method, kind: kind, startedNs: startedNs, failure: failure)
        return Self.reply(id: id, outcome)
    }

    /// `events.subscribe`: registers `outlet` with the hub for `peer`; returns the reply.
    func subscribe(id: JSONValue?, _ call: Call, outlet: ConnectionOutlet, peer: PeerIdentity?) -> Data? {
        let filter: EventFilter
        do {
            filter = try SubscriptionHub.filter(from: call.params)
        } catch {
            metrics.count(.eventsSubscribe, failure: error.reason)
            return id.map { RPCReply.error(id: $0, error) }
        }
        metrics.count(.eventsSubscribe, failure: nil)
        let subscription = hub.subscribe(filter, sink: outlet, peer: peer)
        // A reload between this call's access check and `hub.subscribe` ended subscriptions
        // without seeing this one: check again against the config now in force.
        guard mayRead(events: peer) else {
            hub.unsubscribe(subscription)
            return id.map { RPCReply.error(id: $0, .permissionDenied("the access config changed: \(peer?.userName ?? "the caller") may no longer read events")) }
        }
        outlet.adopt(subscription: subscription, hub: hub)
        return id.map { RPCReply.result(id: $0, JSONValue.object(["subscription": .int(Int64(subscription))]).encoded()) }
    }

    /// Decides one call's fate.
    private static func step(_ item: RPCItem, caller: Result<Caller, RPCError>, metrics: DaemonMetrics) -> CallStep {
        let request: RPCRequest
        switch item {
        case .invalid(let id, let error, let silent):
            metrics.count(nil, failure: error.reason)
            return .reply(silent ? nil : RPCReply.error(id: id, error))
        case .request(let valid):
            request = valid
        }
        func fail(_ error: RPCError) -> CallStep {
            metrics.count(Method(rawValue: request.methodName), failure: error.reason)
            return .reply(request.id.map { RPCReply.error(id: $0, error) })
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
        if method == .eventsSubscribe { return .subscribe(id: request.id, call) }
        return method.isMutating ? .write(id: request.id, call) : .read(id: request.id, call)
    }
}
