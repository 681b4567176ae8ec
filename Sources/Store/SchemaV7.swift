extension Schema {
    /// v7: the studio workflows of issue 16.
    ///
    /// - `client.deactivated_at_ms`: set while a client is deactivated (`client.deactivate`): it keeps
    ///   its history and credits but takes no new bookings or credits. NULL: active.
    /// - `event.kind` also allows `extended` (`lot.extend`: a lot's expiry moved, amount 0) and
    ///   `transferred_out` / `transferred_in` (`credit.transfer`). SQLite cannot change a CHECK in
    ///   place, so `event` is rebuilt exactly as v5 left it (ids, indexes, triggers, v5's
    ///   `session_type` column last) with the longer CHECK; GRDB runs it with foreign keys off and checks them all before committing.
    static let v7 = """
    ALTER TABLE client ADD COLUMN deactivated_at_ms INTEGER;

    CREATE TABLE event_v7 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind = 'issued' OR kind = 'used' OR kind = 'returned' OR kind = 'voided'
            OR kind = 'deleted' OR kind = 'expired' OR kind = 'rolled_over' OR kind = 'refunded'
            OR kind = 'extended' OR kind = 'transferred_out' OR kind = 'transferred_in'),
        at_ms INTEGER NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES client(id),
        scope TEXT NOT NULL,
        lot_id INTEGER REFERENCES lot(id),
        -- rolled_over only: the rollover lot the credits moved into.
        to_lot_id INTEGER REFERENCES lot(id),
        booking_id TEXT REFERENCES booking(id),
        purchase_id TEXT REFERENCES purchase(id),
        membership_id TEXT REFERENCES membership(id),
        cycle INTEGER,
        amount INTEGER NOT NULL,
        credits INTEGER NOT NULL CHECK (credits >= 0),
        actor TEXT NOT NULL,
        staff TEXT,
        note TEXT CHECK (note IS NULL OR length(note) <= 500),
        rule TEXT,
        session_type TEXT
    ) STRICT;
    INSERT INTO event_v7 (id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id,
        purchase_id, membership_id, cycle, amount, credits, actor, staff, note, rule, session_type)
    SELECT id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id,
        purchase_id, membership_id, cycle, amount, credits, actor, staff, note, rule, session_type FROM event;
    DROP TABLE event;
    ALTER TABLE event_v7 RENAME TO event;
    CREATE INDEX event_client ON event(client_id, at_ms, id);
    CREATE INDEX event_membership ON event(membership_id) WHERE membership_id IS NOT NULL;
    CREATE INDEX event_purchase ON event(purchase_id) WHERE purchase_id IS NOT NULL;
    -- rolled_over events only: the usage of a membership finds the credits rolled into its lots.
    CREATE INDEX event_to_lot ON event(to_lot_id) WHERE to_lot_id IS NOT NULL;

    -- The event log is append-only: only the note may change (and every edit is kept in note_edit).
    CREATE TRIGGER event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER event_no_update BEFORE UPDATE OF id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id,
        to_lot_id, booking_id, purchase_id, membership_id, cycle, amount, credits, actor, staff, rule, session_type
        ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """
}
