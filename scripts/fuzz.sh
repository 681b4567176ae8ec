#!/usr/bin/env bash
# Builds the libFuzzer target (Sources/creditd-fuzz) and runs it for [seconds] (default 60) on the
# committed seed corpus. The working corpus grows in .build/fuzz-corpus (never committed); crash
# reproducers go to .build/fuzz-artifacts. Exits non-zero if the fuzzer found a crash.
#   scripts/fuzz.sh [seconds] [extra libFuzzer flags...]     e.g. scripts/fuzz.sh 0 -runs=10000000
#   scripts/fuzz.sh --repro FILE                              re-runs one input
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build/fuzz
# -sanitize=address instruments every Swift module of the product (our targets and GRDB, NIO);
# CREDITD_FUZZ_COVERAGE makes Package.swift add -sanitize=fuzzer,address to creditd's own modules
# only (libFuzzer's coverage: fewer counters to clear and scan per execution) and link libFuzzer.
# -parse-as-library because libFuzzer supplies main(); FUZZING switches the entry point on.
# Optimized (3x the executions of -c debug) with -enable-testing for the harness's @testable import.
CREDITD_FUZZ_COVERAGE=1 swift build -c release --product creditd-fuzz --scratch-path "$scratch" \
    -Xswiftc -enable-testing -Xswiftc -sanitize=address -Xswiftc -parse-as-library -Xswiftc -D -Xswiftc FUZZING >&2
binary="$scratch/release/creditd-fuzz"
# Swift's crash backtracer would symbolicate every crash for minutes; libFuzzer reports it already.
export SWIFT_BACKTRACE=enable=no
# Dictionary and Set orders from a fixed hash seed: an input takes the same paths in every process.
export SWIFT_DETERMINISTIC_HASHING=1
# Leak checking needs ptrace-free LSan and reports GRDB/Foundation caches: off. Allocation and free
# stacks of 8 frames instead of 30: recording them on every malloc was a tenth of each execution;
# the stack of a faulting access is always complete.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:malloc_context_size=8}"
if [ "${1:-}" = "--repro" ]; then exec "$binary" "$2"; fi
seconds="${1:-60}"
shift || true
mkdir -p .build/fuzz-corpus .build/fuzz-artifacts
log=$(mktemp)
timing=$(mktemp)
status=0
# The shell's `time`: wall and CPU seconds of the fuzzer (the machine may be shared: exec per CPU-second
# is the comparable rate). seconds=0 runs until -runs=N or a crash.
TIMEFORMAT='%R %U %S'
# The dictionary (fuzz/creditd.dict) gives the mutator whole tokens: method names, keys, instants
# with 0-12 fraction digits and every offset form, edge years, huge and fractional numbers.
{ time "$binary" .build/fuzz-corpus fuzz/corpus -dict=fuzz/creditd.dict -max_total_time="$seconds" -max_len=512 -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=.build/fuzz-artifacts/ "$@" 2>"$log" ; } 2>"$timing" \
    || status=$?
grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|SUMMARY|==[0-9]+==ERROR)' "$log" | grep -E 'INITED|DONE|number_of_executed_units|average_exec_per_sec|peak_rss|SUMMARY|ERROR' || true
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
# (|| true: a crash on a seed, before libFuzzer prints any #N line, must still reach the summary)
cov=$(grep -E '^#[0-9]+' "$log" | sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+).*/\1 \2/p' | tail -1 || true)
crashes=$(find .build/fuzz-artifacts -newer "$log" -name '*-*' | wc -l)
if [ "$status" -ne 0 ]; then tail -60 "$log" >&2; fi
read -r wall user system <"$timing" || true
cpu=$(awk -v u="${user:-0}" -v s="${system:-0}" 'BEGIN {printf "%.0f", u + s}')
per_cpu=$(awk -v n="$runs" -v u="${user:-0}" -v s="${system:-0}" 'BEGIN {printf "%.0f", (u + s > 0) ? n / (u + s) : 0}')
echo "fuzz: ${runs} runs in ${wall%.*}s (CPU ${cpu}s), ${rate:-0} exec/s, ${per_cpu} exec per CPU-second, cov ${cov% *} ft ${cov#* }, ${crashes} crashes (exit ${status}), load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$log" "$timing"
exit "$status"
