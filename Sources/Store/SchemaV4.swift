extension Schema {
    /// v4: a booking's allocations live in its own row. Every b-tree a booking touches is a page
    /// each group commit writes again wherever the booking lands in it: with 32 clients booking at
    /// once, the `allocation` table and its two indexes were ~85 of ~270 WAL frames per commit, and
    /// three statements per booking and cancellation (docs/BENCHMARKS.md, "Session 4").
    ///
    /// - `booking.allocations`: the credits the booking took, in the order taken, as JSON
    ///   `[[lot, credits], ...]` (`null` for debt). They are held unless the booking's status gave
    ///   them back (`cancelled_early`, `cancelled_waived`): every return gives back all of them, so
    ///   the old per-row `state` followed the status exactly (`verify` checked just that).
    /// - `debt`: the open debts (a booking's `null` entry while it holds it), for repaying oldest
    ///   first and for balances. `id` is the creation order: the id of the `used` event that made
    ///   the debt; debts from older ledgers keep their order below zero.
    /// - The credits a membership or purchase forfeited to late cancellations (the one reader of
    ///   `allocation_lot`) are the `used` events of its lots whose booking was cancelled late: each
    ///   credit a booking took from a lot was taken by one `used` event of the same credits.
    static let v4 = """
    ALTER TABLE booking ADD COLUMN allocations TEXT NOT NULL DEFAULT '[]';
    UPDATE booking SET allocations = (
        SELECT json_group_array(json_array(a.lot_id, a.credits))
        FROM (SELECT lot_id, credits FROM allocation WHERE booking_id = booking.id ORDER BY id) a)
    WHERE id IN (SELECT booking_id FROM allocation);

    CREATE TABLE debt (
        client_id TEXT NOT NULL REFERENCES client(id),
        -- Creation order: the id of the `used` event that made it (negative: made before v4).
        id INTEGER NOT NULL,
        booking_id TEXT NOT NULL REFERENCES booking(id),
        scope TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits >= 1),
        PRIMARY KEY (client_id, id)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO debt (client_id, id, booking_id, scope, credits)
    SELECT client_id, id - (SELECT COALESCE(MAX(id), 0) + 1 FROM allocation), booking_id, scope, credits
    FROM allocation WHERE lot_id IS NULL AND state = 'held';

    DROP TABLE allocation;
    """
}
