import CreditProtocol
import Foundation
import Logging
import NIOCore

/// Who is calling: the peer's credentials, looked up off the event loop (NSS may block), and
/// the caller's role under the config in force (re-decided after each reload).
extension RPCConnectionHandler {
    // MARK: - Who is calling

    /// Credentials are read once, at connect, as the kernel recorded them; the name lookups may
    /// block on NSS, so they run on `Dispatcher.identities`. Lines wait until they are known.
    func resolveIdentity(context: ChannelHandlerContext) {
        let eventLoop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        let (logger, identities) = (self.logger, dispatcher.identities)
        PeerCredentials.of(context.channel).whenComplete { result in
            switch result {
            case .success(let credentials):
                identities.async { @Sendable in
                    let peer = PeerCredentials.identity(credentials)
                    logger.debug("connection", metadata: ["uid": "\(peer.uid)", "user": "\(peer.userName)", "pid": "\(peer.pid)"])
                    eventLoop.execute { handler.value.identityResolved(peer) }
                }
            case .failure(let error):
                logger.warning("cannot read peer credentials: \(error)")
                eventLoop.execute { handler.value.identityResolved(nil) }
            }
        }
    }

    func identityResolved(_ peer: PeerIdentity?) {
        guard !closed else { return }
        self.peer = peer
        identityKnown = true
        advance()
    }

    /// The caller's role, decided once per connection and config: a connection's peer does not
    /// change, and a reloaded config (SIGHUP) is seen by the next request.
    func caller() -> Result<Caller, RPCError> {
        let generation = dispatcher.config.generation
        if let decided, decided.generation == generation { return decided.caller }
        let caller = dispatcher.authenticate(peer)
        decided = (generation, caller)
        return caller
    }

    func subscriptionOutlet() -> ConnectionOutlet {
        if let outlet { return outlet }
        let created = ConnectionOutlet(channel: context!.channel)
        outlet = created
        return created
    }
}
