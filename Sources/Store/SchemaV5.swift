extension Schema {
    /// v5: booking events carry the booked session type. A `used` event's `scope` is the lot's (a
    /// yoga class paid with `any` credits says `any`), so a history filtered by session type missed
    /// such classes. `event.session_type` is the booked type on every event of a booking (`used`,
    /// `returned`, `voided`, and the `expired`/`refunded` of credits returned into a dead lot; a
    /// debt repayment names the indebted booking's type), NULL on the others, whose type is their
    /// `scope`. Existing rows are filled from their booking (a booking's type never changes), and the
    /// append-only trigger is recreated to cover the new column.
    static let v5 = """
    ALTER TABLE event ADD COLUMN session_type TEXT;
    UPDATE event SET session_type = (SELECT b.session_type_id FROM booking b WHERE b.id = event.booking_id)
    WHERE booking_id IS NOT NULL;

    DROP TRIGGER event_no_update;
    CREATE TRIGGER event_no_update BEFORE UPDATE OF id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id,
        to_lot_id, booking_id, purchase_id, membership_id, cycle, amount, credits, actor, staff, rule, session_type
        ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """
}
