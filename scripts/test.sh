#!/usr/bin/env bash
# Runs every test: unit, property, and integration (the real creditd binary over its socket).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build --build-tests
# creditctl tests also run against the real daemon binary just built.
CREDITD_BIN="$PWD/.build/debug/creditd" swift test --skip-build
