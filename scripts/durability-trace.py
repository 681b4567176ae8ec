#!/usr/bin/env python3
"""Proves on the real daemon that a reply leaves only after the fdatasync that makes its write durable.

    scripts/durability-trace.py --creditd .build/debug/creditd [--writes 400] [--writers 8]

The kill -9 loop (crash-test.py) keeps the kernel's page cache, so it cannot see a missing or
late sync. This runs creditd under `strace -f` on a fresh directory, drives durable writes
(booking.create `dur-NNNNNN`) from several connections while another connection polls booking.get
for the bookings in flight and history.list of their clients, and a third is subscribed to every
event; then it reads the syscall trace (scripts/lib/durability_check.py). For every acknowledged
booking X:

- t_w: the first write to the WAL whose bytes contain X (the page holding the new row);
- t_s: the completion of the first fdatasync/fsync of the WAL that started after that write ended;
- every socket write that carries X (the writer's reply, a booking.get or history.list result
  naming X, an events.event about X) must start at or after t_s.

Every acknowledged X must be found in the trace (WAL write, sync and reply), and each kind of read
must have named some booking, so the check cannot pass by seeing nothing. Before the real run a
self-test feeds the checker synthetic traces (a reply before its sync, or while it runs, each kind
of read before the sync, a write never synced, a reply missing) and requires it to report each;
after it, the real trace with every sync made 1 s late must fail for every write. Prints
`durability: N acknowledged writes, every reply after its fdatasync` and exits non-zero on any
violation.

Not covered: whether the disk honours the flush (a power cut of the device's cache); that is
SQLite's synchronous=FULL plus the device's FLUSH, which a syscall trace cannot see.
"""
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from durability_check import READ_KINDS, Trace, check, parse_calls, self_test  # noqa: E402

# ---------------------------------------------------------------- driving the daemon

