#!/bin/bash
# (Vendored copy of the studio host's shared/tools/sd-ns.sh, so CI on a fresh clone can run
# scripts/e2e-systemd.sh; keep in sync by copying, do not fork.)
# sd-ns.sh - boot a real systemd (as PID 1) inside throw-away namespaces on a host whose
# PID 1 is NOT systemd, to test unit files for real (Type=notify, WatchdogSec=, .socket
# activation, Restart=, systemctl, journalctl). Needs root + CAP_SYS_ADMIN, overlayfs, and a
# cgroup2 hierarchy (pure v2 at /sys/fs/cgroup or hybrid at /sys/fs/cgroup/unified).
#
#   sd-ns.sh up   STATE_DIR [UNIT_DIR]  boot; UNIT_DIR/* is copied to /etc/systemd/system
#   sd-ns.sh exec STATE_DIR CMD...      run CMD inside (all namespaces of the container)
#   sd-ns.sh down STATE_DIR             collect journal to STATE_DIR/journal.txt, power off,
#                                       remove the cgroup; nothing is left behind
#
# Isolation: new pid/mount/uts/ipc/net/cgroup namespaces; / is an overlay (lower = host /,
# upper = tmpfs) so nothing the container writes reaches the host; fresh tmpfs /run, /tmp,
# /dev (null zero full random urandom tty + devpts); /proc/sys and /sys read-only (blocks
# host-global sysctls such as kernel.core_pattern that systemd-shutdown writes); dangerous
# capabilities dropped from the bounding set. STATE_DIR/share is bind-mounted at
# /sdns-share for exchanging files after boot. SDNS_RO_BINDS="/path1 /path2" additionally
# binds host paths read-only at the same place (use it for data on other filesystems).
# This is test isolation, not a security boundary (the payload is still root with
# CAP_SYS_ADMIN/CAP_MKNOD in the init user namespace).
set -euo pipefail

die() { echo "sd-ns: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 up|exec|down STATE_DIR ..."
cmd=$1; mkdir -p "$2"; STATE=$(realpath "$2"); shift 2

pid1() {   # host-side PID of the container's systemd
    local u; u=$(cat "$STATE/unshare.pid" 2>/dev/null) || return 1
    awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null | grep . || return 1
}
inside() {
    local p; p=$(pid1) || die "container not running"
    nsenter -t "$p" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 TERM=dumb LANG=C.UTF-8 "$@"
}

case "$cmd" in
up)
    UNITS=${1:-}
    [ -e "$STATE/unshare.pid" ] && pid1 >/dev/null && die "already running"
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then CGBASE=/sys/fs/cgroup
    elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then CGBASE=/sys/fs/cgroup/unified
    else die "no cgroup2 hierarchy found"; fi
    CG=$CGBASE/sdns-$$-$RANDOM
    HOSTCG=$CGBASE$(sed -n 's/^0:://p' /proc/self/cgroup)
    mkdir -p "$STATE/rt" "$STATE/share" "$STATE/units"
    rm -f "$STATE/units/"*; [ -n "$UNITS" ] && cp -r "$UNITS"/. "$STATE/units/"
    cat > "$STATE/units/sdns.target" <<'EOF'
[Unit]
Description=sd-ns minimal boot target
Requires=sysinit.target
After=sysinit.target
Wants=systemd-journald.socket systemd-journald.service dbus.socket
AllowIsolate=yes
EOF
    cat > "$STATE/inner.sh" <<'EOF'
#!/bin/sh
set -eu
STATE=$1; R=$STATE/rt
mount -t tmpfs -o mode=755 sdns-rt "$R"
mkdir -p "$R/upper" "$R/work" "$R/root"
mount -t overlay sdns-root -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$R/root"
N=$R/root
for b in ${SDNS_RO_BINDS:-}; do mkdir -p "$N$b"; mount --rbind "$b" "$N$b"; mount -o remount,bind,ro "$N$b"; done
mount -t proc -o nosuid,nodev,noexec proc "$N/proc"
for p in sys sysrq-trigger; do [ -e "$N/proc/$p" ] || continue
  mount --bind "$N/proc/$p" "$N/proc/$p"; mount -o remount,bind,ro "$N/proc/$p"; done
