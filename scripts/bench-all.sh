#!/usr/bin/env bash
# Every issue-6 figure in one run on one machine (docs/BENCHMARKS.md, summary table):
#
#   1. machine: nproc, memory, disk, fsync latency, load average
#   2. naive baseline: the sqlite3 CLI, one INSERT per transaction (WAL, synchronous=FULL)
#   3. writes: creditbench book-cancel, 32 x 32 in flight (fresh database) vs redis-benchmark -t incr -P 32 with AOF
#      appendfsync always, alternating BENCH_ROUNDS rounds, medians
#   4. dataset: creditbench load --clients BENCH_CLIENTS --events BENCH_EVENTS (events/s)
#   5. start-up to READY (NOTIFY_SOCKET listener) and idle RSS with that dataset, BENCH_STARTS times
#   6. reads: creditbench balance over the dataset vs redis-benchmark -t get (1M keys), both 32
#      connections with one request in flight each, alternating rounds, medians and p99
#   7. history pages and a studio day over the dataset
#   8. bad input at scale: 1000 garbage connections while 32 well-behaved ones read balances
#      (BENCH_GOOD_WORKLOAD, one request in flight each)
#
# Environment: BENCH_DIR (a fresh directory under /var/tmp), BENCH_SECONDS (10), BENCH_ROUNDS (3),
# BENCH_CLIENTS (1M), BENCH_EVENTS (10M), BENCH_DATASET (an existing loaded file to copy instead of
# loading), BENCH_STARTS (3), BENCH_GARBAGE (1000), BENCH_GARBAGE_RATES ("1 10 0": lines/s per garbage connection,
# 0 = as fast as the daemon answers),
# BENCH_SKIP (space-separated parts to skip: baseline writes reads extra garbage), BENCH_PERF=1 to
# record a perf profile of creditd during the first read round.
# Needs root for apt-get when redis-server is missing. Takes ~10 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
# Threads of the load client: 1 waits on every connection with poll(2), as redis-benchmark does
# (0: one blocking thread per connection, the first sessions' client).
client_threads=${BENCH_CLIENT_THREADS:-1}
rounds=${BENCH_ROUNDS:-3}
clients=${BENCH_CLIENTS:-1M}
events=${BENCH_EVENTS:-10M}
starts=${BENCH_STARTS:-3}
garbage=${BENCH_GARBAGE:-1000}
garbage_rates=${BENCH_GARBAGE_RATES:-1 10 0}
good=${BENCH_GOOD_WORKLOAD:-balance}
skip=" ${BENCH_SKIP:-} "
work=${BENCH_DIR:-$(mktemp -d /var/tmp/creditd-bench-XXXXXX)}
mkdir -p "$work"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source scripts/lib/bench-common.sh
prepare_benchmark   # system libraries, redis-server, release creditd and creditbench
bin=.build/release

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
skipped() { [[ "$skip" == *" $1 "* ]]; }

describe_machine
echo "sqlite3: $(sqlite3 --version | cut -d' ' -f1)"

cat >"$work/creditd.toml" <<EOF
[studio]
time_zone = "UTC"
currency = "EUR"
[access]
owner = ["$(id -un)"]
EOF

start_creditd() {  # database; sets creditd_pid
    rm -f "$work/creditd.sock"
    "$bin/creditd" --config "$work/creditd.toml" --socket "$work/creditd.sock" --database "$1" \
        2>>"$work/creditd.log" &
    creditd_pid=$!
    pids+=("$creditd_pid")
    wait_for_socket "$work/creditd.sock"
}
stop_creditd() { kill "$creditd_pid"; wait "$creditd_pid" 2>/dev/null || true; }
start_redis() {  # sets redis_pid
    rm -rf "$work/appendonlydir" "$work/redis.sock"
    redis-server --appendonly yes --appendfsync always --unixsocket "$work/redis.sock" --port 0 \
        --dir "$work" --save '' --daemonize no >"$work/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    wait_for_socket "$work/redis.sock"
}
stop_redis() { kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; }
# redis-benchmark's full output ends with "throughput summary: N requests per second" and a
# "latency summary (msec):" table (avg min p50 p95 p99 max).
redis_rate() { sed -n 's/.*throughput summary: \([0-9.]*\) requests per second.*/\1/p' "$1" | tail -1; }
redis_p99() { awk '/latency summary/ { getline; getline; print $5 }' "$1" | tail -1; }
redis_p50() { awk '/latency summary/ { getline; getline; print $3 }' "$1" | tail -1; }

