#!/usr/bin/env python3
"""Runs a real creditd on a test clock and prints a `->` / `<-` transcript for every method.

Usage: scripts/protocol-transcripts.py [CREDITD_BINARY] [--fill TEMPLATE]
       (default binary .build/debug/creditd)

Without --fill it prints the transcripts. With --fill it prints TEMPLATE with every
`@@method@@` replaced by that method's exchanges, `@@section:NAME@@` by a whole section's, and
`@@errors@@` / `@@batch@@` by those sections. docs/PROTOCOL.md is made so:

    scripts/protocol-transcripts.py .build/debug/creditd --fill docs/PROTOCOL.md.in >docs/PROTOCOL.md

The conversation runs as the invoking user (made owner by a throw-away config) on a fresh
temporary directory, with the studio in UTC and the clock at 2026-01-05T09:00:00Z.
"""
import json
import os
import re
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

args = sys.argv[1:]
template = None
if "--fill" in args:
    template = args[args.index("--fill") + 1]
    del args[args.index("--fill"):args.index("--fill") + 2]
binary = args[0] if args else ".build/debug/creditd"
lines_out = []
work = tempfile.mkdtemp(prefix="creditd-transcripts-")
user = pwd.getpwuid(os.getuid()).pw_name
with open(f"{work}/creditd.toml", "w") as config:
    config.write(f'[studio]\ntime_zone = "UTC"\ncurrency = "EUR"\n[access]\nowner = ["{user}"]\n')
sock_path = f"{work}/creditd.sock"
daemon = subprocess.Popen([binary, "--config", f"{work}/creditd.toml", "--socket", sock_path,
                           "--database", f"{work}/ledger.sqlite", "--test-clock", "2026-01-05T09:00:00Z"],
                          stderr=subprocess.DEVNULL)
for _ in range(200):
    if os.path.exists(sock_path):
        break
    time.sleep(0.05)

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sock_path)
reader = sock.makefile("rb")
next_id = 1


def raw(line):
    """Sends one raw line and prints it and the reply."""
    sock.sendall(line.encode() + b"\n")
    reply = reader.readline().decode().rstrip("\n")
    lines_out.extend([f"-> {line}", f"<- {reply}"])
    return json.loads(reply)


def call(method, params=None):
    global next_id
    request = {"jsonrpc": "2.0", "id": next_id, "method": method}
    if params is not None:
        request["params"] = params
    next_id += 1
    return raw(json.dumps(request, separators=(",", ":"), ensure_ascii=False))


def section(title):
    lines_out.extend(["", f"### {title}", ""])