mount --bind "$N/proc/sys/net" "$N/proc/sys/net"; mount -o remount,bind,rw "$N/proc/sys/net"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$N/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$N/sys/fs/cgroup"
mount -t tmpfs -o mode=755,nosuid sdns-dev "$N/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  n=${d%%:*}; mm=${d#*:}; mknod -m 666 "$N/dev/$n" c "${mm%%:*}" "${mm#*:}"; done
mkdir -p "$N/dev/pts" "$N/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$N/dev/pts"
ln -s pts/ptmx "$N/dev/ptmx"; ln -s /proc/self/fd "$N/dev/fd"
ln -s /proc/self/fd/0 "$N/dev/stdin"; ln -s /proc/self/fd/1 "$N/dev/stdout"; ln -s /proc/self/fd/2 "$N/dev/stderr"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$N/dev/shm"
touch "$STATE/console.log" "$N/dev/console"; mount --bind "$STATE/console.log" "$N/dev/console"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$N/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$N/tmp"
mkdir -p "$N/sdns-share"; mount --bind "$STATE/share" "$N/sdns-share"
mkdir -p "$N/etc/systemd/system"; cp -r "$STATE/units/." "$N/etc/systemd/system/"
for u in systemd-timesyncd.service systemd-pstore.service systemd-modules-load.service \
         systemd-sysctl.service systemd-binfmt.service systemd-random-seed.service \
         proc-sys-fs-binfmt_misc.automount systemd-firstboot.service systemd-repart.service \
         getty.target console-getty.service; do
  [ -e "$N/etc/systemd/system/$u" ] || ln -s /dev/null "$N/etc/systemd/system/$u"; done
cd "$N"; mkdir -p .oldroot; pivot_root . .oldroot; umount -l /.oldroot; rmdir /.oldroot; cd /
exec setpriv --bounding-set -sys_module,-sys_rawio,-sys_time,-sys_boot,-sys_pacct,-mac_admin,-mac_override,-syslog,-wake_alarm,-block_suspend,-bpf,-perfmon,-checkpoint_restore,-audit_read \
     env -i container=other PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
     /lib/systemd/systemd --unit=sdns.target
EOF
    chmod +x "$STATE/inner.sh"
    mkdir "$CG"; echo "$CG" > "$STATE/cgroup"
    t0=$(date +%s%N)
    SDNS_RO_BINDS=${SDNS_RO_BINDS:-} setsid sh -c "echo \$\$ > '$CG/cgroup.procs' && exec unshare --pid --fork --kill-child --mount --propagation private --uts --ipc --net --cgroup -- '$STATE/inner.sh' '$STATE'" \
        </dev/null >"$STATE/outer.log" 2>&1 &
    echo $! > "$STATE/unshare.pid"
    for _ in $(seq 200); do pid1 >/dev/null && break; sleep 0.01; done
    echo $! > "$HOSTCG/cgroup.procs"          # unshare itself leaves the container's cgroup
    for _ in $(seq 600); do
        s=$(inside systemctl is-system-running 2>/dev/null || true)
        case "$s" in running|degraded) break;; esac
        kill -0 "$(cat "$STATE/unshare.pid")" 2>/dev/null || { cat "$STATE/outer.log" >&2; die "container died during boot"; }
        sleep 0.05
    done
    echo "sd-ns: systemd PID1=$(pid1) state=$s boot=$(( ($(date +%s%N) - t0) / 1000000 ))ms"
    [ "$s" = running ] || [ "$s" = degraded ] || die "boot did not finish (state=$s)"
    ;;
exec)
    inside "$@"
    ;;
down)
    u=$(cat "$STATE/unshare.pid" 2>/dev/null || true)
    if p=$(pid1); then
        inside journalctl -b --no-pager -o short-precise > "$STATE/journal.txt" 2>&1 || true
        kill -s RTMIN+4 "$p"                      # SIGRTMIN+4 = poweroff (what nspawn sends)
        for _ in $(seq 300); do kill -0 "$u" 2>/dev/null || break; sleep 0.05; done
    fi
    if [ -n "$u" ] && kill -0 "$u" 2>/dev/null; then
        echo "sd-ns: graceful poweroff timed out, SIGKILL" >&2
        kill -KILL "$u"; for _ in $(seq 100); do kill -0 "$u" 2>/dev/null || break; sleep 0.05; done
    fi
    if [ -f "$STATE/cgroup" ]; then
        CG=$(cat "$STATE/cgroup")
        for _ in $(seq 50); do
            [ -d "$CG" ] || break
            find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
        done
        [ -d "$CG" ] && echo "sd-ns: could not remove $CG" >&2
        rm -f "$STATE/cgroup"
    fi
    rm -f "$STATE/unshare.pid"
    ;;
*) die "unknown command $cmd" ;;
esac
