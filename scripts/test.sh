#!/usr/bin/env bash
# Runs every test: unit, property, and integration (the real creditd binary over its socket).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build --build-tests
swift test --skip-build
