import CreditProtocol
import Foundation
import Logging
import NIOCore

/// Asks a connection to finish what it has in flight, then close (daemon shutdown).
struct DrainConnection: Sendable {}

/// One connection's ordered request pipeline.
///
/// Every line gets a slot in arrival order and is dispatched at once, so many requests run
/// concurrently; replies leave strictly in slot order. With `inFlightMax` slots open, reads
/// are held (the outbound `read` is not passed on) until replies drain.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Slot {
        var done = false
        var reply: Data?
        var closeAfter = false
    }

    private let dispatcher: Dispatcher
    private let inFlightMax: Int
    private let logger: Logger
    private var slots = CircularBuffer<Slot>()
    /// Lines already read while the pipeline was full; dispatched as slots free up.
    private var waitingLines = CircularBuffer<[UInt8]>()
    /// Sequence number of `slots.first`.
    private var headSequence = 0
    private var readHeld = false
    private var inputClosed = false
    /// No more requests will be read: oversized line, or draining for shutdown.
    private var stopping = false
    private var draining = false
    private var closing = false
    /// A flush is queued on the event loop (see `scheduleFlush`).
    private var flushScheduled = false
    private var lastWrite: EventLoopFuture<Void>?
    private var identity: Task<PeerIdentity?, Never>?
    private var outlet: ConnectionOutlet?

    init(dispatcher: Dispatcher, inFlightMax: Int = Limits.inFlightPerConnectionMax, logger: Logger) {
        self.dispatcher = dispatcher
        self.inFlightMax = inFlightMax
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        outlet = ConnectionOutlet(channel: context.channel)
        let logger = self.logger
        // Credentials are read once, at connect, as the kernel recorded them; the name
        // lookups may block on NSS, so they run off the event loop.
        PeerCredentials.of(context.channel).assumeIsolated().whenComplete { result in
            self.identity = Task.detached {
                switch result {
                case .success(let cred):
                    let peer = PeerCredentials.identity(cred)
                    logger.debug("connection", metadata: ["uid": "\(peer.uid)", "user": "\(peer.userName)", "pid": "\(peer.pid)"])
                    return peer
                case .failure(let error):
                    logger.warning("cannot read peer credentials: \(error)")
                    return nil
                }
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        outlet?.close()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stopping else { return }
        switch unwrapInboundIn(data) {
        case .line(let bytes):
            // One read can carry many lines; beyond the cap they wait, so the cap is exact.
            if slots.count >= inFlightMax || !waitingLines.isEmpty {
                waitingLines.append(bytes)
            } else {
                dispatch(bytes, context: context)
            }
        case .oversized:
            // Lines before the oversized one were read in full: answer them first.
            while let waiting = waitingLines.popFirst() { dispatch(waiting, context: context) }
            stopping = true
            let error = RPCError.requestLimit("request line longer than \(Limits.lineBytesMax) bytes", limit: Limits.lineBytesMax)
            slots.append(Slot(done: true, reply: RPCReply.error(id: .null, error), closeAfter: true))
            flushReady(context: context)
        }
    }

    private func dispatch(_ bytes: [UInt8], context: ChannelHandlerContext) {
        guard let outlet else { return }
        let sequence = headSequence + slots.count
        slots.append(Slot())
        logger.debug("dispatch", metadata: ["bytes": "\(bytes.count)", "in_flight": "\(slots.count)"])
        let promise = context.eventLoop.makePromise(of: Data?.self)
        let dispatcher = self.dispatcher
        let identity = self.identity
        promise.completeWithTask {
            let peer = await identity?.value
            return await dispatcher.handle(line: bytes, sequence: sequence, peer: peer, outlet: outlet)
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            let reply: Data?
            switch result {
            case .success(let data): reply = data
            case .failure: reply = RPCReply.error(id: .null, RPCError(WireError(.internalError, "request failed")))
            }
            self.complete(sequence, reply: reply, context: context)
        }
    }

    private func complete(_ sequence: Int, reply: Data?, context: ChannelHandlerContext) {
        let index = sequence - headSequence
        guard index >= 0, index < slots.count else { return }
        slots[slots.index(slots.startIndex, offsetBy: index)] = Slot(done: true, reply: reply)
        flushReady(context: context)
    }

    /// Writes every finished reply at the head, in order; resumes reading or closes as due.
    private func flushReady(context: ChannelHandlerContext) {
        var wrote = false
        while let head = slots.first, head.done, !closing {
            slots.removeFirst()
            headSequence += 1
            if let reply = head.reply {
                var buffer = context.channel.allocator.buffer(capacity: reply.count + 1)
                buffer.writeBytes(reply)
                buffer.writeInteger(UInt8(ascii: "\n"))
                lastWrite = context.write(wrapOutboundOut(buffer))
                wrote = true
            }
            if head.closeAfter { closeAfterWrites(context: context) }
        }
        if wrote { scheduleFlush(context: context) }
        while slots.count < inFlightMax, !closing, let waiting = waitingLines.popFirst() {
            dispatch(waiting, context: context)
        }
        resumeReadingIfPossible(context: context)
        closeIfFinished(context: context)
    }

    /// Flushes once the event loop has run what is already queued: replies of one group commit
    /// complete one by one, and each used to cost its own write system call.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            context.flush()
        }
    }

    private var mayRead: Bool {
        !stopping && slots.count < inFlightMax && waitingLines.isEmpty
    }

    private func resumeReadingIfPossible(context: ChannelHandlerContext) {
        if readHeld, mayRead, context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }

    private func closeIfFinished(context: ChannelHandlerContext) {
        guard slots.isEmpty, waitingLines.isEmpty, !closing else { return }
        // A half-closed subscriber stays open to receive events; a draining daemon closes everyone.
        let subscribed = outlet?.isSubscribed ?? false
        if draining || (inputClosed && !subscribed) { closeAfterWrites(context: context) }
    }

    private func closeAfterWrites(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.flush()
        // Close only once the last reply is on the wire: a close fails writes still pending.
        if let lastWrite {
            lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            closeIfFinished(context: context)
        } else if event is DrainConnection {
            // Lines read but not dispatched were never executed: drop them, answer the rest.
            stopping = true
            draining = true
            waitingLines.removeAll()
            closeIfFinished(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: hold the read while the pipeline is full, while the client is not
        // reading its replies (channel not writable), or when no more requests are wanted.
        if mayRead, context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfPossible(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }
}
