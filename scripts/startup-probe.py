#!/usr/bin/env python3
"""Start-up time to READY and idle memory of creditd (issue 6), python3 stdlib only.

    scripts/startup-probe.py [--idle 2] [--keep PIDFILE] -- .build/release/creditd --config ... --database ...

Binds a NOTIFY_SOCKET (a Unix datagram socket, as systemd does for Type=notify), starts the daemon with
it in the environment and measures from just before exec to the READY=1 datagram. Then it waits
`--idle` seconds and reads VmRSS/VmHWM from /proc/PID/status. Prints one JSON object. The daemon is
stopped with SIGTERM, unless --keep names a file to write its pid to (it is left running).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep")
    parser.add_argument("--log", default=os.devnull)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the daemon's command after --")

    directory = tempfile.mkdtemp(prefix="creditd-notify-")
    path = os.path.join(directory, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(0.05)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("LISTEN_FDS", None)
    env.pop("LISTEN_PID", None)

    log = open(args.log, "ab")
    started = time.monotonic()
    daemon = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    ready_ms = None
    messages = []
    while time.monotonic() - started < args.timeout:
        try:
            data = listener.recv(4096).decode(errors="replace")
        except socket.timeout:
            if daemon.poll() is not None:
                break
            continue
        messages.append(data)
        if "READY=1" in data.split("\n"):
            ready_ms = (time.monotonic() - started) * 1000
            break
    result = {"ready_ms": round(ready_ms, 1) if ready_ms is not None else None, "pid": daemon.pid,
              "notifications": messages}
    if ready_ms is None:
        result["exit_code"] = daemon.poll()
        print(json.dumps(result))
        if daemon.poll() is None:
            daemon.terminate()
        sys.exit(1)
    time.sleep(args.idle)
    result["idle_s"] = args.idle
    result["vm_rss_kib"] = status_kib(daemon.pid, "VmRSS")
    result["vm_hwm_kib"] = status_kib(daemon.pid, "VmHWM")
    result["rss_anon_kib"] = status_kib(daemon.pid, "RssAnon")
    result["rss_file_kib"] = status_kib(daemon.pid, "RssFile")
    result["threads"] = len(os.listdir(f"/proc/{daemon.pid}/task"))
    if args.keep:
        with open(args.keep, "w") as f:
            f.write(f"{daemon.pid}\n")
    else:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
    listener.close()
    os.unlink(path)
    os.rmdir(directory)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
