import CreditProtocol
import GRDB

/// No-shows and their reversal, and reinstating a settled late cancellation (`booking.reinstate`).
///
/// A no-show changes no credit, so it writes no event: its note goes on the booking's first `used`
/// event (an edit kept in `note_edit`, with who and when, as `note.set` does). A booking that took no
/// credits has no event to hold a note, so a note for it is refused.
enum NoShows {
    static func noShow(_ tx: Tx, _ p: IdActionParams) throws -> Booking {
        try Validate.note(p.note)
        let booking = try Bookings.get(tx, id: p.id)
        guard booking.status == .booked || booking.status == .completed else {
            throw LedgerError.invalidState("booking \(p.id) is \(booking.status.rawValue): only a booked or completed session can be a no-show")
        }
        guard tx.nowMs >= booking.startsAt.ms else {
            throw LedgerError.invalidState("booking \(p.id) starts at \(booking.startsAt): a no-show can be marked once the session has started (cancel it instead)")
        }
        try noteOnFirstUse(tx, booking: booking, note: p.note)
        try Bookings.setStatus(tx, p.id, .noShow, cancelledAtMs: nil, settleAtMs: nil)
        return try Bookings.get(tx, id: p.id)
    }

    /// Reverses a no-show (back to `completed`, or `booked` until the session ends) or a settled late
    /// cancellation (the forfeited credits go back into the very lots they came from, as a waiver's do:
    /// `returned` events with the rule, status `cancelled_waived`; the `voided` event stays in history).
    static func reinstate(_ tx: Tx, _ p: IdActionParams) throws -> Booking {
        try Validate.note(p.note)
        let (booking, held) = try Bookings.read(tx, id: p.id)
        switch booking.status {
        case .noShow:
            try noteOnFirstUse(tx, booking: booking, note: p.note)
            if tx.nowMs >= booking.endsAt.ms {
                try Bookings.setStatus(tx, p.id, .completed, cancelledAtMs: nil, settleAtMs: nil)
            } else {
                try Bookings.setStatus(tx, p.id, .booked, cancelledAtMs: nil, settleAtMs: nil)
                // The no-show cleared the completion deadline: the session completes at its end again.
                try tx.db.execute(sql: "UPDATE booking SET complete_at_ms = ends_at_ms WHERE id = ?", arguments: [p.id])
                tx.deadlineChanged()
            }
        case .cancelledLate:
            var rule: Rule = ["decision": "reinstated", "reinstates": "cancelled_late",
                              "cancelled_at": booking.cancelledAt?.description ?? "",
                              "starts_at": booking.startsAt.description]
            // The cancellation's note is on its `voided` event (or still on the booking if none was written).
            let voidedNote = try String.fetchOne(tx.db, sql: """
                SELECT note FROM event WHERE client_id = ? AND booking_id = ? AND kind = 'voided' ORDER BY id DESC LIMIT 1
                """, arguments: [booking.client, booking.id])
            if let cancelNote = try voidedNote ?? Bookings.pendingNote(tx, id: booking.id) { rule["cancel_note"] = cancelNote }
            try Allocations.giveBack(tx, held: held, booking: booking, note: p.note, rule: rule)
            try Bookings.setStatus(tx, p.id, .cancelledWaived, cancelledAtMs: booking.cancelledAt?.ms, settleAtMs: nil)
        default:
            throw LedgerError.invalidState("booking \(p.id) is \(booking.status.rawValue): only a no-show or a settled late cancellation (cancelled_late) can be reinstated")
        }
        return try Bookings.get(tx, id: p.id)
    }

    /// Puts `note` (when given) on the booking's first `used` event, keeping every version.
    private static func noteOnFirstUse(_ tx: Tx, booking: Booking, note: String?) throws {
        guard let note, !note.isEmpty else { return }
        guard let row = try Row.fetchOne(tx.db, sql: """
            SELECT \(EventRecord.columns) FROM event
            WHERE client_id = ? AND booking_id = ? AND kind = 'used' ORDER BY id LIMIT 1
            """, arguments: [booking.client, booking.id]) else {
            throw LedgerError.invalidParams("booking \(booking.id) took no credits: it has no event to hold a note")
        }
        _ = try History.editNote(tx, EventRecord(row: row), note: note)
    }
}
