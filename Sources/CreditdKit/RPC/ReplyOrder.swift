import Foundation
import NIOCore

/// One connection's replies in request order.
///
/// Every request line that is answered takes the next slot; its calls (one, or a batch's
/// elements) finish in any order, and a slot leaves only from the head, once all its calls
/// have finished. So replies go out strictly in request order whatever finishes first.
struct ReplyOrder {
    private struct Slot {
        /// Calls not finished yet.
        var pending: Int
        /// One reply per call; nil for a notification (or a call not finished yet).
        var replies: [Data?]
        let isBatch: Bool
        /// Close the connection after this reply (the oversized-line error).
        var closeAfter = false
    }

    private var slots = CircularBuffer<Slot>()
    /// Sequence number of `slots.first`.
    private var headSequence = 0

    /// Bytes of finished replies waiting in slots (behind an unfinished one, or until `popReady`).
    private(set) var heldBytes = 0

    /// Lines taken and not yet popped: the connection's requests in flight.
    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    /// Takes the next slot, for a line of `calls` calls; returns its sequence number.
    mutating func open(calls: Int, isBatch: Bool) -> Int {
        precondition(calls >= 1, "a slot needs at least one call")
        slots.append(Slot(pending: calls, replies: [Data?](repeating: nil, count: calls), isBatch: isBatch))
        return headSequence + slots.count - 1
    }

    /// Takes the next slot with its reply already known.
    mutating func append(reply: Data?, closeAfter: Bool = false) {
        var slot = Slot(pending: 0, replies: [reply], isBatch: false)
        slot.closeAfter = closeAfter
        slots.append(slot)
        heldBytes += reply?.count ?? 0
    }

    /// Records the reply of call `index` of line `sequence`. A sequence already gone (the
    /// connection was reset) is ignored.
    mutating func finish(_ sequence: Int, index: Int, reply: Data?) {
        let offset = sequence - headSequence
        guard offset >= 0, offset < slots.count else { return }
        let position = slots.index(slots.startIndex, offsetBy: offset)
        precondition(slots[position].pending > 0 && slots[position].replies[index] == nil,
                     "call \(index) of line \(sequence) finished twice")
        slots[position].replies[index] = reply
        slots[position].pending -= 1
        heldBytes += reply?.count ?? 0
    }

    /// The head line's reply once all its calls are done: nil when the head is not finished.
    /// `reply` is nil when nothing is to be sent (notifications only).
    mutating func popReady() -> (reply: Data?, closeAfter: Bool)? {
        guard let head = slots.first, head.pending == 0 else { return nil }
        slots.removeFirst()
        headSequence += 1
        let replies = head.replies.compactMap { $0 }
        heldBytes -= replies.reduce(0) { $0 + $1.count }
        guard head.isBatch else { return (replies.first, head.closeAfter) }
        // A batch of notifications only gets no reply at all (JSON-RPC 2.0, section 6).
        return (replies.isEmpty ? nil : RPCReply.batch(replies), head.closeAfter)
    }

    /// Forgets everything (the connection is gone); later `finish` calls are ignored.
    mutating func removeAll() {
        headSequence += slots.count
        slots.removeAll()
        heldBytes = 0
    }
}
