"""The durability check of scripts/durability-trace.py: reads an `strace -f -ttt -T -xx` trace of
creditd and checks that every acknowledged booking's reply, and every read result or pushed event
naming it, leaves after the fdatasync of the WAL covering the write that holds it. The self-test
feeds it synthetic traces, good and bad, so the check is known to fail when it should."""
import bisect, json, re

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
            resumed_at = int(seconds) * 1_000_000 + int(micros.ljust(6, "0")[:6])
        name, _, args = text.partition("(")
        result = RETURN.search(args)
        duration = DURATION.search(args)
        duration_us = int(duration.group(1)) * 1_000_000 + int(duration.group(2).ljust(6, "0")[:6]) if duration else 0
        call = Call(tid, name, stamp, args, int(result.group(1)) if result else None, duration_us)
        if resumed:  # strace prints the exit before it lets the thread go on: a safe, later end
            call.end = max(call.end, resumed_at)
        calls.append(call)
    calls.sort(key=lambda call: call.start)
    return calls


class Trace:
    """What the checker needs from a trace: WAL writes and syncs, and the lines written to each client.

    A write or sync goes to what the latest call creating its descriptor number (openat, accept4,
    dup) made, by the creating call's return. Closes are not used: threads reuse numbers, and a
    close(24) by one thread and an accept4 returning 24 on another can be stamped a few
    microseconds out of order, while a write on a descriptor comes well after it was made."""
    def __init__(self, calls):
        self.wal_writes = []     # (start, end, bytes)
        self.wal_syncs = []      # (start, end)
        self.socket_lines = []   # (start of the call carrying the line's first byte, line bytes)
        made = {}                # fd -> sorted [(end of the creating call, "wal" | "socket" | "file")]
        for call in sorted(calls, key=lambda call: call.end):
            if call.result is None or call.result < 0:
                continue
            if call.name in ("openat", "open"):
                kind = "wal" if self._path(call).endswith(b"-wal") else "file"
            elif call.name in ("accept", "accept4"):
                kind = "socket"
            elif call.name in ("dup", "dup2", "dup3"):
                kind = self._made(made, call.first_fd(), call.start)[1]
            else:
                continue
            made.setdefault(call.result, []).append((call.end, kind))
        streams = {}             # (fd, its creation) -> [pending bytes, start of the line]
        for call in calls:
            creation = self._made(made, call.first_fd(), call.start)
            if creation[1] == "wal" and call.name in WRITES:
                self.wal_writes.append((call.start, call.end, call.data()))
            elif creation[1] == "wal" and call.name in SYNCS and call.result == 0:
                self.wal_syncs.append((call.start, call.end))
            elif creation[1] == "socket" and call.name in SOCKET_WRITES:
                self._stream(streams.setdefault((call.first_fd(), creation), [b"", None]), call)

    @staticmethod
    def _made(made, fd, at):
        """The creation of descriptor `fd` in effect at time `at`: (its end, its kind)."""
        history = made.get(fd, [])
        index = bisect.bisect_right(history, (at, "~")) - 1
        return history[index] if index >= 0 else (None, None)

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


def _synthetic(reply_at, read_at=None, read_kind="booking.get", sync=True, reused_fd=False):
    """An strace -f -ttt -T -xx trace: WAL opened as fd 13, a client accepted as fd 18, one commit
    of booking dur-000001 written at 1.000100, synced 1.000200-1.010200, the reply at `reply_at`."""
    page = b"\x00" * 40 + b"\x0d\x00dur-000001yoga" + b"\x00" * 20
    reply = json.dumps({"jsonrpc": "2.0", "id": "w:dur-000001", "result": {"id": "dur-000001"}}).encode() + b"\n"
    lines = [f'7 1.000000 openat(AT_FDCWD, "{_hex(b"/tmp/x/ledger.sqlite-wal")}", O_RDWR|O_CREAT) = 13 <0.000010>',
             f'5 1.000010 accept4(9, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 18 <0.000005>'
             if not reused_fd else  # as seen: the close's computed end falls after the accept4's
             f'5 1.000010 accept4(9, NULL, NULL, SOCK_NONBLOCK <unfinished ...>\n'
             f'8 1.000011 openat(AT_FDCWD, "{_hex(b"/etc/passwd")}", O_RDONLY|O_CLOEXEC) = 18 <0.000001>\n'
             f'8 1.000030 close(18) = 0 <0.000026>\n'
             f'5 1.000060 <... accept4 resumed>) = 18 <0.000040>',
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
    lines = [part for line in lines for part in line.split("\n")]
    return sorted(lines, key=lambda line: float(line.split()[1]))


def self_test():
    """The checker must pass a good trace and report each kind of violation in a bad one."""
    cases = [("reply after its sync", _synthetic(1.010300), True),
             ("reply on a number another thread just closed", _synthetic(1.010300, reused_fd=True), True),
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
