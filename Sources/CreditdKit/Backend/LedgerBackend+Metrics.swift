import Foundation
import Scheduling
import Store

extension LedgerBackend {
    /// The ledger's gauges for a scrape: file sizes, the scheduler's backlog and lag.
    func ledgerGauges() -> LedgerGauges {
        let lag = timer.lagBuckets
        let stats = timer.stats
        return LedgerGauges(
            databaseBytes: Self.fileBytes(databasePath), walBytes: Self.fileBytes(databasePath + "-wal"),
            readOnly: ledger.isReadOnly,
            // An unreadable count reads as 0 rather than failing the whole scrape; the error shows elsewhere.
            dueDeadlines: (try? ledger.dueDeadlineCount(nowMs: clock.nowMs())) ?? 0,
            schedulerProcessed: stats.processed, schedulerErrors: stats.errors,
            schedulerLag: HistogramSnapshot(bounds: LagBuckets.boundsMs.map { UInt64($0) }, counts: lag.counts, sum: lag.sumMs))
    }

    /// The size of the file at `path`; 0 when it does not exist (no WAL yet, or checkpointed away).
    private static func fileBytes(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
