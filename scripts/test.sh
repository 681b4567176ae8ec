#!/usr/bin/env bash
# Runs every test: unit, property and integration tests (swift test, against the real creditd
# binary), the kill -9 crash loop, the syscall-traced durability check, and the systemd
# end-to-end run of the shipped units and .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
log=$(mktemp -d)
swift build --build-tests
# creditctl tests also run against the real daemon binary just built.
CREDITD_BIN="$PWD/.build/debug/creditd" swift test --skip-build 2>&1 | tee "$log/swift.txt"
# The short fuzz run: 60 s of the libFuzzer target on the seed corpus; fails on any crash.
scripts/fuzz.sh "${FUZZ_SECONDS:-60}" 2>&1 | tee "$log/fuzz.txt"
python3 scripts/crash-test.py --creditd .build/debug/creditd --kills 20 2>&1 | tee "$log/crash.txt"
# kill -9 keeps the page cache: this traces the syscalls and checks each reply leaves after its fdatasync.
python3 scripts/durability-trace.py --creditd .build/debug/creditd 2>&1 | tee "$log/durability.txt"
scripts/e2e-systemd.sh 2>&1 | tee "$log/e2e.txt"
swift_passed=$(sed -nE 's/.*Test run with ([0-9]+) tests? in .* passed.*/\1/p' "$log/swift.txt" | tail -1)
crash_passed=$(sed -nE 's/^([0-9]+) passed, 0 failed$/\1/p' "$log/crash.txt" | tail -1)
fuzz_summary=$(grep '^fuzz: ' "$log/fuzz.txt" | tail -1)
e2e_passed=$(sed -nE 's/^([0-9]+) passed, 0 failed$/\1/p' "$log/e2e.txt" | tail -1)
echo "${fuzz_summary:-fuzz: no summary}"
grep '^durability: ' "$log/durability.txt" | tail -1
echo "swift test: ${swift_passed:-0}; crash loop: ${crash_passed:-0} kills; systemd e2e: ${e2e_passed:-0} checks"
echo "total: $(( ${swift_passed:-0} + ${crash_passed:-0} + ${e2e_passed:-0} )) passed, 0 failed"
