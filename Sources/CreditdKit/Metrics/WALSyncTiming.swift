import CWALWrites

/// The WAL's fdatasync times, recorded in C by the "creditd-wal-writes" VFS around its xSync.
enum WALSyncTiming {
    static func snapshot() -> HistogramSnapshot {
        let bucketCount = Int(creditd_wal_sync_bucket_count())
        return HistogramSnapshot(
            bounds: (0..<bucketCount).map { creditd_wal_sync_bucket_bound_ns(Int32($0)) },
            counts: (0...bucketCount).map { creditd_wal_sync_bucket(Int32($0)) },
            sum: creditd_wal_sync_sum_ns())
    }
}
