#!/usr/bin/env bash
# End-to-end test of creditd under a real systemd (252 on Debian 12) booted as PID 1 in
# throw-away namespaces (scripts/e2e/sd-ns.sh): the shipped units, sysusers/tmpfiles, the
# default config, the static release binaries with the Swift toolchain hidden, and the .deb.
#
#   scripts/e2e-systemd.sh            (root; run by .ci/run after the unit tests)
#
# Skips (exit 0, with a SKIP line) only when this machine cannot boot sd-ns at all: not root,
# no systemd, no cgroup2, no overlayfs, no unshare/nsenter. CREDITD_E2E_REQUIRED=1 turns a
# skip into a failure. On failure the journals are kept and their paths printed.
#
# Test-only settings used here, never in the shipped units: runtime drop-ins under
# /run/systemd/system (a short WatchdogSec=). A hung daemon is made with SIGSTOP: the shipped
# binary has no test hook.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SDNS=${SDNS:-$REPO/scripts/e2e/sd-ns.sh}

skip() {
    echo "SKIP e2e-systemd: $*"
    [ "${CREDITD_E2E_REQUIRED:-0}" = 1 ] && { echo "CREDITD_E2E_REQUIRED=1: failing instead"; exit 1; }
    exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (sd-ns boots systemd in new namespaces)"
[ -x /lib/systemd/systemd ] || skip "systemd is not installed (/lib/systemd/systemd)"
for tool in unshare nsenter setpriv runuser useradd python3 dpkg-deb; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] \
    || skip "no cgroup2 hierarchy at /sys/fs/cgroup"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "no overlayfs"
unshare --mount --pid --fork true 2>/dev/null || skip "cannot create namespaces here (unshare failed)"

# ---------------------------------------------------------------------------------------
# Harness
passed=0
failed=0
WORK=$(mktemp -d /tmp/creditd-e2e.XXXXXX)
A=$WORK/a   # manual install: units, sysusers, tmpfiles, config, binaries
B=$WORK/b   # the .deb
cleanup() {
    for s in "$A" "$B"; do [ -f "$s/unshare.pid" ] && "$SDNS" down "$s" >/dev/null 2>&1; done
    if [ "$failed" -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"
    else echo "kept for inspection: $WORK/{a,b}/journal.txt"; fi
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS  $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
note() { echo "      $*"; }
# check NAME CMD...: one named check.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# wait_for SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
    local end=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.2; done
}
# inside STATE CMD...: run CMD inside that container.
inside() { local st=$1; shift; "$SDNS" exec "$st" "$@"; }
show() { inside "$1" systemctl show -p "$2" --value "$3"; }   # show STATE PROPERTY UNIT

# rpc STATE USER SOCKET METHOD [PARAMS_JSON]: one JSON-RPC call as USER inside the container.
# Prints the result (or the error object, or "connect: ERRNO"); exit 0 ok, 2 error, 3 no
# connection. THE place to switch to creditctl once it lands, e.g.
#   inside "$st" runuser -u "$user" -- creditctl --socket "$sock" call "$method" "$params"
rpc() {
    local st=$1 user=$2 sock=$3; shift 3
    inside "$st" runuser -u "$user" -- python3 /usr/local/lib/creditd-e2e/rpc.py "$sock" "$@"
}
# field PATH: a field of the JSON on stdin ("a.b.0.c"), printed plainly.
field() {
    python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=v[int(k)] if isinstance(v,list) else v[k]
print(json.dumps(v) if isinstance(v,(dict,list)) else ("true" if v is True else "false" if v is False else v))' "$1"
}
# rpc_field STATE USER SOCKET METHOD PARAMS PATH
rpc_field() { local out; out=$(rpc "$1" "$2" "$3" "$4" "$5"); printf '%s' "$out" | field "$6"; }
eq() { [ "$1" = "$2" ] || { note "expected '$2', got '$1'"; return 1; }; }
contains() { case "$1" in *"$2"*) return 0 ;; esac; note "'$2' not in: $(printf '%s' "$1" | tail -c 600)"; return 1; }
lacks() { case "$1" in *"$2"*) note "unexpected '$2' in: $(printf '%s' "$1" | tail -c 600)"; return 1 ;; esac; return 0; }
# journal STATE ARGS...: the container's journal, plain messages.
journal() { local st=$1; shift; inside "$st" journalctl --no-pager -o cat "$@" 2>/dev/null; }
main_pid() { show "$1" MainPID "$2"; }
# active_with_new_pid STATE UNIT OLDPID: the unit is active again under another process.
active_with_new_pid() {
    local pid; pid=$(main_pid "$1" "$2")
    [ "$(show "$1" ActiveState "$2")" = active ] && [ "$pid" != 0 ] && [ "$pid" != "$3" ]
}