try:
    section("studio"); call("studio.get"); call("studio.update", {"currency": "EUR", "staff": "Maria"})
    section("session_type")
    call("session_type.create", {"id": "yoga", "name": "Yoga"})
    call("session_type.create", {"id": "workshop", "name": "Workshop", "credit_cost": 2, "late_cancel_grace_s": 3600})
    call("session_type.update", {"id": "yoga", "late_cancel_window_s": 43200})
    call("session_type.get", {"id": "yoga"})
    call("session_type.list", {"limit": 1})
    section("client")
    call("client.create", {"id": "ann", "name": "Ann Lee", "email": "ann@example.com"})
    call("client.update", {"id": "ann", "name": "Ann Lee-Smith"})
    call("client.get", {"id": "ann"})
    call("client.list", {})
    section("credit.issue")
    issued = call("credit.issue", {"client": "ann", "session_type": "yoga", "credits": 5, "expires_on": "2026-01-31",
                                   "note": "Welcome pack", "staff": "Maria", "idempotency_key": "welcome-ann"})
    call("credit.issue", {"client": "ann", "session_type": "yoga", "credits": 5, "expires_on": "2026-01-31",
                          "note": "Welcome pack", "staff": "Maria", "idempotency_key": "welcome-ann"})
    call("credit.issue", {"clients": ["ann"], "session_type": "any", "credits": 3,
                          "expires_at": "2026-01-06T09:00:00Z"})
    section("import.stage")
    call("import.stage", {"import": "spring", "reset": True, "rows": [
        {"client": "ann", "session_type": "yoga", "credits": 2, "line": 2},
        {"client": "ann", "session_type": "any", "credits": 1, "expires_on": "2026-12-31", "note": "promo", "line": 3}]})
    section("import.commit")
    call("import.commit", {"import": "spring", "idempotency_key": "import-spring-1"})
    section("credit.remove")
    call("credit.remove", {"client": "ann", "session_type": "yoga", "credits": 1, "note": "Correction"})
    section("balance.get"); call("balance.get", {"client": "ann"})
    section("booking")
    call("booking.create", {"id": "b1", "client": "ann", "session_type": "yoga",
                            "starts_at": "2026-01-10T18:00:00Z", "dry_run": True})
    call("booking.create", {"id": "b1", "client": "ann", "session_type": "yoga",
                            "starts_at": "2026-01-10T18:00:00Z", "staff": "Front desk"})
    call("booking.cancel", {"id": "b1", "note": "Sick"})
    call("booking.create", {"id": "w1", "client": "ann", "session_type": "workshop",
                            "starts_at": "2026-01-05T12:00:00Z"})
    call("booking.cancel", {"id": "w1"})
    call("booking.waive", {"id": "w1", "note": "First time"})
    call("booking.create", {"id": "w2", "client": "ann", "session_type": "workshop",
                            "starts_at": "2026-01-05T13:00:00Z"})
    call("booking.cancel", {"id": "w2"})
    call("booking.settle", {"id": "w2"})
    call("booking.create", {"id": "b2", "client": "ann", "session_type": "yoga", "starts_at": "2026-01-05T09:00:00Z"})
    call("booking.no_show", {"id": "b2", "note": "Did not come"})
    call("booking.get", {"id": "w2"})
    call("booking.list", {"client": "ann", "status": "cancelled_late"})
    call("booking.reinstate", {"id": "w2", "note": "Settled by mistake"})
    call("booking.reinstate", {"id": "b2", "note": "Came late, checked in"})
    section("history.list")
    call("history.list", {"client": "ann", "limit": 2})
    section("note")
    call("note.set", {"event": issued["result"]["events"][0], "note": "Welcome pack (promo)"})
    call("note.history", {"event": issued["result"]["events"][0]})
    section("package / purchase")
    call("package.create", {"id": "ten", "name": "10 classes", "credits": 10, "bonus_credits": 1,
                            "price_minor": 12000, "expiry_days": 90})
    call("package.get", {"id": "ten"})
    call("package.list", {})
    call("purchase.create", {"id": "p1", "client": "ann", "package": "ten", "payment_ref": "pi_3Nx"})
    call("purchase.get", {"id": "p1"})
    call("purchase.refund", {"id": "p1", "note": "Moved away"})
    call("package.archive", {"id": "ten"})
    section("plan / membership")
    call("plan.create", {"id": "monthly8", "name": "8 a month", "credits_per_cycle": 8, "period": "month",
                         "rollover_max": 2, "rollover_expires_after_cycles": 1})
    call("plan.get", {"id": "monthly8"})
    call("plan.list", {})
    call("membership.create", {"id": "m1", "client": "ann", "plan": "monthly8", "starts_on": "2026-01-05"})
    call("membership.pause", {"id": "m1"})
    call("membership.resume", {"id": "m1"})
    call("membership.cancel", {"id": "m1", "when": "cycle_end"})
    call("membership.get", {"id": "m1"})
    call("membership.list", {"client": "ann"})
    call("plan.archive", {"id": "monthly8"})
    section("usage.summary"); call("usage.summary", {"client": "ann", "membership": "m1", "by_cycle": True})
    section("clock")
    call("clock.advance", {"seconds": 86400})
    call("history.list", {"client": "ann", "events": ["expired"]})
    call("clock.set", {"now": "2026-01-07T09:00:00Z"})
    section("daemon")
    call("daemon.status")
    call("daemon.verify")
    call("daemon.backup", {"path": "nightly.sqlite"})
    section("session_type.archive"); call("session_type.archive", {"id": "workshop"})
    section("events.subscribe")
    call("events.subscribe", {"clients": ["ann"], "kinds": ["issued"]})
    call("credit.issue", {"client": "ann", "session_type": "yoga", "credits": 1})
    lines_out.append(f"<- {reader.readline().decode().rstrip()}")
    section("errors")
    call("booking.create", {"id": "b9", "client": "ann", "session_type": "workshop",
                            "starts_at": "2026-01-20T10:00:00Z"})
    call("client.create", {"id": "bob", "name": "Bob", "nmae": "typo"})
    call("credit.issue", {"client": "ann", "session_type": "yoga", "credits": 1, "note": "x" * 501})
    call("credit.issue", {"client": "ann", "session_type": "yoga", "credits": 5, "expires_on": "2026-01-31",
                          "idempotency_key": "welcome-ann"})
    call("no.such")
    raw("this is not json")
    raw('{"jsonrpc":"2.0","id":7}')
    # A bad import: one error names every bad row (at the end, so earlier ids stay put).
    call("import.stage", {"import": "typos", "reset": True, "rows": [
        {"client": "zed", "session_type": "yoga", "credits": 1, "line": 2},
        {"client": "ann", "session_type": "yoga", "credits": 1, "expires_on": "2025-12-31", "line": 3}]})
    call("import.commit", {"import": "typos"})
    call("history.list", {"client": "ann", "session_type": "yogaa"})
    section("batch")
    raw('[{"jsonrpc":"2.0","id":"a","method":"client.get","params":{"id":"ann"}},'
        '{"jsonrpc":"2.0","method":"daemon.status"},{"jsonrpc":"2.0","id":"b","method":"no.such"}]')
    # Issue 16's workflows, after everything else so the earlier request ids stay put.
    section("workflows")
    call("report.expiring", {"within_days": 30})
    section("client.deactivate")
    call("client.create", {"id": "cy", "name": "Cy"})
    call("client.deactivate", {"id": "cy", "staff": "Maria"})
    call("credit.issue", {"client": "cy", "session_type": "yoga", "credits": 1})
    call("client.list", {"include_inactive": True})
    call("client.reactivate", {"id": "cy"})
    # To cy: this connection subscribed to ann's events above, which would interleave notifications.
    extend_lot = call("credit.issue", {"client": "cy", "session_type": "yoga", "credits": 2,
                                       "expires_on": "2026-01-31"})["result"]["lots"][0]["id"]
    section("workflows")
    call("lot.extend", {"lot": extend_lot, "expires_on": "2026-02-28", "note": "Injured in January",
                        "staff": "Maria", "idempotency_key": "extend-ann-1"})
    call("client.create", {"id": "dee", "name": "Dee"})
    call("credit.transfer", {"from": "cy", "to": "dee", "session_type": "yoga", "credits": 2,
                             "note": "For her sister", "staff": "Maria"})
    call("credit.transfer", {"from": "cy", "to": "dee", "session_type": "yoga", "credits": 5})
    call("report.activity", {"from": "2026-01-05T00:00:00Z", "to": "2026-01-08T00:00:00Z", "staff": "Maria"})
    call("report.liability", {})
    call("history.list", {"client": "ann", "purchase": "p1"})
    call("booking.list", {"session_type": "workshop", "status": "cancelled_late", "from": "2026-01-05T00:00:00Z",
                          "to": "2026-01-06T00:00:00Z"})
    call("report.liability", {"as_of": "2026-01-05T09:00:00Z", "client": "ann"})
    # Last, so that adding it renumbered no other transcript's ids.
    section("daemon (metrics)")
    call("daemon.metrics")
    # The whole exposition is ~200 lines: the transcript keeps its first ones.
    metrics = json.loads(lines_out[-1][3:])
    metrics["result"]["text"] = "".join(metrics["result"]["text"].splitlines(True)[:6]) + "..."
    lines_out[-1] = "<- " + json.dumps(metrics, separators=(",", ":"), ensure_ascii=False)
