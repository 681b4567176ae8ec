#!/usr/bin/env bash
# Throughput of creditd against Redis, in one run on one machine (issue 4, docs/BENCHMARKS.md):
#
#   creditd: release build, file database (WAL, synchronous=FULL), 32 connections each
#            pipelining durable booking.create + booking.cancel pairs (creditbench).
#   Redis:   apt's redis-server, AOF with appendfsync always, on a unix socket,
#            redis-benchmark -t incr -c 32 -n 200000.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_WINDOW (32 requests in flight
# per connection), BENCH_PERF=1 to record a perf profile of creditd during its run,
# BENCH_DIR (a fresh directory under /var/tmp) for the database, sockets and AOF.
# Needs root for apt-get when redis-server is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
window=${BENCH_WINDOW:-32}
work=${BENCH_DIR:-$(mktemp -d /var/tmp/creditd-bench-XXXXXX)}
mkdir -p "$work"

scripts/deps.sh
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    echo "installing redis-server" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi
# The packaged service is not what we measure; leave it alone but make sure we do not talk to it.
for product in creditd creditbench; do swift build -c release --product "$product" 2>&1 | tail -1; done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for_socket() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; return 1; }

echo "== machine"
echo "nproc: $(nproc)"
free -h | sed -n 1,2p
echo "disk: $(df -h "$work" | awk 'NR==2 {print $1, $2, "size,", $4, "free, mounted on", $6}')"
lsblk -d -o NAME,ROTA,SIZE,MODEL 2>/dev/null | sed 's/^/  /' || true
sync_rate=$(dd if=/dev/zero of="$work/dsync.probe" bs=4k count=2000 oflag=dsync 2>&1 | tail -1)
rm -f "$work/dsync.probe"
echo "4 KiB O_DSYNC writes (dd): $sync_rate"
echo "swift: $(swift --version 2>&1 | head -1)"
echo "redis: $(redis-server --version)"

echo "== creditd"
cat >"$work/creditd.toml" <<EOF
[studio]
time_zone = "UTC"
currency = "EUR"
[access]
owner = ["$(id -un)"]
EOF
rm -f "$work/ledger.sqlite"*
.build/release/creditd --config "$work/creditd.toml" --socket "$work/creditd.sock" \
    --database "$work/ledger.sqlite" 2>"$work/creditd.log" &
creditd_pid=$!
pids+=("$creditd_pid")
wait_for_socket "$work/creditd.sock"
if [ "${BENCH_PERF:-0}" = 1 ]; then
    perf record -F 999 -g -p "$creditd_pid" -o "$work/perf.data" -- sleep $((seconds + 2)) >/dev/null 2>&1 &
    perf_pid=$!
fi
echo "command: creditbench --socket $work/creditd.sock --connections $connections --seconds $seconds --window $window"
.build/release/creditbench --socket "$work/creditd.sock" --connections "$connections" --seconds "$seconds" \
    --warmup 2 --window "$window" | tee "$work/creditbench.out"
if [ "${BENCH_PERF:-0}" = 1 ]; then
    wait "$perf_pid" || true
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --percent-limit 1.5 --stdio 2>/dev/null \
        | grep -v '^$' | head -60 >"$work/perf.txt" || true
    echo "perf profile: $work/perf.txt"
fi
kill "$creditd_pid"
wait "$creditd_pid" 2>/dev/null || true
creditd_rate=$(sed -n 's/^RESULT writes_per_s=\([0-9]*\).*/\1/p' "$work/creditbench.out")

echo "== redis"
redis-server --appendonly yes --appendfsync always --unixsocket "$work/redis.sock" --port 0 \
    --dir "$work" --save '' --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
wait_for_socket "$work/redis.sock"
echo "command: redis-benchmark -s $work/redis.sock -t incr -c 32 -n 200000 -q"
redis-benchmark -s "$work/redis.sock" -t incr -c 32 -n 200000 -q | tr '\r' '\n' | grep -v '^$' | tail -1 \
    | tee "$work/redis.out"
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
redis_rate=$(sed -n 's/^INCR: \([0-9.]*\) requests per second.*/\1/p' "$work/redis.out")

echo "== result"
echo "creditd durable writes/s (book or cancel): $creditd_rate"
echo "redis INCR/s (appendfsync always):         $redis_rate"
awk -v c="$creditd_rate" -v r="$redis_rate" 'BEGIN { if (r > 0) printf "ratio creditd/redis: %.2fx\n", c / r }'
echo "files: $work"
