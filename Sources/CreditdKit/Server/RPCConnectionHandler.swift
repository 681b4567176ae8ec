import CreditProtocol
import Foundation
import Logging
import NIOCore

/// Asks a connection to finish what it has in flight, then close (daemon shutdown).
struct DrainConnection: Sendable {}

/// One connection's request pipeline, entirely on its event loop.
///
/// Each line is parsed, authenticated and checked where it is read. Reads run right there
/// (slow ones on `Dispatcher.slowReads`), writes are queued for the single writer at the end of
/// the read pass, and their outcomes come back in one `EventLoop.execute` per transaction. A
/// read waits for the connection's earlier writes to be durable (read-your-writes), and replies
/// leave strictly in request order (`ReplyOrder`).
///
/// Fair share and bounded memory: with `Limits.inFlightPerConnectionMax` lines in flight, or
/// `Limits.connectionBufferedBytesMax` bytes held (lines read but not handled, finished replies
/// not yet written), or the socket's send buffer full, the connection stops reading (the
/// outbound `read` is not passed on) until it drains (`connectionBufferedBytesResume`). Nothing
/// is dropped; the client just sees TCP-style backpressure.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Where a call's reply goes: line `sequence`, element `index`, request `id`; and what to
    /// count it as in the metrics: its method, and when its line was read (monotonic ns).
    private struct CallSlot: Sendable {
        let sequence: Int
        let index: Int
        let id: JSONValue?
        let method: Method
        let startedNs: UInt64
    }

    private struct ApartWrite {
        let slot: CallSlot
        let write: PreparedWrite
        let rest: ArraySlice<(index: Int, call: LineCall)>
        var started = false
    }

    private struct PendingRead {
        let slot: CallSlot
        let call: Call
        /// The connection's writes that must be durable before it runs.
        let afterWrites: Int
    }

    private let dispatcher: Dispatcher
    private let inFlightMax: Int
    private let bufferedBytesMax: Int
    private let bufferedBytesResume: Int
    private let logger: Logger
    private var context: ChannelHandlerContext?

    private var replies = ReplyOrder()
    /// Lines read while the connection had no room (or before its peer was known).
    private var waitingLines = CircularBuffer<LineFrame>()
    private var waitingBytes = 0
    /// Writes handled in this read pass, submitted to the writer at its end.
    private var unsubmitted: [PreparedWrite] = []
    /// Where each queued write's outcome goes, in the order the writer returns them.
    private var writeSlots = CircularBuffer<CallSlot>()
    private var writesQueued = 0
    private var writesDone = 0
    private var deferredReads = CircularBuffer<PendingRead>()
    /// A write running apart from the writer (`Backend.runsApart`), with the calls of its line
    /// after it: nothing more of this connection is handled until it is done, so its calls keep
    /// their order.
    private var apartWrite: ApartWrite?
    private var writeOrigin: ConnectionWrites?

    private var identityKnown = false
    private var peer: PeerIdentity?
    /// The caller as decided for `peer` under config generation `generation`.
    private var decided: (generation: UInt64, caller: Result<Caller, RPCError>)?
    private var outlet: ConnectionOutlet?

    private var readHeld = false
    private var pausedForBytes = false
    private var inputClosed = false
    /// No more requests will be handled: oversized line, or draining for shutdown.
    private var stopping = false
    private var sawOversized = false
    private var draining = false
    private var closing = false
    private var closed = false
    private var needsFlush = false
    private var lastWrite: EventLoopFuture<Void>?

    init(dispatcher: Dispatcher, inFlightMax: Int = Limits.inFlightPerConnectionMax,
         bufferedBytesMax: Int = Limits.connectionBufferedBytesMax,
         bufferedBytesResume: Int = Limits.connectionBufferedBytesResume, logger: Logger) {
        self.dispatcher = dispatcher
        self.inFlightMax = inFlightMax
        self.bufferedBytesMax = bufferedBytesMax
        self.bufferedBytesResume = bufferedBytesResume
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Breaks the cycle with the writer's handle on this connection.
        writeOrigin = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        resolveIdentity(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        // Writes already read were accepted: they are applied even though nobody hears back.
        submitWrites()
        replies.removeAll()
        waitingLines.removeAll()
        waitingBytes = 0
        deferredReads.removeAll()
        writeSlots.removeAll()
        outlet?.close()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stopping else { return }
        let frame = unwrapInboundIn(data)
        if case .oversized = frame { sawOversized = true }
        if waitingLines.isEmpty, mayHandle {
            handle(frame)
            writeReadyReplies()
        } else {
            // One read can carry many lines; beyond the caps they wait, so the caps are exact.
            waitingLines.append(frame)
            if case .line(let bytes) = frame { waitingBytes += bytes.count }
            updateBytePause()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        endPass()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        advance()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            advance()
        } else if event is DrainConnection {
            // Lines read but not handled were never executed: drop them, answer the rest.
            stopping = true
            draining = true
            waitingLines.removeAll()
            waitingBytes = 0
            advance()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Handling lines

    /// Room for one more line: its peer is known, and it is under every cap.
    private var mayHandle: Bool {
        identityKnown && !stopping && !closing && apartWrite == nil && replies.count < inFlightMax && !pausedForBytes
            && (context?.channel.isWritable ?? false)
    }

    /// Whether to read more from the socket.
    private var mayRead: Bool { mayHandle && !sawOversized && waitingLines.isEmpty }

    private func handle(_ frame: LineFrame) {
        switch frame {
        case .line(let bytes):
            handle(line: bytes)
        case .oversized:
            stopping = true
            dispatcher.metrics.count(nil, failure: .limitExceeded)
            let error = RPCError.requestLimit("request line longer than \(Limits.lineBytesMax) bytes", limit: Limits.lineBytesMax)
            replies.append(reply: RPCReply.error(id: .null, error), closeAfter: true)
        }
    }

    private func handle(line: [UInt8]) {
        let startedNs = MonotonicClock.nowNs()
        guard let (isBatch, calls) = Dispatcher.calls(ofLine: line, caller: caller(), backend: dispatcher.backend,
                                                      metrics: dispatcher.metrics)
        else { return }
        let sequence = replies.open(calls: calls.count, isBatch: isBatch)
        logger.debug("dispatch", metadata: ["bytes": "\(line.count)", "in_flight": "\(replies.count)"])
        route(calls.enumerated().map { (index: $0.offset, call: $0.element) }[...], sequence: sequence, startedNs: startedNs)
    }

    /// Sends each call of line `sequence` on its way, until one that runs apart.
    private func route(_ calls: ArraySlice<(index: Int, call: LineCall)>, sequence: Int, startedNs: UInt64) {
        for (position, (index, call)) in zip(calls.indices, calls) {
            switch call {
            case .reply(let reply):
                replies.finish(sequence, index: index, reply: reply)
            case .write(let id, let prepared) where dispatcher.backend.runsApart(prepared):
                let slot = CallSlot(sequence: sequence, index: index, id: id, method: prepared.call.method,
                                    startedNs: startedNs)
                apartWrite = ApartWrite(slot: slot, write: prepared, rest: calls[(position + 1)...])
                startApartWriteWhenReady()
                return
            case .write(let id, let prepared):
                unsubmitted.append(prepared)
                writeSlots.append(CallSlot(sequence: sequence, index: index, id: id, method: prepared.call.method,
                                           startedNs: startedNs))
                writesQueued += 1
            case .read(let id, let call):
                let slot = CallSlot(sequence: sequence, index: index, id: id, method: call.method, startedNs: startedNs)
                let read = PendingRead(slot: slot, call: call,
                                       afterWrites: writesQueued)
                if writesDone >= writesQueued { run(read) } else { deferredReads.append(read) }
            case .subscribe(let id, let call):
                replies.finish(sequence, index: index, reply: dispatcher.subscribe(id: id, call, outlet: subscriptionOutlet(), peer: peer))
            }
        }
    }

    /// Starts the apart write once the connection's earlier writes are durable.
    private func startApartWriteWhenReady() {
        guard var apart = apartWrite, !apart.started, writesDone >= writesQueued, let eventLoop = context?.eventLoop
        else { return }
        apart.started = true
        apartWrite = apart
        let (backend, write) = (dispatcher.backend, apart.write)
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        dispatcher.longWrites.async { @Sendable in
            let outcome = backend.writeApart(write)
            eventLoop.execute { handler.value.apartWriteFinished(outcome) }
        }
    }

    private func apartWriteFinished(_ outcome: Result<RawResult, WireError>) {
        guard let apart = apartWrite else { return }
        apartWrite = nil
        guard !closed else { return }
        replies.finish(apart.slot.sequence, index: apart.slot.index, reply: dispatcher.reply(
            id: apart.slot.id, apart.slot.method, kind: .write, startedNs: apart.slot.startedNs, outcome.map(\.json)))
        route(apart.rest, sequence: apart.slot.sequence, startedNs: apart.slot.startedNs)
        advance()
    }

    /// Runs a read whose earlier writes are durable: here, or on the slow-read queue.
    private func run(_ read: PendingRead) {
        let (dispatcher, backend) = (self.dispatcher, dispatcher.backend)
        guard backend.isSlow(read.call), let eventLoop = context?.eventLoop else {
            let outcome = Result { () throws(WireError) -> Data in try backend.read(read.call) }
            replies.finish(read.slot.sequence, index: read.slot.index, reply: dispatcher.reply(
                id: read.slot.id, read.call.method, kind: .read, startedNs: read.slot.startedNs, outcome))
            return
        }
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        let (call, slot) = (read.call, read.slot)
        dispatcher.slowReads.async { @Sendable in
            let outcome = Result { () throws(WireError) -> Data in try backend.read(call) }
            let reply = dispatcher.reply(id: slot.id, slot.method, kind: .slowRead, startedNs: slot.startedNs, outcome)
            eventLoop.execute { handler.value.finished(slot, reply) }
        }
    }

    private func finished(_ slot: CallSlot, _ reply: Data?) {
        guard !closed else { return }
        replies.finish(slot.sequence, index: slot.index, reply: reply)
        advance()
    }

    /// The writer's outcomes for this connection's oldest queued writes (on the event loop).
    func writesFinished(_ outcomes: [Result<RawResult, WireError>]) {
        guard !closed else { return }
        for outcome in outcomes {
            guard let slot = writeSlots.popFirst() else { break }
            writesDone += 1
            replies.finish(slot.sequence, index: slot.index, reply: dispatcher.reply(
                id: slot.id, slot.method, kind: .write, startedNs: slot.startedNs, outcome.map(\.json)))
        }
        while let read = deferredReads.first, read.afterWrites <= writesDone {
            deferredReads.removeFirst()
            run(read)
        }
        startApartWriteWhenReady()
        advance()
    }

    // MARK: - Flow

    /// Sends what is ready, handles waiting lines while there is room, then resumes reading or
    /// closes as due, and ends the pass (queued writes to the writer, one flush).
    private func advance() {
        while true {
            writeReadyReplies()
            guard waitingLines.first != nil, mayHandle else { break }
            let frame = waitingLines.removeFirst()
            if case .line(let bytes) = frame { waitingBytes -= bytes.count }
            handle(frame)
        }
        updateBytePause()
        if readHeld, mayRead, let context {
            readHeld = false
            context.read()
        }
        endPass()
        closeIfFinished()
    }

    /// Writes every finished reply at the head, in order (flushed at the end of the pass).
    private func writeReadyReplies() {
        guard let context else { return }
        while !closing, let (reply, closeAfter) = replies.popReady() {
            if let reply {
                var buffer = context.channel.allocator.buffer(capacity: reply.count + 1)
                buffer.writeBytes(reply)
                buffer.writeInteger(UInt8(ascii: "\n"))
                lastWrite = context.write(wrapOutboundOut(buffer))
                needsFlush = true
            }
            if closeAfter { closeAfterWrites() }
        }
        updateBytePause()
    }

    /// Pauses handling and reading above `bufferedBytesMax` held, resumes below `bufferedBytesResume`.
    private func updateBytePause() {
        let held = replies.heldBytes + waitingBytes
        if !pausedForBytes, held >= bufferedBytesMax {
            pausedForBytes = true
            logger.debug("reading paused", metadata: ["held_bytes": "\(held)", "in_flight": "\(replies.count)"])
        } else if pausedForBytes, held <= bufferedBytesResume {
            pausedForBytes = false
            logger.debug("reading resumed", metadata: ["held_bytes": "\(held)", "in_flight": "\(replies.count)"])
        }
    }

    /// Hands this pass's writes to the writer and flushes this pass's replies.
    private func endPass() {
        submitWrites()
        if needsFlush, let context {
            needsFlush = false
            context.flush()
        }
    }

    private func submitWrites() {
        guard !unsubmitted.isEmpty, let origin = writeOrigin ?? makeWriteOrigin() else { return }
        dispatcher.writer.submit(unsubmitted, from: origin)
        unsubmitted.removeAll(keepingCapacity: true)
    }

    private func makeWriteOrigin() -> ConnectionWrites? {
        guard let eventLoop = context?.eventLoop else { return nil }
        let origin = ConnectionWrites(handler: NIOLoopBound(self, eventLoop: eventLoop), eventLoop: eventLoop)
        writeOrigin = origin
        return origin
    }

    private func closeIfFinished() {
        guard replies.isEmpty, waitingLines.isEmpty, !closing else { return }
        // A half-closed subscriber stays open to receive events; a draining daemon closes everyone.
        let subscribed = outlet?.isSubscribed ?? false
        if draining || (inputClosed && !subscribed) { closeAfterWrites() }
    }

    private func closeAfterWrites() {
        guard !closing, let context else { return }
        closing = true
        needsFlush = false
        context.flush()
        // Close only once the last reply is on the wire: a close fails writes still pending.
        if let lastWrite {
            lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: - Who is calling

    /// Credentials are read once, at connect, as the kernel recorded them; the name lookups may
    /// block on NSS, so they run on `Dispatcher.identities`. Lines wait until they are known.
    private func resolveIdentity(context: ChannelHandlerContext) {
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

    private func identityResolved(_ peer: PeerIdentity?) {
        guard !closed else { return }
        self.peer = peer
        identityKnown = true
        advance()
    }

    /// The caller's role, decided once per connection and config: a connection's peer does not
    /// change, and a reloaded config (SIGHUP) is seen by the next request.
    private func caller() -> Result<Caller, RPCError> {
        let generation = dispatcher.config.generation
        if let decided, decided.generation == generation { return decided.caller }
        let caller = dispatcher.authenticate(peer)
        decided = (generation, caller)
        return caller
    }

    private func subscriptionOutlet() -> ConnectionOutlet {
        if let outlet { return outlet }
        let created = ConnectionOutlet(channel: context!.channel)
        outlet = created
        return created
    }
}
