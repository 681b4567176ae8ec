extension Schema {
    /// Deadlines the scheduler could not process (`DeadlineFailures`), keyed by the deadline.
    static let v5DeadlineFailures = """
    CREATE TABLE deadline_failure (
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        failed_at_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, subject, at_ms)
    ) STRICT;
    """
}
