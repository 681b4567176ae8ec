#!/usr/bin/env bash
# creditd against Redis and PostgreSQL at EQUAL work, in one run, alternating rounds
# (docs/BENCHMARKS.md's summary table comes from this script).
#
# Equal work means, on every side of a row: the same 32 client connections driven by ONE client
# thread (creditbench --threads 1, redis-benchmark, pgbench -j 1), the same requests in flight per
# connection (W = 1 or 32: creditbench --window W, redis-benchmark -P W; pgbench has no
# pipelining, so it appears at W = 1 only) and the same durability (every acknowledged write is on
# disk: creditd synchronous=FULL, Redis AOF appendfsync always, PostgreSQL fsync=on and
# synchronous_commit=on).
#
#   creditd     durable booking.create / booking.cancel pairs (each one transaction with events)
#   Redis       INCR (writes), GET (reads)
#   PostgreSQL  pgbench TPC-B-like (5 statements a transaction) and -N (simple-update, 3)
#   reads       creditd balance.get against Redis GET, W = 1
#
# Each cell is the median over BENCH_ROUNDS rounds; a round runs every cell once, in the same
# order, so load that comes and goes on the machine touches every side alike.
#
# Environment: BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_DIR (a fresh
# directory under /var/tmp). Needs root (apt-get when a peer is missing; PostgreSQL runs as the
# postgres user).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
work=${BENCH_DIR:-$(mktemp -d /var/tmp/creditd-equal-XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"

source scripts/lib/bench-common.sh
prepare_benchmark
if ! command -v pgbench >/dev/null || [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo "installing postgresql" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
pgbin=/usr/lib/postgresql/15/bin

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -d "$work/pg" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

describe_machine
echo "postgresql: $("$pgbin/postgres" --version)"

cat >"$work/creditd.toml" <<EOF
[studio]
time_zone = "UTC"
currency = "EUR"
[access]
owner = ["$(id -un)"]
EOF

# Prints "RATE P50_MS P99_MS" for one creditd run: workload $1, window $2, on a fresh database.
run_creditd() {
    local workload=$1 window=$2 pid out="$work/creditd.$1.$2.out"
    rm -f "$work/ledger.sqlite"* "$work/creditd.sock"
    .build/release/creditd --config "$work/creditd.toml" --socket "$work/creditd.sock" \
        --database "$work/ledger.sqlite" 2>"$work/creditd.log" &
    pid=$!
    pids+=("$pid")
    wait_for_socket "$work/creditd.sock"
    .build/release/creditbench --socket "$work/creditd.sock" --threads 1 --connections "$connections" \
        --seconds "$seconds" --warmup 2 --window "$window" --workload "$workload" >"$out"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    sed -nE 's/^RESULT writes_per_s=([0-9]+) ops_per_s=([0-9]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\2 \3 \4/p' "$out"
}

# Prints "RATE P50_MS P99_MS" for one Redis run: command $1 (incr|get), pipeline $2, fresh AOF.
run_redis() {
    local command=$1 pipeline=$2 pid requests
    rm -rf "$work/appendonlydir" "$work/redis.sock"
    redis-server --appendonly yes --appendfsync always --unixsocket "$work/redis.sock" --port 0 \
        --dir "$work" --save '' --daemonize no >"$work/redis.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for_socket "$work/redis.sock"
    # Enough requests for about BENCH_SECONDS at the rates seen here (redis-benchmark counts, not times).
    requests=$(( pipeline == 1 ? 25000 * seconds : 250000 * seconds ))
    [ "$command" = get ] && requests=$(( 70000 * seconds ))
    # --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    redis-benchmark -s "$work/redis.sock" -t "$command" -c "$connections" -P "$pipeline" -n "$requests" --csv \
        >"$work/redis.$command.$pipeline.out" 2>/dev/null
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    tail -1 "$work/redis.$command.$pipeline.out" | tr -d '"' | awk -F, '{ printf "%.0f %s %s\n", $2, $5, $7 }'
}

# A PostgreSQL 15 cluster of its own in $work (fsync and synchronous_commit on, the defaults,
# stated), on a Unix socket; pgbench's tables at scale = client count (no branch-row contention).
start_postgres() {
    mkdir -p "$work/pg" "$work/pgsock"
    chown postgres "$work/pg" "$work/pgsock"
    runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust >/dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start \
        -o "-k $work/pgsock -c listen_addresses='' -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=100" >/dev/null
    runuser -u postgres -- pgbench -h "$work/pgsock" -i -q -s "$connections" postgres >/dev/null 2>&1
}

# Prints "RATE P50_MS P99_MS" for one pgbench run; $1 is "" (TPC-B-like) or "-N" (simple-update).
run_postgres() {
    local mode=$1 logdir="$work/pglog"
    rm -rf "$logdir"; mkdir -p "$logdir"; chown postgres "$logdir"
    (cd "$logdir" && runuser -u postgres -- pgbench -h "$work/pgsock" $mode -c "$connections" -j 1 -T "$seconds" \
        -l --log-prefix="$logdir/tx" postgres >"$logdir/out" 2>&1)
    local rate
    rate=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$logdir/out" | head -1)
    # Per-transaction log: client tx_no latency_us script_no epoch epoch_us.
    cat "$logdir"/tx* | awk '{ print $3 }' | sort -n | awk -v r="$rate" '
        { v[NR] = $1 } END { printf "%.0f %.3f %.3f\n", r, v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }'
}

cells=("creditd w1" "redis w1" "pg-tpcb w1" "pg-simple w1" "creditd w32" "redis w32" "creditd-read w1" "redis-get w1")
run_cell() {
    case "$1" in
        "creditd w1") run_creditd book-cancel 1 ;;
        "creditd w32") run_creditd book-cancel 32 ;;
        "redis w1") run_redis incr 1 ;;
        "redis w32") run_redis incr 32 ;;
        "pg-tpcb w1") run_postgres "" ;;
        "pg-simple w1") run_postgres "-N" ;;
        "creditd-read w1") run_creditd balance 1 ;;
        "redis-get w1") run_redis get 1 ;;
    esac
}