SOCK=/run/creditd/creditd.sock
t_start=$SECONDS
section() { echo "== $* [$((SECONDS - t_start)) s]"; }

# ---------------------------------------------------------------------------------------
section "build (release, --static-swift-stdlib)"
for product in creditd creditctl; do
    if ! swift build -c release --static-swift-stdlib --product "$product" >"$WORK/build-$product.log" 2>&1; then
        tail -30 "$WORK/build-$product.log"
        fail "release build of $product"
        echo "$passed passed, $failed failed"; exit 1
    fi
done
BIN=$REPO/.build/release
pass "release build of creditd and creditctl with --static-swift-stdlib"
t_tests=$SECONDS

# Only system libraries: every dependency resolves, none from the toolchain, each one
# belongs to a Debian package, and no RPATH/RUNPATH points into the toolchain.
system_libs_only() {
    local bin=$1 libs lib ok=0
    libs=$(ldd "$bin") || return 1
    note "ldd $(basename "$bin"): $(printf '%s\n' "$libs" | awk '{print $1}' | paste -sd' ')"
    if printf '%s\n' "$libs" | grep -q "not found"; then note "unresolved: $libs"; ok=1; fi
    if printf '%s\n' "$libs" | grep -qi "swift"; then note "toolchain library linked"; ok=1; fi
    for lib in $(printf '%s\n' "$libs" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
        dpkg -S "$(realpath "$lib")" >/dev/null 2>&1 || dpkg -S "$lib" >/dev/null 2>&1 \
            || { note "$lib belongs to no Debian package"; ok=1; }
    done
    # SwiftPM's RUNPATH is $ORIGIN (next to the binary, where nothing is installed); any
    # other entry, and the toolchain's directory above all, would be a dependency on a layout.
    local rpath; rpath=$(readelf -d "$bin" | sed -n 's/.*R\(UN\)\{0,1\}PATH.*\[\(.*\)\]/\2/p' | tr ':' '\n' | grep -vx '\$ORIGIN')
    if [ -n "$rpath" ]; then note "RPATH/RUNPATH beyond \$ORIGIN: $rpath"; ok=1; fi
    return $ok
}
check "ldd creditd lists only system libraries" system_libs_only "$BIN/creditd"
check "ldd creditctl lists only system libraries" system_libs_only "$BIN/creditctl"

section "systemd-analyze security --offline=true"
security_score() {   # UNIT_FILE: exposure <= 1.5
    local out score
    out=$(systemd-analyze security --offline=true "$1" 2>&1)
    score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    note "$(basename "$1"): exposure ${score:-?}"
    [ -n "$score" ] && python3 -c "import sys; sys.exit(0 if float('$score') <= 1.5 else 1)"
}
check "security score of systemd/creditd.service <= 1.5" security_score systemd/creditd.service
check "security score of systemd/creditd@.service <= 1.5" security_score systemd/creditd@.service

section ".deb"
DEB=$(scripts/build-deb.sh --no-build --fast --out "$WORK/dist" 2>"$WORK/deb.log") && [ -f "$DEB" ]
check "scripts/build-deb.sh builds a .deb" [ -f "${DEB:-/nonexistent}" ]
deb_contents() {
    local list; list=$(dpkg-deb -c "$DEB") || return 1
    for f in ./usr/sbin/creditd ./usr/bin/creditctl ./lib/systemd/system/creditd.service \
             ./lib/systemd/system/creditd.socket ./lib/systemd/system/creditd@.service \
             ./lib/systemd/system/creditd@.socket ./usr/lib/sysusers.d/creditd.conf \
             ./usr/lib/tmpfiles.d/creditd.conf ./etc/creditd/creditd.toml ./usr/share/man/man8/creditd.8.gz \
             ./usr/share/man/man1/creditctl.1.gz ./usr/share/bash-completion/completions/creditctl \
             ./usr/share/zsh/vendor-completions/_creditctl ./usr/share/fish/vendor_completions.d/creditctl.fish \
             ./usr/share/doc/creditd/OPERATIONS.md; do
        contains "$list" "$f" || return 1
    done
    [ "$(dpkg-deb -f "$DEB" Package)" = creditd ] && dpkg-deb -I "$DEB" conffiles | grep -qx /etc/creditd/creditd.toml
}
check "the .deb holds binaries, units, sysusers, tmpfiles, man pages, completions, docs and the config as a conffile" deb_contents

# ---------------------------------------------------------------------------------------
section "boot systemd (manual install)"
mkdir -p "$WORK/empty-units"
"$SDNS" up "$A" "$WORK/empty-units" | sed 's/^/      /' || { fail "sd-ns boots systemd"; exit 1; }
SH=$A/share
mkdir -p "$SH/units"
cp "$BIN/creditd" "$BIN/creditctl" scripts/e2e/rpc.py "$SH/"
cp systemd/creditd.service systemd/creditd.socket systemd/creditd@.service systemd/creditd@.socket "$SH/units/"
cp systemd/creditd.sysusers systemd/creditd.tmpfiles systemd/creditd.toml "$SH/"
inside "$A" sh -euc '
    systemd-analyze log-level debug    # PID 1 logs every sd_notify message it gets
    mount -t tmpfs -o ro,mode=0755,size=64k no-toolchain /opt/swift   # hide the Swift toolchain
    install -m 0755 /sdns-share/creditd /usr/sbin/creditd
    install -m 0755 /sdns-share/creditctl /usr/bin/creditctl
    install -D -m 0755 /sdns-share/rpc.py /usr/local/lib/creditd-e2e/rpc.py
    install -m 0644 /sdns-share/units/* /lib/systemd/system/
    install -D -m 0644 /sdns-share/creditd.sysusers /usr/lib/sysusers.d/creditd.conf
    install -D -m 0644 /sdns-share/creditd.tmpfiles /usr/lib/tmpfiles.d/creditd.conf
    install -D -m 0644 /sdns-share/creditd.toml /etc/creditd/creditd.toml
    systemd-sysusers creditd.conf >/dev/null 2>&1
    systemd-tmpfiles --create creditd.conf
    systemctl daemon-reload
    useradd --no-create-home --shell /usr/sbin/nologin --groups creditd alice   # member
    useradd --no-create-home --shell /usr/sbin/nologin bob                      # not a member
' || fail "install inside the test systemd"

toolchain_hidden() {
    [ -z "$(inside "$A" ls -A /opt/swift)" ] || { note "/opt/swift is visible"; return 1; }
    local l; l=$(inside "$A" ldd /usr/sbin/creditd) || return 1
    lacks "$l" "not found" && inside "$A" /usr/sbin/creditd --version >/dev/null
}
check "toolchain hidden (/opt/swift empty): binaries resolve and run" toolchain_hidden

verify_units() {
    local out
    out=$(inside "$A" sh -c 'cd /lib/systemd/system && systemd-analyze verify creditd.service creditd.socket \
        creditd@.service creditd@.socket creditd@verify.service creditd@verify.socket 2>&1')
    [ -z "$out" ] || { note "$out"; return 1; }
}
check "systemd-analyze verify prints nothing for every unit" verify_units

sysusers_ok() {
    local pw gr
    pw=$(inside "$A" getent passwd creditd) && gr=$(inside "$A" id -nG alice) || return 1
    contains "$pw" "/usr/sbin/nologin" && contains "$gr" creditd \
        && eq "$(inside "$A" stat -c '%U:%G %a' /var/lib/creditd)" "creditd:creditd 700"
}
check "sysusers makes user+group creditd; tmpfiles makes /var/lib/creditd 0700" sysusers_ok

section "socket activation, READY, STATUS"
inside "$A" systemctl enable --now creditd.socket >/dev/null 2>&1
socket_listening() {
    eq "$(show "$A" ActiveState creditd.socket)" active \
        && eq "$(inside "$A" stat -c '%F %U:%G %a' $SOCK)" "socket root:creditd 660" \
        && eq "$(show "$A" ActiveState creditd.service)" inactive
}
check "creditd.socket listens (0660 root:creditd) and creditd.service is not yet running" socket_listening
first_connection() {
    local out; out=$(rpc "$A" root $SOCK daemon.status) || { note "$out"; return 1; }
    eq "$(show "$A" ActiveState creditd.service)" active && eq "$(show "$A" SubState creditd.service)" running
}
check "the first connection starts creditd.service (socket activation)" first_connection
ready_and_status() {
    local status j
    status=$(show "$A" StatusText creditd.service); note "StatusText=$status"
    contains "$status" "serving socket fd 3 from systemd" || return 1
    j=$(journal "$A" -u creditd.service)
    contains "$j" "READY=1" && contains "$j" "systemd watchdog armed" \
        && eq "$(show "$A" WatchdogUSec creditd.service)" 30s
}
check "READY=1 reached (Type=notify, active) and STATUS set" ready_and_status
hardening_live() {   # the sandbox really applies to the running daemon
    local pid status; pid=$(main_pid "$A" creditd.service)
    status=$(inside "$A" cat /proc/"$pid"/status) || return 1
    contains "$status" "Seccomp:	2" && contains "$status" "NoNewPrivs:	1" && contains "$status" "CapEff:	0000000000000000" \
        && eq "$(inside "$A" stat -c %U /proc/"$pid")" creditd \
        && [ -z "$(inside "$A" ls -A /proc/"$pid"/root/opt/swift)" ]
}
check "the daemon runs as creditd under seccomp, no caps, NoNewPrivs, toolchain hidden" hardening_live

section "access: group creditd may connect, others may not"
member_ok() {
    rpc "$A" alice $SOCK daemon.status >/dev/null \
        && rpc "$A" alice $SOCK session_type.create '{"id":"pt","name":"Personal training"}' >/dev/null \
        && rpc "$A" alice $SOCK client.create '{"id":"c1","name":"Ada"}' >/dev/null \
        && rpc "$A" alice $SOCK credit.issue '{"client":"c1","session_type":"pt","credits":5}' >/dev/null \
        && eq "$(rpc_field "$A" alice $SOCK balance.get '{"client":"c1"}' total)" 5
}
check "a member of group creditd uses the socket (admin role: types, clients, credits)" member_ok
nonmember_refused() {
    local out rc; out=$(rpc "$A" bob $SOCK daemon.status); rc=$?
    eq "$rc" 3 && eq "$out" "connect: EACCES"
}
check "a user outside group creditd is refused (EACCES on connect)" nonmember_refused
ctl_member_ok() {
    local out
    out=$(inside "$A" runuser -u alice -- creditctl balance c1 --socket $SOCK) || { note "$out"; return 1; }
    case "$out" in "c1: 5 credits"*) ;; *) note "$out"; return 1 ;; esac
    out=$(inside "$A" runuser -u alice -- creditctl client add c2 "Bea Ctl" --json --socket $SOCK) \
        || { note "$out"; return 1; }
}
check "creditctl works through the systemd socket for a member of group creditd" ctl_member_ok
ctl_nonmember_refused() {
    local out rc
    out=$(inside "$A" runuser -u bob -- creditctl status --socket $SOCK 2>&1); rc=$?
    eq "$rc" 3 && case "$out" in *"permission denied"*) ;; *) note "$out"; return 1 ;; esac
}
check "creditctl is refused for a non-member (exit 3, says permission denied)" ctl_nonmember_refused

section "kill -9 -> restart, ledger intact"
ledger_intact() {   # STATE SOCKET: verify ok and the data still there
    local v; v=$(rpc "$1" root "$2" daemon.verify) || { note "$v"; return 1; }
    eq "$(printf '%s' "$v" | field ok)" true && eq "$(rpc_field "$1" root "$2" balance.get '{"client":"c1"}' total)" 5
}
pid=$(main_pid "$A" creditd.service)
inside "$A" kill -9 "$pid"
check "kill -9 -> creditd restarts (Restart=on-failure)" wait_for 15 active_with_new_pid "$A" creditd.service "$pid"
check "after kill -9: daemon.verify ok and the balance is still 5" ledger_intact "$A" $SOCK
eq "$(show "$A" NRestarts creditd.service)" 1 >/dev/null || note "NRestarts=$(show "$A" NRestarts creditd.service)"

section "hung daemon -> watchdog kill and restart"
inside "$A" sh -euc 'mkdir -p /run/systemd/system/creditd.service.d
    printf "[Service]\nLimitCORE=0\nWatchdogSec=2\nTimeoutAbortSec=5\n" >/run/systemd/system/creditd.service.d/e2e-hang.conf
    systemctl daemon-reload && systemctl restart creditd.service'
pid=$(main_pid "$A" creditd.service)
sleep 3   # longer than WatchdogSec: the pings keep a healthy daemon alive
check "a healthy daemon outlives WatchdogSec=2 (pings from the scheduler queue)" eq "$(main_pid "$A" creditd.service)" "$pid"
# SIGSTOP freezes every thread, the scheduler queue that pings the watchdog among them (that a
# stuck scheduler alone stops the pings is SystemdTests.aSchedulerBlockedOnTheDatabaseStopsTheWatchdogPings).
inside "$A" kill -STOP "$pid"
t0=$SECONDS
check "a hung daemon -> watchdog kill and restart" wait_for 40 active_with_new_pid "$A" creditd.service "$pid"
note "restarted $((SECONDS - t0)) s after the hang"
watchdog_logged() {
    local j; j=$(journal "$A" -u creditd.service)
    contains "$j" "Watchdog timeout"
}
check "the journal shows systemd's watchdog timeout" watchdog_logged
check "after the watchdog restart: daemon.verify ok and the balance is still 5" ledger_intact "$A" $SOCK
inside "$A" sh -c 'rm -r /run/systemd/system/creditd.service.d && systemctl daemon-reload && systemctl restart creditd.service'

section "SIGHUP (systemctl reload) with a bad config keeps serving"
pid=$(main_pid "$A" creditd.service)
inside "$A" sh -c 'cp /etc/creditd/creditd.toml /root/good.toml && printf "[studio]\ntime_zone = \"Mars/Olympus_Mons\"\n" >/etc/creditd/creditd.toml'
inside "$A" systemctl reload creditd.service
status_has() { case "$(show "$A" StatusText creditd.service)" in *"$1"*) return 0 ;; esac; return 1; }
bad_reload() {
    wait_for 10 status_has "config reload failed" || { note "StatusText=$(show "$A" StatusText creditd.service)"; return 1; }
    note "StatusText=$(show "$A" StatusText creditd.service)"
    eq "$(main_pid "$A" creditd.service)" "$pid" && eq "$(show "$A" ActiveState creditd.service)" active \
        && rpc "$A" alice $SOCK balance.get '{"client":"c1"}' >/dev/null \
        && contains "$(journal "$A" -u creditd.service)" "Mars/Olympus_Mons"
}
check "bad config on SIGHUP: refused, same process keeps serving, STATUS says so" bad_reload
inside "$A" sh -c 'cp /root/good.toml /etc/creditd/creditd.toml'
inside "$A" systemctl reload creditd.service
check "good config on SIGHUP: reloaded (STATUS says so)" wait_for 10 status_has "config reloaded"

section "journal priorities (<N> prefixes)"
# A warning to look for: a reload that changes [metrics] listen (applied only on restart).
inside "$A" sh -c 'cp /etc/creditd/creditd.toml /root/good.toml && printf "\n[metrics]\nlisten = \"127.0.0.1:9465\"\n" >>/etc/creditd/creditd.toml'
inside "$A" systemctl reload creditd.service
warned() { contains "$(journal "$A" _SYSTEMD_UNIT=creditd.service -p warning..warning)" "changes only on restart"; }
wait_for 10 warned || note "no restart warning in the journal yet"
inside "$A" sh -c 'cp /root/good.toml /etc/creditd/creditd.toml'
inside "$A" systemctl reload creditd.service
priorities() {
    local err warn info
    err=$(journal "$A" _SYSTEMD_UNIT=creditd.service -p err..err)
    warn=$(journal "$A" _SYSTEMD_UNIT=creditd.service -p warning..warning)
    info=$(journal "$A" _SYSTEMD_UNIT=creditd.service -p info..info)
    contains "$err" "config reload failed" && lacks "$err" "serving" && lacks "$err" "<3>" \
        && contains "$warn" "[metrics] listen changes only on restart" && lacks "$warn" "config reload failed" \
        && contains "$info" "serving socket fd 3 from systemd" && lacks "$info" "config reload failed"
}
check "journalctl -p err / warning / info each show the daemon's lines at their priority" priorities

section "systemctl stop: clean STOPPING, exit 0"
pid=$(main_pid "$A" creditd.service)
clean_stop() {
    inside "$A" systemctl stop creditd.service 2>/dev/null || return 1
    local j; j=$(journal "$A" -u creditd.service)
    eq "$(show "$A" ActiveState creditd.service)" inactive && eq "$(show "$A" Result creditd.service)" success \
        && eq "$(show "$A" ExecMainStatus creditd.service)" 0 && eq "$(show "$A" ExecMainCode creditd.service)" 1 \
        && contains "$j" "Got notification message from PID $pid (STOPPING=1" \
        && contains "$j" "stopping: finishing in-flight requests" && contains "$j" "stopped"
}
check "systemctl stop: STOPPING=1 sent, journal shows it, exit status 0" clean_stop
check "after stop the socket stays; the next connection starts creditd again, data intact" ledger_intact "$A" $SOCK

section "backup and restore as docs/OPERATIONS.md says"
backup_restore() {
    local out; out=$(rpc "$A" root $SOCK daemon.backup '{"path":"e2e.sqlite"}') || { note "$out"; return 1; }
    inside "$A" test -f /var/lib/creditd/backups/e2e.sqlite || { note "no backup file"; return 1; }
    rpc "$A" alice $SOCK credit.issue '{"client":"c1","session_type":"pt","credits":2}' >/dev/null || return 1
    eq "$(rpc_field "$A" root $SOCK balance.get '{"client":"c1"}' total)" 7 || return 1
    inside "$A" sh -euc 'systemctl stop creditd.socket creditd.service
        cd /var/lib/creditd
        rm -f ledger.sqlite-wal ledger.sqlite-shm
        install -o creditd -g creditd -m 0600 backups/e2e.sqlite ledger.sqlite
        systemctl start creditd.socket' || return 1
    ledger_intact "$A" $SOCK   # verify ok and the balance back to the backup's 5
}
check "daemon.backup (owner) into backups/, restore: stop, copy, start, verify" backup_restore

section "metrics: GET /metrics on loopback, scraped by a real Prometheus"
# The listener needs the drop-in docs/OPERATIONS.md gives (the shipped unit is AF_UNIX only).
PROM=http://127.0.0.1:9099
inside "$A" sh -euc 'mkdir -p /run/systemd/system/creditd.service.d
    printf "[Service]\nPrivateNetwork=no\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nIPAddressAllow=localhost\n" \
        >/run/systemd/system/creditd.service.d/e2e-metrics.conf
    cp /etc/creditd/creditd.toml /root/pre-metrics.toml
    printf "\n[metrics]\nlisten = \"127.0.0.1:9464\"\n" >>/etc/creditd/creditd.toml
    mkdir -p /root/prom
    printf "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: creditd\n    static_configs:\n      - targets: [\"127.0.0.1:9464\"]\n" \
        >/root/prom/prometheus.yml
    systemctl daemon-reload && systemctl restart creditd.service'
# http_get STATE URL: the body, via python3's stdlib inside the container.
http_get() {
    inside "$1" python3 -c 'import sys,urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$2"
}
# prom_value STATE QUERY: the first sample's value of an instant query on the Prometheus server.
prom_value() {
    inside "$1" python3 -c 'import json,sys,urllib.parse,urllib.request
r=json.load(urllib.request.urlopen(sys.argv[1]+"/api/v1/query?query="+urllib.parse.quote(sys.argv[2]),timeout=5))
res=r["data"]["result"]
print(res[0]["value"][1] if res else "")' "$PROM" "$2"
}
prom_value_is() { [ "$(prom_value "$1" "$2")" = "$3" ]; }
metrics_served() {
    local body
    for _ in 1 2 3; do rpc "$A" alice $SOCK balance.get '{"client":"c1"}' >/dev/null || return 1; done
    body=$(http_get "$A" http://127.0.0.1:9464/metrics) || { note "GET /metrics failed"; return 1; }
    contains "$body" 'creditd_requests_total{method="balance.get",outcome="ok"} 3' \
        && contains "$body" "creditd_build_info{" && contains "$(journal "$A" -u creditd.service)" "metrics served at http://127.0.0.1:9464/metrics"
}
check "[metrics] listen + the documented drop-in: GET /metrics serves the counters" metrics_served
prometheus_scrapes() {
    inside "$A" systemd-run --unit=e2e-prometheus --quiet /usr/bin/prometheus --config.file=/root/prom/prometheus.yml \
        --storage.tsdb.path=/root/prom/data --web.listen-address=127.0.0.1:9099 || return 1
    # Scraped every second: the series arrives within a few scrapes (60 s bound for a slow machine).
    wait_for 60 prom_value_is "$A" 'up{job="creditd"}' 1 || { note "up: '$(prom_value "$A" 'up{job="creditd"}')'"; return 1; }
    wait_for 60 prom_value_is "$A" 'creditd_requests_total{method="balance.get",outcome="ok"}' 3 \
        || { note "value: '$(prom_value "$A" 'creditd_requests_total{method="balance.get",outcome="ok"}')'"; return 1; }
    note "Prometheus: balance.get ok = 3, wal bytes = $(prom_value "$A" creditd_wal_bytes)"
}
check "a real Prometheus scrapes creditd (1 s interval) and its HTTP API returns the series" prometheus_scrapes
inside "$A" sh -c 'systemctl stop e2e-prometheus.service 2>/dev/null
    cp /root/pre-metrics.toml /etc/creditd/creditd.toml
    rm -r /run/systemd/system/creditd.service.d && systemctl daemon-reload && systemctl restart creditd.service'

section "two template instances side by side"
inside "$A" sh -euc 'mkdir -p /etc/creditd/north
    sed "s/^currency = .*/currency = \"GBP\"/" /etc/creditd/creditd.toml >/etc/creditd/north/creditd.toml
    systemctl start creditd@north.socket creditd@south.socket'
instances() {
    rpc "$A" alice /run/creditd/north.sock client.create '{"id":"n1","name":"North"}' >/dev/null || return 1
    rpc "$A" alice /run/creditd/south.sock client.create '{"id":"s1","name":"South"}' >/dev/null || return 1
    local pn ps; pn=$(main_pid "$A" creditd@north.service); ps=$(main_pid "$A" creditd@south.service)
    note "north pid $pn, south pid $ps"
    [ "$pn" != 0 ] && [ "$ps" != 0 ] && [ "$pn" != "$ps" ] || return 1
    eq "$(show "$A" ActiveState creditd@north.service)" active && eq "$(show "$A" ActiveState creditd@south.service)" active \
        && eq "$(rpc_field "$A" alice /run/creditd/north.sock client.get '{"id":"s1"}' data.reason)" not_found \
        && eq "$(rpc_field "$A" alice /run/creditd/south.sock client.get '{"id":"n1"}' data.reason)" not_found \
        && inside "$A" test -f /var/lib/creditd/north/ledger.sqlite && inside "$A" test -f /var/lib/creditd/south/ledger.sqlite \
        && eq "$(rpc_field "$A" alice /run/creditd/north.sock studio.get '{}' currency)" GBP \
        && eq "$(rpc_field "$A" alice /run/creditd/south.sock studio.get '{}' currency)" EUR \
        && eq "$(rpc_field "$A" alice $SOCK client.get '{"id":"n1"}' data.reason)" not_found
}
check "creditd@north and creditd@south: own sockets, databases, configs, processes" instances
instances_stop() {
    inside "$A" systemctl stop creditd@north.service creditd@south.service 2>/dev/null || return 1
    eq "$(show "$A" Result creditd@north.service)" success && eq "$(show "$A" Result creditd@south.service)" success
}
check "both instances stop cleanly" instances_stop
no_denials() {   # nothing the sandbox refused shows up in any creditd log line of this boot
    # (except libdispatch's expected "Failed to set thread priority ... errno=13": see the unit)
    local j; j=$(journal "$A" -t creditd | grep -v "Failed to set thread priority for worker thread: .* errno=13")
    [ -n "$j" ] && lacks "$j" "not permitted" && lacks "$j" "Permission denied" && lacks "$j" "Failed to" \
        && lacks "$j" "Bad system call" && lacks "$j" "Read-only file system"
}
check "no sandbox denials (EPERM/EACCES/EROFS/seccomp) in the daemon's journal" no_denials
"$SDNS" down "$A" >/dev/null 2>&1

# ---------------------------------------------------------------------------------------
section "the .deb in a fresh systemd: install, remove, reinstall, purge"
"$SDNS" up "$B" "$WORK/empty-units" | sed 's/^/      /' || { fail "sd-ns boots systemd"; exit 1; }
cp "${DEB:-/dev/null}" "$B/share/creditd.deb"
cp scripts/e2e/rpc.py "$B/share/"
# A real server has no policy-rc.d; a container image's (exit 101: "start nothing") would make
# the postinst's deb-systemd-invoke skip starting the socket, as Debian intends there.
inside "$B" sh -euc 'rm -f /usr/sbin/policy-rc.d
    mount -t tmpfs -o ro,mode=0755,size=64k no-toolchain /opt/swift
    install -D -m 0755 /sdns-share/rpc.py /usr/local/lib/creditd-e2e/rpc.py'
deb_install() {
    local out; out=$(inside "$B" dpkg -i /sdns-share/creditd.deb 2>&1) || { note "$out"; return 1; }
    eq "$(show "$B" ActiveState creditd.socket)" active && eq "$(show "$B" UnitFileState creditd.socket)" enabled \
        && inside "$B" getent group creditd >/dev/null \
        && rpc "$B" root $SOCK client.create '{"id":"c1","name":"Ada"}' >/dev/null \
        && rpc "$B" root $SOCK session_type.create '{"id":"pt","name":"PT"}' >/dev/null \
        && rpc "$B" root $SOCK credit.issue '{"client":"c1","session_type":"pt","credits":5}' >/dev/null \
        && eq "$(show "$B" ActiveState creditd.service)" active
}
check "dpkg -i: creditd.socket enabled and started; creditd serves on first use" deb_install
deb_upgrade() {   # dpkg -i over a running install: the daemon restarts onto the new binary
    local pid out; pid=$(main_pid "$B" creditd.service)
    out=$(inside "$B" dpkg -i /sdns-share/creditd.deb 2>&1) || { note "$out"; return 1; }
    active_with_new_pid "$B" creditd.service "$pid" && ledger_intact "$B" $SOCK
}
check "dpkg -i over a running install (upgrade): daemon restarted, ledger intact" deb_upgrade
deb_remove() {
    local out; out=$(inside "$B" dpkg -r creditd 2>&1) || { note "$out"; return 1; }
    eq "$(show "$B" ActiveState creditd.service)" inactive && ! inside "$B" test -e /usr/sbin/creditd \
        && inside "$B" test -f /var/lib/creditd/ledger.sqlite && inside "$B" test -f /etc/creditd/creditd.toml
}
check "dpkg -r: daemon stopped, binaries gone, /var/lib/creditd and the config kept" deb_remove
deb_reinstall() {
    local out; out=$(inside "$B" dpkg -i /sdns-share/creditd.deb 2>&1) || { note "$out"; return 1; }
    eq "$(show "$B" ActiveState creditd.socket)" active && ledger_intact "$B" $SOCK
}
check "dpkg -i again: socket back, the kept ledger verifies with its data" deb_reinstall
deb_purge() {
    local out; out=$(inside "$B" dpkg -P creditd 2>&1) || { note "$out"; return 1; }
    ! inside "$B" test -e /var/lib/creditd && ! inside "$B" test -e /etc/creditd \
        && ! inside "$B" test -e $SOCK && ! inside "$B" dpkg -s creditd >/dev/null 2>&1
}
check "dpkg -P: /var/lib/creditd and /etc/creditd removed" deb_purge
"$SDNS" down "$B" >/dev/null 2>&1

echo "e2e-systemd: $((SECONDS - t_tests)) s of tests after a $((t_tests - t_start)) s build"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
