/// Every limit of the protocol and the ledger, in one place. Each is documented in docs/PROTOCOL.md.
public enum Limits {
    /// Protocol version reported by `daemon.status`; bumped only for additive changes.
    public static let protocolVersion = 1
    /// Longest request line accepted, in bytes, excluding the newline.
    public static let lineBytesMax = 1 << 20
    /// Most calls in one JSON-RPC batch array.
    public static let rpcBatchMax = 256
    /// Deepest JSON nesting accepted in a request.
    public static let jsonDepthMax = 32
    /// Most requests in flight on one connection before reading pauses.
    public static let inFlightPerConnectionMax = 128
    /// Most bytes one connection may hold in the daemon (lines read but not yet handled, and
    /// finished replies waiting behind an unfinished one) before reading it pauses.
    public static let connectionBufferedBytesMax = 1 << 20
    /// A connection paused at `connectionBufferedBytesMax` is read again once it holds at most this.
    public static let connectionBufferedBytesResume = 256 << 10
    /// Most mutating requests applied in one group-commit transaction. Bigger groups share a
    /// commit, an fsync and each connection's reply wake-up among more calls: 512 took creditd's
    /// CPU per durable write from ~30 to ~25 µs against 256 (docs/BENCHMARKS.md, issue 4); at
    /// ~20 µs of writer time per call a full group holds the writer ~10 ms (readers never wait).
    public static let groupCommitMax = 1024
    /// Most fraction-of-second digits an RFC 3339 instant may carry. Instants are kept to the
    /// millisecond: digits after the third are truncated (rounded toward the past).
    public static let instantFractionDigitsMax = 18
    /// Longest identifier (client, session type, booking, package, plan, membership, purchase).
    public static let idCharactersMax = 64
    /// Longest display name.
    public static let nameCharactersMax = 200
    /// Longest email address.
    public static let emailCharactersMax = 254
    /// Longest note on an event.
    public static let noteCharactersMax = 500
    /// Longest staff name.
    public static let staffCharactersMax = 100
    /// Longest idempotency key.
    public static let idempotencyKeyCharactersMax = 255
    /// Most credits in one lot, one removal or one booking.
    public static let creditsPerOperationMax: Int64 = 100_000
    /// Highest credit cost of a session type or booking.
    public static let creditCostMax: Int64 = 100
    /// Most clients in one bulk `credit.issue`.
    public static let bulkIssueClientsMax = 10_000
    /// Most rows in one `import.stage` call.
    public static let importRowsPerCallMax = 5000
    /// Most rows staged for one import.
    public static let importRowsMax = 1_000_000
    /// Most bad rows an import's error lists (the rest are counted), in `import.commit` and creditctl.
    public static let importProblemsListedMax = 50
    /// Staged rows not committed within this many seconds are discarded.
    public static let importStagingSecondsMax: Int64 = 86_400
    /// Largest page of `history.list`, `booking.list` and other listings.
    public static let pageSizeMax = 1000
    /// Page size when a listing names none.
    public static let pageSizeDefault = 100
    /// Longest late-cancel window or grace, in seconds (one year).
    public static let cancelWindowSecondsMax: Int64 = 366 * 86_400
    /// Longest booking, in seconds (one week).
    public static let bookingDurationSecondsMax: Int64 = 7 * 86_400
    /// Largest `period_count` of a plan.
    public static let periodCountMax = 120
    /// Largest package price in minor units.
    public static let priceMinorMax: Int64 = 1_000_000_000_00
    /// Longest package `expiry_days`.
    public static let expiryDaysMax = 3660
    /// How far before now a membership's `starts_on` may be, in days (ten years): creating it runs
    /// every missed cycle at once, so this bounds that work (a weekly plan: at most 523 cycles).
    public static let membershipBackdateDaysMax = 3660
    /// Default days an idempotency key is kept.
    public static let idempotencyRetentionDaysDefault = 30
    /// Most events queued for one subscriber before it is disconnected.
    public static let subscriberQueueMax = 10_000
    /// Most broken references `daemon.verify` lists (one per row of `PRAGMA foreign_key_check`).
    public static let verifyForeignKeyViolationsMax = 1000
}