echo "== commands"
echo "creditbench --socket SOCK --threads $client_threads --workload W --connections C --window K --seconds $seconds --warmup 2 [--clients N]"
echo "redis-server --appendonly yes --appendfsync always --unixsocket SOCK --port 0 --save ''"
echo "redis-benchmark -s SOCK -t incr -c 32 -P 32 -n 2000000 | -t get -c 32 -n 1000000 -r 1000000"

# 2. The naive baseline.
if ! skipped baseline; then
    echo "== naive baseline: sqlite3 CLI, one INSERT per transaction, WAL, synchronous=FULL"
    rows=2000
    rm -f "$work/naive.sqlite"*
    {
        echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        echo "CREATE TABLE event (id INTEGER PRIMARY KEY, client TEXT NOT NULL, amount INTEGER NOT NULL, at_ms INTEGER NOT NULL);"
    } | sqlite3 "$work/naive.sqlite" >/dev/null
    seq "$rows" | awk '{ printf "INSERT INTO event (client, amount, at_ms) VALUES (\x27c%08d\x27, -1, %d);\n", $1 % 1000, $1 }' \
        >"$work/naive.sql"
    t0=$(date +%s.%N)
    sqlite3 -cmd "PRAGMA synchronous=FULL" "$work/naive.sqlite" <"$work/naive.sql"
    t1=$(date +%s.%N)
    naive_rate=$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
    echo "naive: $rows rows in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s = $naive_rate commits/s (load $(load))"
fi

# 3. Writes vs Redis INCR.
if ! skipped writes; then
    creditd_rates=(); redis_rates=()
    for round in $(seq "$rounds"); do
        echo "== writes round $round"
        rm -f "$work/writes.sqlite"*
        start_creditd "$work/writes.sqlite"
        "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload book-cancel --connections 32 --window 32 \
            --seconds "$seconds" --warmup 2 >"$work/writes.$round.out"
        stop_creditd
        sed 's/^/  /' "$work/writes.$round.out"
        creditd_rates+=("$(sed -n 's/^RESULT writes_per_s=\([0-9]*\).*/\1/p' "$work/writes.$round.out")")
        start_redis
        redis-benchmark -s "$work/redis.sock" -t incr -c 32 -P 32 -n 2000000 2>&1 | tr '\r' '\n' >"$work/incr.$round.out"
        stop_redis
        redis_rates+=("$(redis_rate "$work/incr.$round.out")")
        echo "  redis INCR: ${redis_rates[-1]}/s, p50 $(redis_p50 "$work/incr.$round.out") ms, p99 $(redis_p99 "$work/incr.$round.out") ms"
        echo "round $round: creditd ${creditd_rates[-1]} writes/s, redis ${redis_rates[-1]} INCR/s, load $(load)"
    done
    writes_c=$(printf '%s\n' "${creditd_rates[@]}" | median)
    writes_r=$(printf '%s\n' "${redis_rates[@]}" | median)
fi

# 4. The dataset.
dataset="$work/dataset.sqlite"
if [ -n "${BENCH_DATASET:-}" ]; then
    echo "== dataset: copying $BENCH_DATASET"
    cp "$BENCH_DATASET" "$dataset"
else
    echo "== dataset: creditbench load --clients $clients --events $events (load $(load))"
    rm -f "$dataset"*
    "$bin/creditbench" load --database "$dataset" --clients "$clients" --events "$events" | tee "$work/load.out"
fi
echo "dataset file: $(du -h "$dataset" | cut -f1)"
dataset_clients=$(sqlite3 "$dataset" "SELECT COUNT(*) FROM client WHERE id LIKE 'c%'")

# 5. Start-up and idle memory.
echo "== start-up to READY and idle RSS ($dataset_clients clients)"
ready=(); rss=()
for i in $(seq "$starts"); do
    rm -f "$work/creditd.sock"
    scripts/startup-probe.py --idle 2 --log "$work/creditd.log" -- "$bin/creditd" --config "$work/creditd.toml" \
        --socket "$work/creditd.sock" --database "$dataset" >"$work/startup.$i.json"
    ready+=("$(json "d['ready_ms']" <"$work/startup.$i.json")")
    rss+=("$(json "d['vm_rss_kib']" <"$work/startup.$i.json")")
    echo "start $i: READY after ${ready[-1]} ms, idle VmRSS ${rss[-1]} KiB ($(json "d['threads']" <"$work/startup.$i.json") threads), load $(load)"
