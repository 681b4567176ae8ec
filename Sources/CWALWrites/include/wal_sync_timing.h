#ifndef CREDITD_WAL_SYNC_TIMING_H
#define CREDITD_WAL_SYNC_TIMING_H

#include <stdint.h>

/// How long the WAL's syncs take (the fdatasync SQLite asks for at every commit under
/// synchronous=FULL), timed around the underlying VFS's xSync by the "creditd-wal-writes" VFS.
/// A histogram over fixed bounds, lock-free (relaxed atomics); for creditd's metrics.

/// Number of finite bucket bounds.
int creditd_wal_sync_bucket_count(void);

/// Upper bound of bucket `index` (0 ..< creditd_wal_sync_bucket_count()), in nanoseconds.
uint64_t creditd_wal_sync_bucket_bound_ns(int index);

/// Syncs in bucket `index` (not cumulative); index creditd_wal_sync_bucket_count() is +Inf.
uint64_t creditd_wal_sync_bucket(int index);

/// Total nanoseconds spent in timed syncs.
uint64_t creditd_wal_sync_sum_ns(void);

/// Records one sync of `ns` nanoseconds (called by the VFS).
void creditd_wal_sync_record(uint64_t ns);

/// Monotonic nanoseconds (CLOCK_MONOTONIC).
uint64_t creditd_wal_sync_now_ns(void);

#endif
