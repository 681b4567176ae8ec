// Timing of the WAL's syncs (see include/wal_sync_timing.h).
#include "wal_sync_timing.h"

#include <stdatomic.h>
#include <time.h>

// 50 us to 10 s, the same bounds as creditd's request durations.
static const uint64_t bounds_ns[] = {
    50000ULL, 100000ULL, 250000ULL, 500000ULL, 1000000ULL, 2500000ULL, 5000000ULL, 10000000ULL,
    25000000ULL, 50000000ULL, 100000000ULL, 250000000ULL, 500000000ULL, 1000000000ULL,
    2500000000ULL, 10000000000ULL,
};
enum { BOUNDS = sizeof bounds_ns / sizeof bounds_ns[0] };

static _Atomic uint64_t buckets[BOUNDS + 1];
static _Atomic uint64_t sum_ns;

int creditd_wal_sync_bucket_count(void) { return BOUNDS; }

uint64_t creditd_wal_sync_bucket_bound_ns(int index) {
    return index >= 0 && index < BOUNDS ? bounds_ns[index] : 0;
}

uint64_t creditd_wal_sync_bucket(int index) {
    return index >= 0 && index <= BOUNDS ? atomic_load_explicit(&buckets[index], memory_order_relaxed) : 0;
}

uint64_t creditd_wal_sync_sum_ns(void) { return atomic_load_explicit(&sum_ns, memory_order_relaxed); }

void creditd_wal_sync_record(uint64_t ns) {
    int bucket = 0;
    while (bucket < BOUNDS && ns > bounds_ns[bucket]) bucket++;
    atomic_fetch_add_explicit(&buckets[bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_ns, ns, memory_order_relaxed);
}

uint64_t creditd_wal_sync_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}
