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
    struct CallSlot: Sendable {
        let sequence: Int
        let index: Int
        let id: JSONValue?
        let method: Method
        let startedNs: UInt64
    }

    struct ApartWrite {
        let slot: CallSlot
        let write: PreparedWrite
        let rest: ArraySlice<(index: Int, call: LineCall)>
        var started = false
    }

    struct PendingRead {
        let slot: CallSlot
        let call: Call
        /// The connection's writes that must be durable before it runs.
        let afterWrites: Int
    }

    let dispatcher: Dispatcher
    let inFlightMax: Int
    let bufferedBytesMax: Int
    let bufferedBytesResume: Int
    let logger: Logger
    var context: ChannelHandlerContext?

    var replies = ReplyOrder()
    /// Lines read while the connection had no room (or before its peer was known).
    var waitingLines = CircularBuffer<LineFrame>()
    var waitingBytes = 0
    /// Writes handled in this read pass, submitted to the writer at its end.
    var unsubmitted: [PreparedWrite] = []
    /// Where each queued write's outcome goes, in the order the writer returns them.
    var writeSlots = CircularBuffer<CallSlot>()
    var writesQueued = 0
    var writesDone = 0
    var deferredReads = CircularBuffer<PendingRead>()
    /// A write running apart from the writer (`Backend.runsApart`), with the calls of its line
    /// after it: nothing more of this connection is handled until it is done, so its calls keep
    /// their order.
    var apartWrite: ApartWrite?
    var writeOrigin: ConnectionWrites?

    var identityKnown = false
    var peer: PeerIdentity?
    /// The caller as decided for `peer` under config generation `generation`.
    var decided: (generation: UInt64, caller: Result<Caller, RPCError>)?
    var outlet: ConnectionOutlet?

    var readHeld = false
    var pausedForBytes = false
    var inputClosed = false
    /// No more requests will be handled: oversized line, or draining for shutdown.
    var stopping = false
    var sawOversized = false
    var draining = false
    var closing = false
    var closed = false
    var needsFlush = false
    var lastWrite: EventLoopFuture<Void>?

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
    var mayHandle: Bool {
        identityKnown && !stopping && !closing && apartWrite == nil && replies.count < inFlightMax && !pausedForBytes
            && (context?.channel.isWritable ?? false)
    }

    /// Whether to read more from the socket.
    var mayRead: Bool { mayHandle && !sawOversized && waitingLines.isEmpty }

    func handle(_ frame: LineFrame) {
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

    func handle(line: [UInt8]) {
        let startedNs = MonotonicClock.nowNs()
        guard let (isBatch, calls) = Dispatcher.calls(ofLine: line, caller: caller(), backend: dispatcher.backend,
                                                      metrics: dispatcher.metrics)
        else { return }
        let sequence = replies.open(calls: calls.count, isBatch: isBatch)
        logger.debug("dispatch", metadata: ["bytes": "\(line.count)", "in_flight": "\(replies.count)"])
        route(calls.enumerated().map { (index: $0.offset, call: $0.element) }[...], sequence: sequence, startedNs: startedNs)
    }

    /// Sends each call of line `sequence` on its way, until one that runs apart.
    func route(_ calls: ArraySlice<(index: Int, call: LineCall)>, sequence: Int, startedNs: UInt64) {
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

    // MARK: - Flow

    /// Sends what is ready, handles waiting lines while there is room, then resumes reading or
    /// closes as due, and ends the pass (queued writes to the writer, one flush).
    func advance() {
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
    func writeReadyReplies() {
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
    func updateBytePause() {
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
    func endPass() {
        submitWrites()
        if needsFlush, let context {
            needsFlush = false
            context.flush()
        }
    }

    func submitWrites() {
        guard !unsubmitted.isEmpty, let origin = writeOrigin ?? makeWriteOrigin() else { return }
        dispatcher.writer.submit(unsubmitted, from: origin)
        unsubmitted.removeAll(keepingCapacity: true)
    }

    func makeWriteOrigin() -> ConnectionWrites? {
        guard let eventLoop = context?.eventLoop else { return nil }
        let origin = ConnectionWrites(handler: NIOLoopBound(self, eventLoop: eventLoop), eventLoop: eventLoop)
        writeOrigin = origin
        return origin
    }

    func closeIfFinished() {
        guard replies.isEmpty, waitingLines.isEmpty, !closing else { return }
        // A half-closed subscriber stays open to receive events; a draining daemon closes everyone.
        let subscribed = outlet?.isSubscribed ?? false
        if draining || (inputClosed && !subscribed) { closeAfterWrites() }
    }

    func closeAfterWrites() {
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

}
