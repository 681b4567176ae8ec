#!/usr/bin/env bash
# Two builds of creditd, alternately, on one workload: how each change of session 3 was measured
# (git show 1048a32:docs/BENCHMARKS.md). Alternating pairs cancel most of the drift of a shared machine.
#
#   scripts/bench-ab.sh writes|reads DIR_A DIR_B [PAIRS]
#
# DIR_A and DIR_B each hold a release `creditd` (copy .build/release/creditd there after building
# each commit); creditbench is this tree's release build.
#   writes: a fresh file database, 32 connections x 32 pipelined booking.create + booking.cancel
#           pairs for BENCH_SECONDS (10) after 2 s of warm-up; prints writes/s, creditd's CPU per
#           write and the writer thread's share of a core.
#   reads:  balance.get over BENCH_DATASET (a database from `creditbench load --clients 1000000
#           --events 10000000`, opened in place), 32 connections x 1 request in flight, as in
#           bench-all.sh; prints reads/s and p99.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=${1:?writes or reads}
dir_a=${2:?directory of build A}
dir_b=${3:?directory of build B}
pairs=${4:-3}
seconds=${BENCH_SECONDS:-10}
work=$(mktemp -d /var/tmp/creditd-ab-XXXXXX)
source scripts/lib/bench-common.sh
swift build -c release --product creditbench 2>&1 | tail -1
if [ "$workload" = reads ]; then
    dataset=${BENCH_DATASET:?BENCH_DATASET: a loaded 1M-client database}
fi
printf '[studio]\ntime_zone = "UTC"\ncurrency = "EUR"\n[access]\nowner = ["%s"]\n' "$(id -un)" >"$work/creditd.toml"

cpu_ticks() { awk '{ print $14 + $15 }' "$1"; }

# One measurement of the creditd in $1; prints one line of figures.
measure() {
    local bin=$1 database pid bench
    rm -f "$work/creditd.sock" "$work/ledger.sqlite"*
    database=$work/ledger.sqlite
    [ "$workload" = reads ] && database=$dataset
    "$bin/creditd" --config "$work/creditd.toml" --socket "$work/creditd.sock" --database "$database" 2>"$work/creditd.log" &
    pid=$!
    wait_for_socket "$work/creditd.sock"
    if [ "$workload" = writes ]; then
        .build/release/creditbench --socket "$work/creditd.sock" --threads 1 --connections 32 --window 32 \
            --seconds "$seconds" --warmup 2 >"$work/bench.out" &
    else
        .build/release/creditbench --socket "$work/creditd.sock" --threads 1 --workload balance --clients 1000000 \
            --connections 32 --window 1 --seconds "$seconds" --warmup 2 >"$work/bench.out" &
    fi
    bench=$!
    sleep 2
    local writer cpu0 cpu1 thread0 thread1
    writer=$(grep -l creditd.writer /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
    cpu0=$(cpu_ticks /proc/"$pid"/stat); thread0=$(cpu_ticks /proc/"$pid"/task/"$writer"/stat)
    sleep "$seconds"
    cpu1=$(cpu_ticks /proc/"$pid"/stat); thread1=$(cpu_ticks /proc/"$pid"/task/"$writer"/stat)
    wait "$bench"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local rate p99
    rate=$(sed -n 's/^RESULT .*ops_per_s=\([0-9]*\).*/\1/p' "$work/bench.out")
    p99=$(sed -n 's/^RESULT .*p99_ms=\([0-9.]*\).*/\1/p' "$work/bench.out")
    awk -v r="$rate" -v p="$p99" -v c0="$cpu0" -v c1="$cpu1" -v t0="$thread0" -v t1="$thread1" -v s="$seconds" \
        -v hz="$(getconf CLK_TCK)" -v w="$workload" 'BEGIN {
        if (w == "writes") printf "%6d writes/s  p99 %s ms  %.1f us CPU per write  writer thread %.0f %% of a core\n", r, p, (c1 - c0) / hz * 1e6 / (r * s), (t1 - t0) / hz / s * 100
        else printf "%6d reads/s  p99 %s ms  %.1f us CPU per read\n", r, p, (c1 - c0) / hz * 1e6 / (r * s) }'
}

echo "== $workload: A=$dir_a B=$dir_b, $pairs pairs of $seconds s (load $(load))"
for pair in $(seq "$pairs"); do
    echo "pair $pair  A: $(measure "$dir_a")"
    echo "pair $pair  B: $(measure "$dir_b")"
done
rm -rf "$work"
