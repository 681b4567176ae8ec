import CreditProtocol
import Foundation
import Logging
import NIOCore

/// Running a connection's calls: reads here or on the slow-read queue, the import commit that
/// runs apart from the group-commit writer, and the writer's outcomes coming back.
extension RPCConnectionHandler {
    /// Starts the apart write once the connection's earlier writes are durable.
    func startApartWriteWhenReady() {
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

    func apartWriteFinished(_ outcome: Result<RawResult, WireError>) {
        guard let apart = apartWrite else { return }
        apartWrite = nil
        guard !closed else { return }
        replies.finish(apart.slot.sequence, index: apart.slot.index, reply: dispatcher.reply(
            id: apart.slot.id, apart.slot.method, kind: .write, startedNs: apart.slot.startedNs, outcome.map(\.json)))
        route(apart.rest, sequence: apart.slot.sequence, startedNs: apart.slot.startedNs)
        advance()
    }

    /// Runs a read whose earlier writes are durable: here, or on the slow-read queue.
    func run(_ read: PendingRead) {
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

    func finished(_ slot: CallSlot, _ reply: Data?) {
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
}
