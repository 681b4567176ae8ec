#!/usr/bin/env python3
"""Proves on the real daemon that a reply leaves only after the fdatasync that makes its write durable.

    scripts/durability-trace.py --creditd .build/debug/creditd [--writes 400] [--writers 8]

The kill -9 loop (crash-test.py) keeps the kernel's page cache, so it cannot see a missing or
late sync. This runs creditd under `strace -f` on a fresh directory, drives durable writes
(booking.create `dur-NNNNNN`) from several connections while another connection polls booking.get
for the bookings in flight, and then reads the syscall trace. For every acknowledged booking X:

- t_w: the first write to the WAL whose bytes contain X (the page holding the new row);
- t_s: the completion of the first fdatasync/fsync of the WAL that started after that write ended;
- every socket write that carries a result for X (the writer's reply, and any booking.get reply
  that found X) must start at or after t_s.

Every acknowledged X must be found in the trace (WAL write, sync and reply), so the check cannot
pass by seeing nothing. Before the real run a self-test feeds the checker synthetic traces with a
reply before its sync, a reader before the sync and a write that is never synced, and requires it
to report each. Prints `durability: N acknowledged writes, every reply after its fdatasync` and
exits non-zero on any violation.

Not covered: whether the disk honours the flush (a power cut of the device's cache); that is
SQLite's synchronous=FULL plus the device's FLUSH, which a syscall trace cannot see.
"""
import argparse, bisect, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

BOOKING_ID = re.compile(rb"dur-\d{6}")
LINE = re.compile(r"^(\d+)\s+(\d+)\.(\d+)\s+(.*)$")
DURATION = re.compile(r"<(\d+)\.(\d+)>$")
RETURN = re.compile(r"\)\s+=\s+(-?\d+)")
STRING = re.compile(r'"((?:\\x[0-9a-f]{2})*)"(\.\.\.)?')
WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2", "sendmsg", "sendto"}
SYNCS = {"fdatasync", "fsync"}
SOCKET_WRITES = {"write", "writev", "sendmsg", "sendto"}


# ---------------------------------------------------------------- trace parsing

class Call:
    """One completed syscall: name, thread, start and end in microseconds, text of its arguments."""
    def __init__(self, tid, name, start_us, args, result, duration_us):
        self.tid, self.name, self.start, self.args, self.result = tid, name, start_us, args, result
        self.end = start_us + duration_us

    def first_fd(self):
        match = re.match(r"\s*(\d+)", self.args)
        return int(match.group(1)) if match else None

    def data(self):
        """The bytes the call passed (every string argument in order), cut to what it wrote."""
        chunks = []
        for match in STRING.finditer(self.args):
            if match.group(2):
                raise ValueError(f"strace cut a buffer short (raise -s): {self.name} at {self.start}")
            chunks.append(bytes.fromhex(match.group(1).replace("\\x", "")))
        blob = b"".join(chunks)
        return blob[:self.result] if self.result is not None and self.result >= 0 else b""


def parse_calls(lines):
    """Joins `<unfinished ...>` / `<... resumed>` halves (strace -f) into whole calls, in completion order."""
    pending, calls = {}, []
    for raw in lines:
        match = LINE.match(raw.rstrip("\n"))
        if not match:
            continue
        tid, seconds, micros, text = match.groups()
        stamp = int(seconds) * 1_000_000 + int(micros.ljust(6, "0")[:6])
        if text.startswith("+++") or text.startswith("---"):
            continue
        if text.endswith("<unfinished ...>"):
            name, _, args = text.partition("(")
            pending[tid] = (name, stamp, args[: -len("<unfinished ...>")].rstrip())
            continue
        resumed = re.match(r"<\.\.\. (\w+) resumed>(.*)$", text)
        if resumed:
            if tid not in pending:
                continue
            name, stamp, head = pending.pop(tid)
            text = f"{name}({head}{resumed.group(2)}"
        name, _, args = text.partition("(")
        result = RETURN.search(args)
        duration = DURATION.search(args)
        duration_us = int(duration.group(1)) * 1_000_000 + int(duration.group(2).ljust(6, "0")[:6]) if duration else 0
        calls.append(Call(tid, name, stamp, args, int(result.group(1)) if result else None, duration_us))
    # In completion order: a descriptor exists once the call creating it has returned, and threads
    # reuse numbers (another thread's openat and close of 28 can overlap an accept4 returning 28).
    calls.sort(key=lambda call: call.end)
    return calls


