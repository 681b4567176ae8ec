#!/usr/bin/env python3
"""The kill -9 loop: under a 32-client write load, kill creditd at random points and check that
every acknowledged write survived, nothing unacknowledged is half-applied, and verify is clean.

    scripts/crash-test.py --creditd .build/release/creditd --kills 20

Each worker owns one client and alternates credit.issue (+3) and booking.create (-1), one request in
flight at a time. A reply means the write is on disk (synchronous=FULL), so after every restart a
client's balance must be at least what its acknowledged writes add up to, and at most that plus the
one request that was in flight when the daemon died. daemon.verify must find no violation.
Prints `N passed, N failed` and exits non-zero on any failure.
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, threading, time

def rpc(sock_file, method, params, rid):
    sock_file.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n")
    sock_file.flush()
    line = sock_file.readline()
    if not line:
        raise ConnectionError("closed")
    return json.loads(line)

class Daemon:
    def __init__(self, binary, workdir):
        self.binary, self.workdir, self.proc = binary, workdir, None
        self.sock = os.path.join(workdir, "creditd.sock")

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)  # stale after kill -9; creditd itself also replaces a dead socket
        self.proc = subprocess.Popen([self.binary, "--config", os.path.join(self.workdir, "creditd.toml")],
                                     stderr=open(os.path.join(self.workdir, "creditd.log"), "a"))
        for _ in range(300):
            if os.path.exists(self.sock):
                try:
                    s = socket.socket(socket.AF_UNIX); s.connect(self.sock); s.close(); return
                except OSError:
                    pass
            time.sleep(0.02)
        raise RuntimeError("creditd did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL); self.proc.wait()

    def connect(self):
        s = socket.socket(socket.AF_UNIX); s.connect(self.sock)
        return s, s.makefile("rw")

class Worker(threading.Thread):
    def __init__(self, daemon, client, stop):
        super().__init__(daemon=True)
        self.d, self.client, self.stop = daemon, client, stop
        self.acked, self.inflight, self.seq = 0, 0, 0
        self.bookings = []

    def run(self):
        try:
            s, f = self.d.connect()
        except OSError:
            return
        while not self.stop.is_set():
            self.seq += 1
            if self.seq % 2:
                method, params, delta = "credit.issue", {"client": self.client, "session_type": "yoga", "credits": 3}, 3
            else:
                method, params, delta = "booking.create", {"id": f"{self.client}-b{self.seq}-{random.random()}", "client": self.client,
                    "session_type": "yoga", "starts_at": "2030-01-01T10:00:00Z"}, -1
            params["idempotency_key"] = f"{self.client}-{self.seq}-{random.random()}"
            self.inflight = delta
            try:
                reply = rpc(f, method, params, self.seq)
            except (OSError, ConnectionError, ValueError):
                return  # the daemon died with this request in flight
            self.inflight = 0
            if "result" in reply:
                self.acked += delta
                if method == "booking.create":
                    self.bookings.append(params["id"])
            elif reply["error"]["data"]["reason"] != "insufficient_credits":
                raise RuntimeError(f"unexpected error {reply}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--creditd", default=".build/release/creditd")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    random.seed(args.seed)
    print(f"crash test: seed {args.seed}, {args.kills} kills, {args.clients} writers")
    work = tempfile.mkdtemp(prefix="creditd-crash-")
    user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
    with open(os.path.join(work, "creditd.toml"), "w") as c:
        c.write(f'[studio]\ntime_zone = "UTC"\ncurrency = "EUR"\n[daemon]\nsocket = "{work}/creditd.sock"\n'
                f'database = "{work}/ledger.sqlite"\n[access]\nowner = ["{user}"]\n')
    d = Daemon(os.path.abspath(args.creditd), work)
    d.start()
    s, f = d.connect()
    rpc(f, "session_type.create", {"id": "yoga", "name": "Yoga"}, 1)
    clients = [f"c{i}" for i in range(args.clients)]
    for i, c in enumerate(clients):
        rpc(f, "client.create", {"id": c, "name": c}, 2 + i)
    s.close()
    expected = {c: 0 for c in clients}
    passed = failed = 0
    for k in range(args.kills):
        stop = threading.Event()
        workers = [Worker(d, c, stop) for c in clients]
        for w in workers: w.start()
        time.sleep(random.uniform(0.05, 0.6))
        d.kill()
        stop.set()
        for w in workers: w.join(5)
        d.start()
        s, f = d.connect()
        ok = True
        verify = rpc(f, "daemon.verify", {}, 1)["result"]
        if not verify["ok"]:
            ok = False; print(f"kill {k}: verify found {verify['violations'][:3]}")
        for i, w in enumerate(workers):
            low = expected[w.client] + w.acked
            high = low + max(w.inflight, 0)
            low += min(w.inflight, 0)
            bal = rpc(f, "balance.get", {"client": w.client}, 10 + i)["result"]["total"]
            if not (low <= bal <= high):
                ok = False; print(f"kill {k}: {w.client} balance {bal} outside [{low}, {high}]")
            expected[w.client] = bal
            for rid, booking in enumerate(w.bookings):
                if "result" not in rpc(f, "booking.get", {"id": booking}, 1000 + rid):
                    ok = False; print(f"kill {k}: acknowledged booking {booking} is missing")
        s.close()
        acked = sum(w.acked != 0 for w in workers)
        print(f"kill {k + 1}: {'ok' if ok else 'FAILED'} ({sum(abs(w.acked) for w in workers)} credits acknowledged by {acked} writers)")
        passed, failed = passed + ok, failed + (not ok)
    d.kill()
    shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