class Connection:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")

    def send(self, rid, method, params):
        self.sock.sendall(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode() + b"\n")

    def receive(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("creditd closed the connection")
        return json.loads(line)

    def call(self, method, params):
        self.send("setup", method, params)
        reply = self.receive()
        if "result" not in reply:
            raise RuntimeError(f"{method} failed: {reply}")
        return reply["result"]


def drive(path, writes, writers, window):
    """booking.create from `writers` connections (`window` in flight each), while one connection
    polls booking.get for the ids in flight and history.list of the writers' clients, and another
    is subscribed to every event. Returns the acknowledged booking ids."""
    setup = Connection(path)
    setup.call("session_type.create", {"id": "yoga", "name": "Yoga"})
    for w in range(writers):
        setup.call("client.create", {"id": f"c{w}", "name": f"Client {w}"})
        setup.call("credit.issue", {"client": f"c{w}", "session_type": "yoga", "credits": writes})
    subscriber = Connection(path)
    subscriber.call("events.subscribe", {})
    in_flight, acknowledged, lock, done = set(), set(), threading.Lock(), threading.Event()
    errors, events = [], [0]

    def writer(w):
        try:
            conn, ids = Connection(path), [f"dur-{n:06d}" for n in range(w, writes, writers)]
            sent = 0
            for received in range(len(ids)):
                while sent < len(ids) and sent - received < window:
                    with lock:
                        in_flight.add(ids[sent])
                    conn.send(f"w:{ids[sent]}", "booking.create", {"id": ids[sent], "client": f"c{w}",
                              "session_type": "yoga", "starts_at": "2030-01-01T10:00:00Z"})
                    sent += 1
                reply = conn.receive()
                booking = reply["id"][2:]
                if "result" not in reply:
                    raise RuntimeError(f"booking.create {booking} failed: {reply}")
                with lock:
                    in_flight.discard(booking)
                    acknowledged.add(booking)
        except Exception as error:  # reported by the caller
            errors.append(f"writer {w}: {error!r}")

    def reader():
        conn, number = Connection(path), 0
        while not done.is_set():
            with lock:
                ids = sorted(in_flight)[:16]
            for booking in ids:
                number += 1
                conn.send(f"get:{number}", "booking.get", {"id": booking})
            number += 1
            conn.send(f"history:{number}", "history.list", {"client": f"c{number % writers}", "limit": 4})
            for _ in range(len(ids) + 1):
                conn.receive()

    def listener():
        while events[0] < writes:
            message = subscriber.receive()
            events[0] += str(message.get("params", {}).get("booking", "")).startswith("dur-")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    poller = threading.Thread(target=reader, daemon=True)
    subscription = threading.Thread(target=listener, daemon=True)
    poller.start()
    subscription.start()
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    done.set()
    poller.join(30)
    subscription.join(30)  # every booking's event pushed, so the trace holds them
    if errors:
        raise RuntimeError("; ".join(errors))
    return acknowledged


def run_daemon(binary, work, writes, writers, window):
    user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
    sock, trace_file = os.path.join(work, "creditd.sock"), os.path.join(work, "strace.txt")
    with open(os.path.join(work, "creditd.toml"), "w") as config:
        config.write(f'[studio]\ntime_zone = "UTC"\ncurrency = "EUR"\n[daemon]\nsocket = "{sock}"\n'
                     f'database = "{work}/ledger.sqlite"\n[access]\nowner = ["{user}"]\n')
    # -xx: every byte of every buffer in hex; -s: whole buffers (WAL writes go in pieces of 124 KiB);
    # --seccomp-bpf: the syscalls not listed never stop the daemon.
    command = ["strace", "-f", "-ttt", "-T", "-xx", "-s", "262144", "--seccomp-bpf", "-o", trace_file,
               "-e", "trace=openat,open,close,accept,accept4,dup,dup2,dup3,"
                     "write,pwrite64,writev,pwritev,pwritev2,sendmsg,sendto,fdatasync,fsync",
               binary, "--config", os.path.join(work, "creditd.toml")]
    log = open(os.path.join(work, "creditd.log"), "w")
    tracer = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                probe = socket.socket(socket.AF_UNIX); probe.connect(sock); probe.close(); break
            except OSError:
                if tracer.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"creditd did not start under strace; see {work}/creditd.log")
                time.sleep(0.05)
        acknowledged = drive(sock, writes, writers, window)
    finally:
        # SIGTERM to strace would detach and leave creditd running: stop creditd, strace then exits.
        with open(f"/proc/{tracer.pid}/task/{tracer.pid}/children") as children:
            for pid in children.read().split():
                os.kill(int(pid), signal.SIGTERM)
        tracer.wait(30)
    with open(trace_file) as lines:
        return acknowledged, Trace(parse_calls(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--creditd", default=".build/debug/creditd")
    ap.add_argument("--writes", type=int, default=400)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--window", type=int, default=4, help="requests in flight per writer connection")
    ap.add_argument("--dir", default="/var/tmp" if os.path.isdir("/var/tmp") else None,
                    help="parent of the temporary database directory (a disk, not tmpfs)")
    ap.add_argument("--self-test-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the directory with the trace")
    args = ap.parse_args()
    failures = self_test()
    for failure in failures:
        print(failure)
    if failures:
        sys.exit(1)
    print("durability self-test: the checker reports a reply or a read before its sync, and an unsynced write")
    if args.self_test_only:
        return
    if shutil.which("strace") is None:
        sys.exit("durability: strace is not installed (scripts/deps.sh installs it)")
    work = tempfile.mkdtemp(prefix="creditd-durability-", dir=args.dir)
    began = time.monotonic()
    acknowledged, trace = run_daemon(os.path.abspath(args.creditd), work, args.writes, args.writers, args.window)
    violations, counts = check(trace, acknowledged)
    # The same trace with every WAL sync finishing 1 s later must fail for every write: the check
    # really compares these replies with these syncs.
    late = Trace([])
    late.wal_writes, late.socket_lines = trace.wal_writes, trace.socket_lines
    late.wal_syncs = [(start, end + 1_000_000) for start, end in trace.wal_syncs]
    caught = len(check(late, acknowledged)[0])
    if caught < len(acknowledged):
        violations.append(f"with every sync made 1 s late the check reported only {caught} of {len(acknowledged)} writes")
    for violation in violations[:20]:
        print(violation)
    seen = ", ".join(f"{kind} {counts['seen'][kind]} ({counts['seen_before_reply'][kind]} before the writer's reply)"
                     for kind in READ_KINDS)
    print(f"traced {counts['wal_writes']} WAL writes and {counts['syncs']} WAL syncs in {time.monotonic() - began:.1f} s; "
          f"bookings seen by readers: {seen}")
    print(f"reply after its sync completed: at least {counts['min_gap_us']} us, median {counts['median_gap_us']} us; "
          f"with the syncs made 1 s late the same trace gives {caught} violations")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if len(acknowledged) != args.writes:
        violations.append(f"only {len(acknowledged)} of {args.writes} writes acknowledged")
    for kind in READ_KINDS:
        if counts["seen"][kind] == 0:
            violations.append(f"no {kind} named a booking: that read check saw nothing")
    if violations:
        print(f"durability: FAILED, {len(violations)} violations in {len(acknowledged)} acknowledged writes")
        sys.exit(1)
    print(f"durability: {len(acknowledged)} acknowledged writes, every reply after its fdatasync")


if __name__ == "__main__":
    main()
