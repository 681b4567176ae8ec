#!/usr/bin/env bash
# Scheduler benchmarks (issue 3) against a release creditd on the real clock: expiry lag,
# a 1M-lot expiry storm with concurrent balance reads, and idle context switches.
# Usage: scripts/bench-scheduler.sh [--only lag|storm|idle] [--storm-lots N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build -c release --product creditd 2>&1 | tail -1
work=$(mktemp -d /tmp/creditd-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 -u scripts/bench_scheduler.py --bin .build/release/creditd --work "$work" "$@"