finally:
    daemon.terminate()
    daemon.wait()
    shutil.rmtree(work, ignore_errors=True)


def fill(text):
    """Replaces the template's placeholders with the recorded exchanges."""
    entries, current, i = [], None, 0
    while i < len(lines_out):
        line = lines_out[i]
        if line.startswith("### "):
            current = line[4:]
        elif line.startswith("-> "):
            block = [line]
            while i + 1 < len(lines_out) and lines_out[i + 1].startswith("<- "):
                i += 1
                block.append(lines_out[i])
            try:
                method = json.loads(line[3:]).get("method")
            except (ValueError, AttributeError):
                method = None
            entries.append((current, method, block))
        i += 1
    special = {"errors", "batch", "events.subscribe", "clock", "session_type.archive", "client.deactivate"}

    def replace(match):
        key = match.group(1)
        if key.startswith("section:"):
            blocks = [b for s, _, b in entries if s == key[len("section:"):]]
        elif key in ("errors", "batch"):
            blocks = [b for s, _, b in entries if s == key]
        else:
            blocks = [b for s, m, b in entries if m == key and s not in special]
        if not blocks:
            raise SystemExit(f"no transcript for {key}")
        return "```\n" + "\n".join(line for b in blocks for line in b) + "\n```"

    return re.sub(r"@@([^@]+)@@", replace, text)


if template:
    with open(template) as source:
        sys.stdout.write(fill(source.read()))
else:
    print("\n".join(lines_out))
