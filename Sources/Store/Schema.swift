import GRDB

/// The database schema. Migrations are SQL and are never edited once shipped: add a new one.
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in try db.execute(sql: v1) }
        migrator.registerMigration("v2-import-staging") { db in try db.execute(sql: v2) }
        // Rebuilds tables: GRDB runs it with foreign keys off, then checks them all before committing.
        migrator.registerMigration("v3-write-path") { db in try db.execute(sql: v3) }
        migrator.registerMigration("v4-allocations-by-booking") { db in try db.execute(sql: v4) }
        migrator.registerMigration("v5-event-session-type") { db in try db.execute(sql: v5) }
        migrator.registerMigration("v6-deadline-failures-chunked-imports") { db in try db.execute(sql: v6) }
        // Rebuilds event: GRDB runs it with foreign keys off, then checks them all before committing.
        migrator.registerMigration("v7-workflows") { db in try db.execute(sql: v7) }
        return migrator
    }

    // Instants are INTEGER milliseconds since the Unix epoch (UTC); credits and money are INTEGER.
    static let v1 = """
    CREATE TABLE studio (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        time_zone TEXT NOT NULL,
        currency TEXT NOT NULL CHECK (length(currency) = 3)
    ) STRICT;

    CREATE TABLE session_type (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        requires_credit INTEGER NOT NULL CHECK (requires_credit IN (0, 1)),
        credit_cost INTEGER NOT NULL CHECK (credit_cost >= 1),
        allow_negative INTEGER NOT NULL CHECK (allow_negative IN (0, 1)),
        late_cancel_window_s INTEGER NOT NULL CHECK (late_cancel_window_s >= 0),
        late_cancel_grace_s INTEGER NOT NULL CHECK (late_cancel_grace_s >= 0),
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
        created_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE client (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT,
        created_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE package (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits >= 1),
        bonus_credits INTEGER NOT NULL CHECK (bonus_credits >= 0),
        price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3),
        expiry_days INTEGER CHECK (expiry_days IS NULL OR expiry_days >= 1),
        scope TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
    ) STRICT;

    CREATE TABLE plan (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        credits_per_cycle INTEGER NOT NULL CHECK (credits_per_cycle >= 1),
        period TEXT NOT NULL CHECK (period IN ('week', 'month', 'year')),
        period_count INTEGER NOT NULL CHECK (period_count >= 1),
        rollover_max INTEGER CHECK (rollover_max IS NULL OR rollover_max >= 0),
        rollover_expires_after_cycles INTEGER
            CHECK (rollover_expires_after_cycles IS NULL OR rollover_expires_after_cycles >= 1),
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
    ) STRICT;

    CREATE TABLE membership (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES client(id),
        plan_id TEXT NOT NULL REFERENCES plan(id),
        starts_on TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancelling', 'cancelled')),
        cycle INTEGER NOT NULL CHECK (cycle >= -1),
        cycle_starts_at_ms INTEGER NOT NULL,
        -- Deadline: the next cycle boundary (NULL when paused or cancelled).
        next_boundary_at_ms INTEGER,
        -- Whole days paused so far; cycle boundaries shift by this many days.
        paused_days INTEGER NOT NULL DEFAULT 0 CHECK (paused_days >= 0),
        paused_at_ms INTEGER,
        cancels_at_ms INTEGER,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX membership_client ON membership(client_id);
    CREATE INDEX membership_boundary ON membership(next_boundary_at_ms) WHERE next_boundary_at_ms IS NOT NULL;

    CREATE TABLE purchase (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES client(id),
        package_id TEXT NOT NULL REFERENCES package(id),
        payment_ref TEXT,
        price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
        currency TEXT NOT NULL,
        purchased_at_ms INTEGER NOT NULL,
        refunded_at_ms INTEGER
    ) STRICT;
    CREATE INDEX purchase_client ON purchase(client_id);

    CREATE TABLE lot (
        id INTEGER PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES client(id),
        scope TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('manual', 'package', 'membership', 'rollover')),
        quantity INTEGER NOT NULL CHECK (quantity >= 1),
        remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
        effective_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER CHECK (expires_at_ms IS NULL OR expires_at_ms > effective_at_ms),
        -- 1 once expiry has been processed (the remaining credits were written off).
        expiry_done INTEGER NOT NULL DEFAULT 0 CHECK (expiry_done IN (0, 1)),
        refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded IN (0, 1)),
        -- 1 while the lot's membership is paused: not bookable, does not expire.
        frozen INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),
        -- 1 for a cycle's own lot while its membership's boundary will roll it over and expire it.
        boundary_expiry INTEGER NOT NULL DEFAULT 0 CHECK (boundary_expiry IN (0, 1)),
        purchase_id TEXT REFERENCES purchase(id),
        membership_id TEXT REFERENCES membership(id),
        cycle INTEGER,
        note TEXT,
        actor TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX lot_client_scope ON lot(client_id, scope);
    CREATE INDEX lot_expiry ON lot(expires_at_ms)
        WHERE expiry_done = 0 AND expires_at_ms IS NOT NULL AND frozen = 0 AND boundary_expiry = 0;
    CREATE INDEX lot_membership ON lot(membership_id) WHERE membership_id IS NOT NULL;

    CREATE TABLE booking (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES client(id),
        session_type_id TEXT NOT NULL REFERENCES session_type(id),
        starts_at_ms INTEGER NOT NULL,
        ends_at_ms INTEGER NOT NULL CHECK (ends_at_ms > starts_at_ms),
        credit_cost INTEGER NOT NULL CHECK (credit_cost >= 0),
        status TEXT NOT NULL CHECK (status IN ('booked', 'cancel_pending', 'cancelled_early',
            'cancelled_late', 'cancelled_waived', 'completed', 'no_show')),
        cancelled_at_ms INTEGER,
        cancel_note TEXT CHECK (cancel_note IS NULL OR length(cancel_note) <= 500),
        -- Deadlines: settle a pending cancellation; complete a booked session at its end.
        settle_at_ms INTEGER,
        complete_at_ms INTEGER,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX booking_client ON booking(client_id, starts_at_ms);
    CREATE INDEX booking_type ON booking(session_type_id);
    CREATE INDEX booking_settle ON booking(settle_at_ms) WHERE settle_at_ms IS NOT NULL;
    CREATE INDEX booking_complete ON booking(complete_at_ms) WHERE complete_at_ms IS NOT NULL;

    -- Credits a booking holds. lot_id NULL is debt; repaying debt sets lot_id to the repaying lot.
    CREATE TABLE allocation (
        id INTEGER PRIMARY KEY,
        booking_id TEXT NOT NULL REFERENCES booking(id),
        client_id TEXT NOT NULL REFERENCES client(id),
        scope TEXT NOT NULL,
        lot_id INTEGER REFERENCES lot(id),
        credits INTEGER NOT NULL CHECK (credits >= 1),
        -- 'held' while the booking keeps the credits; 'returned' once given back.
        state TEXT NOT NULL CHECK (state IN ('held', 'returned')),
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX allocation_booking ON allocation(booking_id);
    CREATE INDEX allocation_debt ON allocation(client_id, id) WHERE lot_id IS NULL AND state = 'held';
    CREATE INDEX allocation_lot ON allocation(lot_id) WHERE lot_id IS NOT NULL;

    CREATE TABLE event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('issued', 'used', 'returned', 'voided', 'deleted', 'expired',
            'rolled_over', 'refunded')),
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
        rule TEXT
    ) STRICT;
    CREATE INDEX event_client ON event(client_id, at_ms, id);
    CREATE INDEX event_lot ON event(lot_id) WHERE lot_id IS NOT NULL;
    CREATE INDEX event_membership ON event(membership_id) WHERE membership_id IS NOT NULL;
    CREATE INDEX event_purchase ON event(purchase_id) WHERE purchase_id IS NOT NULL;

    -- The event log is append-only: only the note may change (and every edit is kept in note_edit).
    CREATE TRIGGER event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER event_no_update BEFORE UPDATE OF id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id,
        to_lot_id, booking_id, purchase_id, membership_id, cycle, amount, credits, actor, staff, rule ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    CREATE TABLE note_edit (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES event(id),
        note TEXT CHECK (note IS NULL OR length(note) <= 500),
        actor TEXT NOT NULL,
        staff TEXT,
        at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX note_edit_event ON note_edit(event_id);

    CREATE TABLE idempotency_key (
        key TEXT PRIMARY KEY,
        method TEXT NOT NULL,
        params TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        -- Deadline: when the key may be forgotten.
        expires_at_ms INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX idempotency_expiry ON idempotency_key(expires_at_ms);
    """

    // Rows of a credit import staged in chunks, then issued by one `import.commit` transaction.
    static let v2 = """
    CREATE TABLE import_row (
        import_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        line INTEGER,
        client_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits >= 1),
        expires_on TEXT,
        note TEXT CHECK (note IS NULL OR length(note) <= 500),
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (import_id, seq)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX import_row_age ON import_row(created_at_ms);
    """

    // The tables every booking writes, rebuilt (ids and rowids kept) for a cheaper write path:
    // - CHECKs list their allowed values as ORs: SQLite evaluates an IN list of more than two
    //   constants by building a temporary b-tree each time a row is written;
    // - `event` without AUTOINCREMENT: no sqlite_sequence update per event. Events are never deleted
    //   (a trigger forbids it), so max(id) + 1 keeps ids increasing exactly as before;
    // - `booking` without the `booking_type` index: `session_type.booked` answers the one query that
    //   used it (session types are never deleted, so the foreign key does not need it);
    // - two partial indexes no booking writes, for reads that scanned a whole table: a purchase's lot
    //   (`lot_purchase`) and the credits rolled into a membership's lots (`event_to_lot`);
    // - `event` without the `event_lot` index: only `verify` summed events per lot (now in one pass
    //   over the events) and no lot is ever deleted, so the foreign key needs no index either.
    static let v3 = """
    CREATE TABLE booking_v3 (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES client(id),
        session_type_id TEXT NOT NULL REFERENCES session_type(id),
        starts_at_ms INTEGER NOT NULL,
        ends_at_ms INTEGER NOT NULL CHECK (ends_at_ms > starts_at_ms),
        credit_cost INTEGER NOT NULL CHECK (credit_cost >= 0),
        status TEXT NOT NULL CHECK (status = 'booked' OR status = 'cancel_pending' OR status = 'cancelled_early'
            OR status = 'cancelled_late' OR status = 'cancelled_waived' OR status = 'completed'
            OR status = 'no_show'),
        cancelled_at_ms INTEGER,
        cancel_note TEXT CHECK (cancel_note IS NULL OR length(cancel_note) <= 500),
        -- Deadlines: settle a pending cancellation; complete a booked session at its end.
        settle_at_ms INTEGER,
        complete_at_ms INTEGER,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO booking_v3 (rowid, id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
        cancelled_at_ms, cancel_note, settle_at_ms, complete_at_ms, created_at_ms)
    SELECT rowid, id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
        cancelled_at_ms, cancel_note, settle_at_ms, complete_at_ms, created_at_ms FROM booking;
    DROP TABLE booking;
    ALTER TABLE booking_v3 RENAME TO booking;
    CREATE INDEX booking_client ON booking(client_id, starts_at_ms);
    CREATE INDEX booking_settle ON booking(settle_at_ms) WHERE settle_at_ms IS NOT NULL;
    CREATE INDEX booking_complete ON booking(complete_at_ms) WHERE complete_at_ms IS NOT NULL;

    -- A purchase finds its lot (purchase.get, refund) without scanning every lot.
    CREATE INDEX lot_purchase ON lot(purchase_id) WHERE purchase_id IS NOT NULL;

    -- Set by a type's first booking, read by session_type.update (requires_credit is locked once a
    -- type has bookings), instead of an index on booking.session_type_id that every booking paid for.
    ALTER TABLE session_type ADD COLUMN booked INTEGER NOT NULL DEFAULT 0 CHECK (booked IN (0, 1));
    UPDATE session_type SET booked = 1 WHERE id IN (SELECT session_type_id FROM booking);

    CREATE TABLE event_v3 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind = 'issued' OR kind = 'used' OR kind = 'returned' OR kind = 'voided'
            OR kind = 'deleted' OR kind = 'expired' OR kind = 'rolled_over' OR kind = 'refunded'),
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
        rule TEXT
    ) STRICT;
    INSERT INTO event_v3 (id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id,
        purchase_id, membership_id, cycle, amount, credits, actor, staff, note, rule)
    SELECT id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id,
        purchase_id, membership_id, cycle, amount, credits, actor, staff, note, rule FROM event;
    DROP TABLE event;
    ALTER TABLE event_v3 RENAME TO event;
    CREATE INDEX event_client ON event(client_id, at_ms, id);
    CREATE INDEX event_membership ON event(membership_id) WHERE membership_id IS NOT NULL;
    CREATE INDEX event_purchase ON event(purchase_id) WHERE purchase_id IS NOT NULL;
    -- rolled_over events only: the usage of a membership finds the credits rolled into its lots.
    CREATE INDEX event_to_lot ON event(to_lot_id) WHERE to_lot_id IS NOT NULL;

    -- The event log is append-only: only the note may change (and every edit is kept in note_edit).
    CREATE TRIGGER event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER event_no_update BEFORE UPDATE OF id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id,
        to_lot_id, booking_id, purchase_id, membership_id, cycle, amount, credits, actor, staff, rule ON event
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """
}