class Trace:
    """What the checker needs from a trace: WAL writes and syncs, and the lines written to each client."""
    def __init__(self, calls):
        self.wal_writes = []     # (start, end, bytes)
        self.wal_syncs = []      # (start, end)
        self.socket_lines = []   # (start of the call carrying the line's first byte, line bytes)
        files, streams = {}, {}  # fd -> "wal" | "socket" | other;  fd -> [pending bytes, start]
        for call in calls:
            fd = call.first_fd()
            if call.name in ("openat", "open") and call.result is not None and call.result >= 0:
                path = self._path(call)
                files[call.result] = "wal" if path.endswith(b"-wal") else "file"
            elif call.name in ("accept", "accept4") and call.result is not None and call.result >= 0:
                files[call.result] = "socket"
                streams[call.result] = [b"", None]
            elif call.name in ("dup", "dup2", "dup3") and call.result is not None and call.result >= 0:
                files[call.result] = files.get(fd, "other")
            elif call.name == "close":
                files.pop(fd, None)
                streams.pop(fd, None)
            elif call.name in WRITES and files.get(fd) == "wal":
                self.wal_writes.append((call.start, call.end, call.data()))
            elif call.name in SYNCS and files.get(fd) == "wal" and call.result == 0:
                self.wal_syncs.append((call.start, call.end))
            elif call.name in SOCKET_WRITES and files.get(fd) == "socket":
                self._stream(streams[fd], call)

    @staticmethod
    def _path(call):
        match = STRING.search(call.args)
        return bytes.fromhex(match.group(1).replace("\\x", "")) if match else b""

    def _stream(self, stream, call):
        data = call.data()
        while data:
            if stream[1] is None:
                stream[1] = call.start  # the line's first byte leaves with this call
            line, newline, data = data.partition(b"\n")
            stream[0] += line
            if newline:
                self.socket_lines.append((stream[1], stream[0]))
                stream[0], stream[1] = b"", None


# ---------------------------------------------------------------- the check

READ_KINDS = ("booking.get", "history.list", "events.event")


def read_kind(message):
    """"reply" for a booking.create result (request id `w:...`), a READ_KINDS name for a read
    result (ids `get:...`, `history:...`) or a pushed event, None for anything else (errors too)."""
    if message.get("method") == "events.event":
        return "events.event"
    if not isinstance(message.get("result"), dict):
        return None
    prefix = str(message.get("id", "")).partition(":")[0]
    if prefix == "w":
        return "reply" if str(message["result"].get("id", "")).startswith("dur-") else None
    return {"get": "booking.get", "history": "history.list"}.get(prefix)


