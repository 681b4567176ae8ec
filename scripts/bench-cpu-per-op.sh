#!/usr/bin/env bash
# CPU per operation of a creditd binary under one creditbench workload, for before/after
# comparisons on a shared machine (where rates are noisy and CPU time per operation is not):
#
#   scripts/bench-cpu-per-op.sh CREDITD_BINARY WORKLOAD WINDOW [SECONDS] [CONNECTIONS]
#   e.g. scripts/bench-cpu-per-op.sh .build/release/creditd balance 1
#        scripts/bench-cpu-per-op.sh /var/tmp/creditd-old book-cancel 32
#
# Starts the binary on a fresh database, runs creditbench (release build; CREDITBENCH overrides)
# with 2 s of warm-up, and prints one line: ops/s, writes/s, p50/p99, creditd's CPU (user +
# system from /proc/PID/stat over the measured seconds) as a share of one core and per operation.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$1 workload=$2 window=$3 seconds=${4:-10} connections=${5:-32}
creditbench=${CREDITBENCH:-.build/release/creditbench}
work=$(mktemp -d /var/tmp/creditd-cpu-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
source scripts/lib/bench-common.sh
cat >"$work/creditd.toml" <<EOT
[studio]
time_zone = "UTC"
currency = "EUR"
[access]
owner = ["$(id -un)"]
EOT
"$binary" --config "$work/creditd.toml" --socket "$work/creditd.sock" --database "$work/ledger.sqlite" 2>"$work/creditd.log" &
pid=$!
wait_for_socket "$work/creditd.sock"
"$creditbench" --socket "$work/creditd.sock" --connections "$connections" --seconds "$seconds" --warmup 2 \
    --window "$window" --workload "$workload" --json >"$work/out" &
bench=$!
sleep 2
cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep "$seconds"
cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
wait "$bench"
python3 - "$work/out" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$seconds" "$binary" "$workload" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
cpu0, cpu1, hz, seconds = (float(v) for v in sys.argv[2:6])
ops, cpu = out["ops_per_second"], (cpu1 - cpu0) / hz
per_op = cpu * 1e6 / (ops * seconds) if ops else 0
print(f'{sys.argv[6]} {sys.argv[7]}: {ops:.0f} ops/s, {out["writes_per_second"]:.0f} writes/s, '
      f'p50 {out["latency_ms"]["p50"]:.2f} ms, p99 {out["latency_ms"]["p99"]:.2f} ms, '
      f'CPU {cpu / seconds * 100:.0f} % of a core, {per_op:.1f} us per op, errors {out["errors"]}, load {out["load_average"]}')
PY
