import CreditProtocol
import Foundation
import Synchronization

/// How a request was served, for the latency histograms (three series, whatever the methods).
enum RequestKind: Int, CaseIterable, Sendable {
    /// On the connection's event loop (and `events.subscribe`).
    case read
    /// On the slow-read queue (`Backend.isSlow`: verify, backup, clock moves, summaries).
    case slowRead
    /// Through the single writer: from the line being read to the durable outcome.
    case write

    var label: String {
        switch self {
        case .read: return "read"
        case .slowRead: return "slow_read"
        case .write: return "write"
        }
    }
}

/// Figures only the ledger knows, gathered at scrape time (`LedgerBackend`).
struct LedgerGauges: Sendable {
    var databaseBytes: Int64
    var walBytes: Int64
    var readOnly: Bool
    /// Deadlines due now and not yet processed (capped, see `LedgerBackend`).
    var dueDeadlines: Int64
    var schedulerProcessed: Int
    var schedulerErrors: Int
    var schedulerLag: HistogramSnapshot
}

/// Everything creditd counts for Prometheus, and its text exposition (`daemon.metrics`, and
/// GET /metrics on the optional loopback listener).
///
/// The hot path only adds to atomic counters (`AtomicCells`); nothing here takes a lock per
/// request. Gauges are read when scraped.
final class DaemonMetrics: Sendable {
    /// `method` label values: every protocol method, then "other" (no known method: a line that
    /// does not parse, an invalid request, an unknown method name).
    static let methodLabels = Method.allCases.map(\.rawValue) + ["other"]
    /// `outcome` label values: "ok", then every error reason.
    static let outcomeLabels = ["ok"] + ErrorReason.allCases.map(\.rawValue)
    private static let methodIndex = Dictionary(uniqueKeysWithValues: Method.allCases.enumerated().map { ($1, $0) })
    private static let reasonIndex = Dictionary(uniqueKeysWithValues: ErrorReason.allCases.enumerated().map { ($1, $0 + 1) })

    /// Request durations, ns: 50 µs to 10 s.
    static let durationBoundsNs: [UInt64] = [
        50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000,
        50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 10_000_000_000,
    ]
    /// Calls per group commit, up to `Limits.groupCommitMax`.
    static let batchBounds: [UInt64] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    private let requests = AtomicCells(count: methodLabels.count * outcomeLabels.count)
    private let durations = RequestKind.allCases.map { _ in AtomicHistogram(bounds: durationBoundsNs) }
    let groupCommitCalls = AtomicHistogram(bounds: batchBounds)
    let groupCommitDurations = AtomicHistogram(bounds: durationBoundsNs)

    /// The process start, Unix seconds (when the daemon was created, a few ms after exec).
    let startTimeSeconds: Double
    /// Where the gauges come from; read at scrape time only.
    private let sources = Mutex<GaugeSources>(GaugeSources())

    private struct GaugeSources {
        var connections: @Sendable () -> Int = { 0 }
        var subscribers: @Sendable () -> Int = { 0 }
        var ledger: (@Sendable () -> LedgerGauges?)?
    }

    init(startTimeSeconds: Double = Date().timeIntervalSince1970) {
        self.startTimeSeconds = startTimeSeconds
    }

    /// Where the connection and subscriber counts come from.
    func setDaemonGauges(connections: @escaping @Sendable () -> Int, subscribers: @escaping @Sendable () -> Int) {
        sources.withLock {
            $0.connections = connections
            $0.subscribers = subscribers
        }
    }

    /// Where the ledger's gauges come from (set once the ledger is open).
    func setLedgerGauges(_ source: @escaping @Sendable () -> LedgerGauges?) {
        sources.withLock { $0.ledger = source }
    }

    /// Counts one call's outcome; `method` nil: no known method. `failure` nil: it succeeded.
    func count(_ method: Method?, failure: ErrorReason?) {
        let row = method.flatMap { Self.methodIndex[$0] } ?? Self.methodLabels.count - 1
        let column = failure.flatMap { Self.reasonIndex[$0] } ?? 0
        requests.add(row * Self.outcomeLabels.count + column)
    }

    /// Counts a finished read or write, and how long it took since `startedNs` (monotonic).
    func finished(_ method: Method, kind: RequestKind, startedNs: UInt64, failure: ErrorReason?) {
        count(method, failure: failure)
        durations[kind.rawValue].observe(MonotonicClock.nowNs() &- startedNs)
    }