start_postgres
echo "== commands ($connections connections, one client thread, $seconds s a cell)"
echo "creditd:  creditbench --threads 1 --connections $connections --window W --workload book-cancel|balance"
echo "redis:    redis-server --appendonly yes --appendfsync always; redis-benchmark -c $connections -P W -t incr|get --csv"
echo "postgres: fsync=on synchronous_commit=on; pgbench -c $connections -j 1 -T $seconds [-N] -l"
for round in $(seq "$rounds"); do
    echo "== round $round"
    for cell in "${cells[@]}"; do
        result=$(run_cell "$cell")
        echo "$cell $result" | tee -a "$work/results"
    done
done

# Median per cell of each column.
cell_median() { grep "^$1 " "$work/results" | awk -v c="$2" -v n="$(echo "$1" | wc -w)" '{ print $(n + c) }' | median; }
row() {
    printf '%-28s %10.0f/s  p50 %6.3f ms  p99 %7.3f ms\n' "$1" "$(cell_median "$2" 1)" "$(cell_median "$2" 2)" "$(cell_median "$2" 3)"
}
echo "== result: median of $rounds rounds, $connections connections"
row "creditd book/cancel, W=1" "creditd w1"
row "Redis INCR AOF always, W=1" "redis w1"
row "PostgreSQL TPC-B-like, W=1" "pg-tpcb w1"
row "PostgreSQL simple-update" "pg-simple w1"
row "creditd book/cancel, W=32" "creditd w32"
row "Redis INCR AOF always, W=32" "redis w32"
row "creditd balance.get, W=1" "creditd-read w1"
row "Redis GET, W=1" "redis-get w1"
ratio() { awk -v a="$(cell_median "$1" 1)" -v b="$(cell_median "$2" 1)" 'BEGIN { if (b > 0) printf "%.2fx", a / b }'; }
echo "ratios at W=1:  creditd/Redis $(ratio "creditd w1" "redis w1"), creditd/PostgreSQL TPC-B $(ratio "creditd w1" "pg-tpcb w1"), reads creditd/Redis $(ratio "creditd-read w1" "redis-get w1")"
echo "ratios at W=32: creditd/Redis $(ratio "creditd w32" "redis w32")"
echo "files: $work"