done
ready_ms=$(printf '%s\n' "${ready[@]}" | median)
rss_kib=$(printf '%s\n' "${rss[@]}" | median)

# 6. Reads vs Redis GET; 7. history and studio day; 8. garbage: one daemon on the dataset.
rm -f "$work/creditd.sock"
scripts/startup-probe.py --idle 1 --keep "$work/creditd.pid" --log "$work/creditd.log" -- "$bin/creditd" \
    --config "$work/creditd.toml" --socket "$work/creditd.sock" --database "$dataset" >/dev/null
creditd_pid=$(cat "$work/creditd.pid")
pids+=("$creditd_pid")
if ! skipped reads; then
    start_redis
    echo "  redis: filling 1M keys (redis-benchmark -t set -r 1000000 -n 2000000)"
    redis-benchmark -s "$work/redis.sock" -t set -r 1000000 -n 2000000 -c 32 -P 64 -q >/dev/null 2>&1
    echo "  redis keys: $(redis-cli -s "$work/redis.sock" dbsize)"
    read_c=(); read_c99=(); read_r=(); read_r99=()
    for round in $(seq "$rounds"); do
        echo "== reads round $round"
        perf_pid=
        if [ "${BENCH_PERF:-0}" = 1 ] && [ "$round" = 1 ]; then
            # System-wide: -p would miss the worker threads the daemon starts once requests arrive.
            perf record -a -F 999 -g -o "$work/perf-reads.data" -- sleep $((seconds + 2)) >/dev/null 2>&1 &
            perf_pid=$!
        fi
        "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload balance --clients "$dataset_clients" \
            --connections 32 --window 1 --seconds "$seconds" --warmup 2 --json >"$work/reads.$round.json"
        if [ -n "$perf_pid" ]; then
            wait "$perf_pid" || true
            perf report -i "$work/perf-reads.data" --pid "$creditd_pid" --children --sort symbol --percent-limit 3 \
                --stdio -g none 2>/dev/null | grep '%' | cut -c1-200 >"$work/perf-reads.txt" || true
            echo "  perf profile of creditd: $work/perf-reads.txt"
        fi
        read_c+=("$(json "d['ops_per_second']" <"$work/reads.$round.json")")
        read_c99+=("$(json "d['latency_ms']['p99']" <"$work/reads.$round.json")")
        echo "  creditd balance.get: ${read_c[-1]}/s, p50 $(json "d['latency_ms']['p50']" <"$work/reads.$round.json") ms, p99 ${read_c99[-1]} ms, errors $(json "d['errors']" <"$work/reads.$round.json")"
        redis-benchmark -s "$work/redis.sock" -t get -c 32 -n 1000000 -r 1000000 2>&1 | tr '\r' '\n' >"$work/get.$round.out"
        read_r+=("$(redis_rate "$work/get.$round.out")")
        read_r99+=("$(redis_p99 "$work/get.$round.out")")
        echo "  redis GET: ${read_r[-1]}/s, p50 $(redis_p50 "$work/get.$round.out") ms, p99 ${read_r99[-1]} ms"
        echo "round $round: creditd ${read_c[-1]} balance/s, redis ${read_r[-1]} GET/s, load $(load)"
    done
    stop_redis
    reads_c=$(printf '%s\n' "${read_c[@]}" | median); reads_c99=$(printf '%s\n' "${read_c99[@]}" | median)
    reads_r=$(printf '%s\n' "${read_r[@]}" | median); reads_r99=$(printf '%s\n' "${read_r99[@]}" | median)
    echo "== reads, pipelined (32 connections x 16 in flight) vs redis-benchmark -P 16"
    "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload balance --clients "$dataset_clients" \
        --connections 32 --window 16 --seconds "$seconds" --warmup 2 | sed 's/^/  /'
    start_redis
    redis-benchmark -s "$work/redis.sock" -t set -r 1000000 -n 2000000 -c 32 -P 64 -q >/dev/null 2>&1
    redis-benchmark -s "$work/redis.sock" -t get -c 32 -P 16 -n 4000000 -r 1000000 2>&1 | tr '\r' '\n' >"$work/get-p16.out"
    stop_redis
    echo "  redis GET -P 16: $(redis_rate "$work/get-p16.out")/s, p99 $(redis_p99 "$work/get-p16.out") ms"
fi
if ! skipped extra; then
    for workload in history studio-day; do
        echo "== $workload over the dataset (32 connections x 1)"
        "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload "$workload" --clients "$dataset_clients" \
            --connections 32 --window 1 --seconds "$seconds" --warmup 2 | sed 's/^/  /'
    done