    /// The number of calls of `method` (a label value) with `outcome`, as of now.
    func requestCount(method: String, outcome: String) -> UInt64 {
        guard let row = Self.methodLabels.firstIndex(of: method),
              let column = Self.outcomeLabels.firstIndex(of: outcome) else { return 0 }
        return requests.load(row * Self.outcomeLabels.count + column)
    }

    /// The text exposition of every series.
    func exposition() -> String {
        var out = PrometheusText()
        out.family("creditd_build_info", "gauge", "creditd's version and protocol version (always 1).")
        out.sample("creditd_build_info", ["version": Daemon.version, "protocol": String(Limits.protocolVersion)], "1")
        out.single("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.",
                   PrometheusText.number(startTimeSeconds.rounded()))
        writeRequests(&out)
        out.family("creditd_group_commit_calls", "histogram", "Calls applied per group commit (one transaction).")
        out.histogram("creditd_group_commit_calls", groupCommitCalls.snapshot())
        out.family("creditd_group_commit_duration_seconds", "histogram",
                   "One group commit on the writer: its statements, COMMIT and the WAL's fdatasync.")
        out.histogram("creditd_group_commit_duration_seconds", groupCommitDurations.snapshot(), unitDivisor: 1e9)
        out.family("creditd_wal_sync_duration_seconds", "histogram",
                   "fdatasync of the WAL file (every commit under synchronous=FULL, writer and scheduler).")
        out.histogram("creditd_wal_sync_duration_seconds", WALSyncTiming.snapshot(), unitDivisor: 1e9)
        let gauges = sources.withLock { $0 }
        out.single("creditd_connections", "gauge", "Open client connections on the socket.", String(gauges.connections()))
        out.single("creditd_subscribers", "gauge", "Open events.subscribe subscriptions.", String(gauges.subscribers()))
        if let ledger = gauges.ledger?() { writeLedger(ledger, &out) }
        return out.text
    }

    private func writeRequests(_ out: inout PrometheusText) {
        out.family("creditd_requests_total", "counter",
                   "Calls answered, by method and outcome (ok or the error reason); method \"other\": no known method.")
        for (row, method) in Self.methodLabels.enumerated() {
            for (column, outcome) in Self.outcomeLabels.enumerated() {
                let value = requests.load(row * Self.outcomeLabels.count + column)
                // Every method's "ok" is always there (so rate() works from the first call); the
                // rest only once they happened, which keeps a scrape to a few dozen lines.
                guard value > 0 || (column == 0 && row < Method.allCases.count) else { continue }
                out.sample("creditd_requests_total", ["method": method, "outcome": outcome], String(value))
            }
        }
        out.family("creditd_request_duration_seconds", "histogram",
                   "From reading a call's line to its reply being ready, by kind: read, slow_read, write (durable).")
        for kind in RequestKind.allCases {
            out.histogram("creditd_request_duration_seconds", durations[kind.rawValue].snapshot(),
                          labels: [("kind", kind.label)], unitDivisor: 1e9)
        }
    }

    private func writeLedger(_ gauges: LedgerGauges, _ out: inout PrometheusText) {
        out.single("creditd_database_bytes", "gauge", "Size of the SQLite database file.", String(gauges.databaseBytes))
        out.single("creditd_wal_bytes", "gauge", "Size of the SQLite write-ahead log (-wal file).", String(gauges.walBytes))
        out.single("creditd_ledger_read_only", "gauge", "1 when the database is on read-only media: every write is unavailable.",
                   gauges.readOnly ? "1" : "0")
        out.single("creditd_scheduler_due_deadlines", "gauge",
                   "Deadlines due now and not yet processed (the scheduler's backlog; counted up to 100000).",
                   String(gauges.dueDeadlines))
        out.single("creditd_scheduler_processed_total", "counter", "Deadlines the scheduler processed.",
                   String(gauges.schedulerProcessed))
        out.single("creditd_scheduler_errors_total", "counter", "Errors the scheduler met (each retried after a backoff).",
                   String(gauges.schedulerErrors))
        out.family("creditd_scheduler_lag_seconds", "histogram", "How late each processed deadline was processed.")
        out.histogram("creditd_scheduler_lag_seconds", gauges.schedulerLag, unitDivisor: 1000)
    }
}