def check(trace, acknowledged):
    """Returns (violations, counts). `acknowledged`: the booking ids whose create the clients saw succeed."""
    first_wal = {}
    for start, end, data in sorted(trace.wal_writes, key=lambda write: write[0]):
        for match in BOOKING_ID.finditer(data):
            first_wal.setdefault(match.group().decode(), (start, end))
    syncs = sorted(trace.wal_syncs)
    sync_starts = [start for start, _ in syncs]
    durable_at = {}
    for booking, (_, written_end) in first_wal.items():
        index = bisect.bisect_left(sync_starts, written_end)
        if index < len(syncs):
            durable_at[booking] = syncs[index][1]
    replies, reads = {}, []
    for start, line in trace.socket_lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        kind = read_kind(message)
        if kind == "reply":
            replies.setdefault(message["result"]["id"], start)
        elif kind:  # every booking a read result or an event names must be durable when it leaves
            reads += [(kind, match.group().decode(), start) for match in BOOKING_ID.finditer(line)]
    violations = []
    for booking in sorted(acknowledged):
        if booking not in first_wal:
            violations.append(f"{booking}: acknowledged, but no WAL write carries it")
        elif booking not in durable_at:
            violations.append(f"{booking}: written to the WAL at {first_wal[booking][0]} us, never synced after")
        elif booking not in replies:
            violations.append(f"{booking}: acknowledged, but no reply carrying it in the trace")
        elif replies[booking] < durable_at[booking]:
            violations.append(f"{booking}: reply sent at {replies[booking]} us, "
                              f"{durable_at[booking] - replies[booking]} us before its fdatasync completed")
    seen = {kind: 0 for kind in READ_KINDS}
    before_reply = dict(seen)
    for kind, booking, start in reads:
        seen[kind] += 1
        if booking not in durable_at or start < durable_at[booking]:
            violations.append(f"{booking}: {kind} sent it at {start} us, before it was durable"
                              f" ({durable_at.get(booking, 'never')})")
        elif booking in replies and start < replies[booking]:
            before_reply[kind] += 1
    gaps = sorted(replies[b] - durable_at[b] for b in acknowledged if b in replies and b in durable_at)
    counts = {"acknowledged": len(acknowledged), "seen": seen, "seen_before_reply": before_reply,
              "syncs": len(trace.wal_syncs), "wal_writes": len(trace.wal_writes),
              "min_gap_us": gaps[0] if gaps else None, "median_gap_us": gaps[len(gaps) // 2] if gaps else None}
    return violations, counts


# ---------------------------------------------------------------- self-test on synthetic traces

def _hex(data):
    return "".join(f"\\x{byte:02x}" for byte in data)


def _synthetic(reply_at, read_at=None, read_kind="booking.get", sync=True):
    """An strace -f -ttt -T -xx trace: WAL opened as fd 13, a client accepted as fd 18, one commit
    of booking dur-000001 written at 1.000100, synced 1.000200-1.010200, the reply at `reply_at`."""
    page = b"\x00" * 40 + b"\x0d\x00dur-000001yoga" + b"\x00" * 20
    reply = json.dumps({"jsonrpc": "2.0", "id": "w:dur-000001", "result": {"id": "dur-000001"}}).encode() + b"\n"
    lines = [f'7 1.000000 openat(AT_FDCWD, "{_hex(b"/tmp/x/ledger.sqlite-wal")}", O_RDWR|O_CREAT) = 13 <0.000010>',
             f'5 1.000010 accept4(9, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 18 <0.000005>',
             f'7 1.000100 pwrite64(13, "{_hex(page)}", {len(page)}, 32) = {len(page)} <0.000020>']
    if sync:
        lines += ['7 1.000200 fdatasync(13 <unfinished ...>', '7 1.010200 <... fdatasync resumed>) = 0 <0.010000>']
    half = len(reply) // 2  # the reply in two writes: its first byte decides
    lines += [f'5 {reply_at:.6f} writev(18, [{{iov_base="{_hex(reply[:half])}", iov_len={half}}}], 1) = {half} <0.000004>',
              f'5 {reply_at + 0.02:.6f} write(18, "{_hex(reply[half:])}", {len(reply) - half}) = {len(reply) - half} <0.000004>']
    if read_at is not None:  # a read on another connection: each kind the real run makes
        lines.append('6 1.000020 accept4(9, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 19 <0.000005>')
        found = {"booking.get": {"id": "get:1", "result": {"id": "dur-000001"}},
                 "history.list": {"id": "history:2", "result": {"items": [{"booking": "dur-000001"}]}},
                 "events.event": {"method": "events.event", "params": {"booking": "dur-000001"}}}[read_kind]
        line = json.dumps({"jsonrpc": "2.0", **found}).encode() + b"\n"
        lines.append(f'6 {read_at:.6f} write(19, "{_hex(line)}", {len(line)}) = {len(line)} <0.000004>')
    return sorted(lines, key=lambda line: float(line.split()[1]))


def self_test():
    """The checker must pass a good trace and report each kind of violation in a bad one."""
    cases = [("reply after its sync", _synthetic(1.010300), True),
             ("reader after the sync", _synthetic(1.010300, read_at=1.010250), True),
             ("reply before its sync", _synthetic(1.005000), False),
             ("reply while the sync runs", _synthetic(1.010199), False),
             ("booking.get before the sync", _synthetic(1.010300, read_at=1.009000), False),
             ("history.list before the sync", _synthetic(1.010300, 1.009000, "history.list"), False),
             ("events.event before the sync", _synthetic(1.010300, 1.009000, "events.event"), False),
             ("events.event after the sync", _synthetic(1.010300, 1.010201, "events.event"), True),
             ("write never synced", _synthetic(1.010300, sync=False), False),
             ("reply missing from the trace", [line for line in _synthetic(1.010300) if "(18," not in line], False)]
    failures = []
    for name, lines, should_pass in cases:
        violations, _ = check(Trace(parse_calls(lines)), {"dur-000001"})
        if (not violations) != should_pass:
            failures.append(f"self-test '{name}': expected {'no' if should_pass else 'a'} violation, got {violations}")
    return failures


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
