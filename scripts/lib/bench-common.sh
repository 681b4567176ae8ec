# Shared by the benchmark scripts (sourced): small helpers and the machine description that
# every figure in docs/BENCHMARKS.md is reported with. Expects $work (the bench directory).
wait_for_socket() { for _ in $(seq 300); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; return 1; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

describe_machine() {
    echo "== machine"
    echo "nproc: $(nproc)"
    free -h | sed -n 1,2p
    echo "disk: $(df -h "$work" | awk 'NR==2 {print $1 ", " $2 " size, " $4 " free, mounted on " $6}')"
    lsblk -d -o NAME,ROTA,SIZE,MODEL 2>/dev/null | sed 's/^/  /' || true
    echo "4 KiB O_DSYNC writes (dd): $(dd if=/dev/zero of="$work/dsync.probe" bs=4k count=2000 oflag=dsync 2>&1 | tail -1)"
    rm -f "$work/dsync.probe"
    echo "load average: $(load)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "redis: $(redis-server --version)"
}

# The system libraries, apt's redis-server (installed when missing) and the release creditd and
# creditbench, before a side-by-side run.
prepare_benchmark() {
    scripts/deps.sh
    if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
        echo "installing redis-server" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
    fi
    for product in creditd creditbench; do swift build -c release --product "$product" 2>&1 | tail -1; done
}
