#!/usr/bin/env bash
# Installs the Debian packages creditd builds and tests with (idempotent; needs root).
set -euo pipefail
# prometheus: promtool checks the metrics exposition and docs/creditd-alerts.yml (MetricsTests),
# and the systemd e2e scrapes creditd with a real Prometheus server. strace: the durability trace.
packages=(libsqlite3-dev libsystemd-dev sqlite3 python3 pkg-config prometheus strace)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
