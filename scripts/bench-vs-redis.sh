#!/usr/bin/env bash
# Throughput of creditd against Redis, in one run on one machine (issue 4, docs/BENCHMARKS.md):
#
#   creditd: release build, file database (WAL, synchronous=FULL), 32 connections each
#            pipelining durable booking.create + booking.cancel pairs (creditbench).
#   Redis:   apt's redis-server, AOF with appendfsync always, on a unix socket,
#            redis-benchmark -t incr -c 32 -n 200000.
#
# The two alternate for BENCH_ROUNDS rounds (other load on the machine comes and goes) and
# the medians are compared.
#
# creditd's CPU time per write (user + system from /proc/PID/stat over the measured seconds) is
# printed too: on a shared machine it moves much less than the rate.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_WINDOW (32 requests in flight
# per connection), BENCH_ROUNDS (3), BENCH_PERF=1 to record a perf profile of creditd during
# round 1, BENCH_DIR (a fresh directory under /var/tmp) for the databases, sockets and AOF.
# Needs root for apt-get when redis-server is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
window=${BENCH_WINDOW:-32}
rounds=${BENCH_ROUNDS:-3}
work=${BENCH_DIR:-$(mktemp -d /var/tmp/creditd-bench-XXXXXX)}
mkdir -p "$work"

source scripts/lib/bench-common.sh
prepare_benchmark   # system libraries, redis-server, release creditd and creditbench

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

describe_machine

cat >"$work/creditd.toml" <<EOF
[studio]
time_zone = "UTC"
currency = "EUR"
[access]
owner = ["$(id -un)"]
EOF

# One creditd measurement on a fresh database; prints the durable writes per second.
run_creditd() {
    local round=$1 pid perf_pid=
    rm -f "$work/ledger.sqlite"* "$work/creditd.sock"
    .build/release/creditd --config "$work/creditd.toml" --socket "$work/creditd.sock" \
        --database "$work/ledger.sqlite" 2>"$work/creditd.log" &
    pid=$!
    pids+=("$pid")
    wait_for_socket "$work/creditd.sock"
    if [ "${BENCH_PERF:-0}" = 1 ] && [ "$round" = 1 ]; then
        perf record -F 999 -g -p "$pid" -o "$work/perf.data" -- sleep $((seconds + 2)) >/dev/null 2>&1 &
        perf_pid=$!
    fi
    .build/release/creditbench --socket "$work/creditd.sock" --threads "${BENCH_CLIENT_THREADS:-1}" --connections "$connections" --seconds "$seconds" \
        --warmup 2 --window "$window" >"$work/creditbench.$round.out" &
    local bench=$!
    # creditd's CPU time (user + system) over the measured seconds, after the 2 s warm-up.
    sleep 2
    local cpu0 cpu1
    cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    sleep "$seconds"
    cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    wait "$bench"
    sed 's/^/  /' "$work/creditbench.$round.out" >&2
    local rate
    rate=$(sed -n 's/^RESULT writes_per_s=\([0-9]*\).*/\1/p' "$work/creditbench.$round.out")
    awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$(getconf CLK_TCK)" -v r="$rate" -v s="$seconds" \
        'BEGIN { if (r > 0) printf "%.1f\n", (c1 - c0) / hz * 1e6 / (r * s) }' >"$work/cpu.$round"
    echo "  creditd CPU per write: $(cat "$work/cpu.$round") us ($(awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$(getconf CLK_TCK)" \
        -v s="$seconds" 'BEGIN { printf "%.0f", (c1 - c0) / hz / s * 100 }') % of one core)" >&2
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        perf report -i "$work/perf.data" --no-children --sort dso,symbol --percent-limit 1 --stdio -g none \
            2>/dev/null | grep -v '^$' | head -70 >"$work/perf.txt" || true
        echo "  perf profile: $work/perf.txt" >&2
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    sed -n 's/^RESULT writes_per_s=\([0-9]*\).*/\1/p' "$work/creditbench.$round.out"
}

# One Redis measurement on a fresh AOF; prints INCRs per second.
run_redis() {
    local round=$1 pid
    rm -rf "$work/appendonlydir" "$work/redis.sock"
    redis-server --appendonly yes --appendfsync always --unixsocket "$work/redis.sock" --port 0 \
        --dir "$work" --save '' --daemonize no >"$work/redis.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for_socket "$work/redis.sock"
    redis-benchmark -s "$work/redis.sock" -t incr -c 32 -n 200000 -q | tr '\r' '\n' | grep -v '^$' | tail -1 \
        >"$work/redis.$round.out"
    sed 's/^/  /' "$work/redis.$round.out" >&2
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    sed -n 's/^INCR: \([0-9.]*\) requests per second.*/\1/p' "$work/redis.$round.out"
}

echo "== commands"
echo "creditd: creditbench --socket SOCK --connections $connections --seconds $seconds --warmup 2 --window $window"
echo "redis:   redis-server --appendonly yes --appendfsync always --unixsocket SOCK --port 0 --save ''"
echo "         redis-benchmark -s SOCK -t incr -c 32 -n 200000 -q"
creditd_rates=()
redis_rates=()
for round in $(seq "$rounds"); do
    echo "== round $round"
    creditd_rates+=("$(run_creditd "$round")")
    redis_rates+=("$(run_redis "$round")")
    echo "round $round: creditd ${creditd_rates[-1]}/s, redis ${redis_rates[-1]}/s, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
creditd_rate=$(printf '%s\n' "${creditd_rates[@]}" | median)
redis_rate=$(printf '%s\n' "${redis_rates[@]}" | median)

echo "== result (median of $rounds rounds)"
echo "creditd durable writes/s (booking.create or booking.cancel): $creditd_rate"
echo "creditd CPU per write (user + system, median):                $(cat "$work"/cpu.* | median) us"
echo "redis INCR/s (appendfsync always):                           $redis_rate"
awk -v c="$creditd_rate" -v r="$redis_rate" 'BEGIN { if (r > 0) printf "ratio creditd/redis: %.2fx\n", c / r }'
echo "files: $work"
