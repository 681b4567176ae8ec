#!/usr/bin/env bash
# Sets up and starts creditd on the embedded default: database and socket in ./.creditd/,
# the system time zone, and you as owner. Stop it with: kill "$(cat .creditd/creditd.pid)"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
for product in creditd creditctl; do swift build -c release --product "$product" 2>&1 | tail -1; done
mkdir -p .creditd
if [ -f .creditd/creditd.pid ] && kill -0 "$(cat .creditd/creditd.pid)" 2>/dev/null; then
    echo "creditd is already running (pid $(cat .creditd/creditd.pid))"
    exit 0
fi
nohup .build/release/creditd >>.creditd/creditd.log 2>&1 &
echo $! >.creditd/creditd.pid
for _ in $(seq 50); do [ -S .creditd/creditd.sock ] && break; sleep 0.1; done
[ -S .creditd/creditd.sock ] || { cat .creditd/creditd.log; exit 1; }
echo "creditd is running (pid $(cat .creditd/creditd.pid)); socket .creditd/creditd.sock; log .creditd/creditd.log"
echo "try: .build/release/creditctl status"