fi
if ! skipped garbage; then
    echo "== bad input at scale: 32 well-behaved connections ($good, 1 in flight), without and with garbage"
    "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload "$good" --clients "$dataset_clients" \
        --connections 32 --window 1 --seconds "$seconds" --warmup 2 --json >"$work/good-alone.json"
    echo "  alone: $(json "f\"{d['ops_per_second']:.0f}/s p50 {d['latency_ms']['p50']} ms p99 {d['latency_ms']['p99']} ms errors {d['errors']}\"" <"$work/good-alone.json")"
    for rate in $garbage_rates; do
        "$bin/creditbench" --socket "$work/creditd.sock" --threads "$client_threads" --workload "$good" --clients "$dataset_clients" \
            --connections 32 --window 1 --seconds "$seconds" --warmup 2 --garbage "$garbage" --garbage-rate "$rate" \
            >"$work/garbage.$rate.out" || true
        echo "  with $garbage garbage connections at $([ "$rate" = 0 ] && echo "full speed" || echo "$rate lines/s each"):"
        sed 's/^/    /' "$work/garbage.$rate.out"
    done
    echo "  daemon alive after garbage: $(kill -0 "$creditd_pid" 2>/dev/null && echo yes || echo NO)"
fi
# RssFile counts the database pages the readers have mapped (page cache, shared and reclaimable);
# RssAnon is the daemon's own memory.
echo "== idle RSS after the benchmarks: $(awk '/^VmRSS/ {print $2 " " $3}' /proc/"$creditd_pid"/status) (anonymous $(awk '/^RssAnon/ {print $2 " " $3}' /proc/"$creditd_pid"/status), mapped file $(awk '/^RssFile/ {print $2 " " $3}' /proc/"$creditd_pid"/status)), peak $(awk '/^VmHWM/ {print $2 " " $3}' /proc/"$creditd_pid"/status)"
echo "== verify: $(timeout 600 python3 - "$work/creditd.sock" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(600)
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"daemon.verify","params":{}}\n')
buf = b""
while not buf.endswith(b"\n"): buf += s.recv(1 << 20)
r = json.loads(buf).get("result", {})
print(f"ok={r.get('ok')} clients={r.get('clients')} lots={r.get('lots')} events={r.get('events')} violations={len(r.get('violations', []))}")
EOF
)"
kill "$creditd_pid"; wait "$creditd_pid" 2>/dev/null || true

echo "== summary (medians; load average now $(load))"
[ -n "${naive_rate:-}" ] && echo "naive sqlite3, one commit per row:         $naive_rate rows/s"
if [ -n "${writes_c:-}" ]; then
    echo "writes: creditd $writes_c writes/s vs redis INCR $writes_r/s: $(awk -v c="$writes_c" -v r="$writes_r" 'BEGIN { printf "%.2fx", c / r }') (goal >= 1.0x)"
    [ -n "${naive_rate:-}" ] && echo "writes vs naive sqlite3: $(awk -v c="$writes_c" -v r="$naive_rate" 'BEGIN { printf "%.1fx", c / r }')"
fi
[ -f "$work/load.out" ] && echo "dataset load: $(sed -n 's/^RESULT //p' "$work/load.out") (goal >= 200000 events/s)"
echo "start-up to READY: $ready_ms ms (goal <= 300); idle VmRSS $rss_kib KiB = $(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB (goal <= 64)"
if [ -n "${reads_c:-}" ]; then
    echo "reads: creditd $reads_c balance/s (p99 $reads_c99 ms) vs redis GET $reads_r/s (p99 $reads_r99 ms): $(awk -v c="$reads_c" -v r="$reads_r" 'BEGIN { printf "%.2fx", c / r }') (goal >= 0.5x, p99 <= 1 ms)"
fi
if [ -f "$work/good-alone.json" ]; then
    echo "garbage: well-behaved p99 alone $(json "d['latency_ms']['p99']" <"$work/good-alone.json") ms (goal <= 10 ms with garbage)"
    for rate in $garbage_rates; do
        echo "  with $garbage garbage connections at $([ "$rate" = 0 ] && echo "full speed" || echo "$rate lines/s each"): $(sed -n 's/^RESULT .*ops_per_s=\([0-9]*\) .*p99_ms=\([0-9.]*\).*/\1 req\/s, p99 \2 ms/p' "$work/garbage.$rate.out")"
    done
fi
echo "files: $work"
