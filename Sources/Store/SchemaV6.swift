extension Schema {
    /// v6: deadlines the scheduler could not process (`DeadlineFailures`), keyed by the deadline; and
    /// the state of an `import.commit` run in bounded transactions (`ImportCommits`).
    static let v6 = """
    CREATE TABLE deadline_failure (
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        failed_at_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, subject, at_ms)
    ) STRICT;

    -- One row while an import is being committed: 'checking' (nothing issued yet: a crash drops
    -- this row and the import is staged as before) or 'applying' (every row checked: a crash is
    -- resumed at the next start until every row is issued). cursor: the last seq done.
    CREATE TABLE import_commit (
        import_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('checking', 'applying')),
        cursor INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        credits INTEGER NOT NULL,
        actor TEXT NOT NULL,
        staff TEXT,
        idempotency_key TEXT,
        params TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL
    ) STRICT;
    -- The expiry instant each row was checked with, so applying needs no calendar or clock.
    ALTER TABLE import_row ADD COLUMN expires_at_ms INTEGER;
    """
}
