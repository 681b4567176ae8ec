#!/usr/bin/env python3
"""Regenerates fuzz/corpus, the committed seed corpus of the libFuzzer target (scripts/fuzz.sh).

Seeds: every request of docs/PROTOCOL.md's transcripts alone and all of them in order as one
session (one line each), batches, every method with the fuzz world's seed ids (yoga, ws, c1, c2),
and garbage: broken JSON, invalid UTF-8, deep nesting, huge numbers, wrong types.
"""
import hashlib, json, os, re, sys

root = os.path.join(os.path.dirname(__file__), "..")
out = os.path.join(root, "fuzz", "corpus")
os.makedirs(out, exist_ok=True)
seeds = []

def add(data):
    seeds.append(data if isinstance(data, bytes) else data.encode())

def req(method, params=None, id=1):
    obj = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        obj["params"] = params
    return json.dumps(obj, separators=(",", ":"))

transcript = [line[3:] for line in open(os.path.join(root, "docs", "PROTOCOL.md"), encoding="utf-8")
              if line.startswith("-> ")]
for line in transcript:
    add(line)
add("\n".join(transcript))

T0 = "2026-01-05T12:00:00Z"
per_method = [
    ("studio.get", {}), ("studio.update", {"time_zone": "Europe/Berlin", "currency": "USD"}),
    ("session_type.create", {"id": "pil", "name": "Pilates", "requires_credit": True, "credit_cost": 3,
                             "allow_negative": False, "late_cancel_window_s": 3600, "late_cancel_grace_s": 60}),
    ("session_type.update", {"id": "yoga", "requires_credit": False}), ("session_type.archive", {"id": "ws"}),
    ("session_type.get", {"id": "yoga"}), ("session_type.list", {"limit": 1, "cursor": "x"}),
    ("client.create", {"id": "c3", "name": "Cy", "email": "cy@example.com"}),
    ("client.update", {"id": "c1", "email": None}), ("client.get", {"id": "c1"}), ("client.list", {"limit": 2}),
    ("credit.issue", {"client": "c1", "session_type": "yoga", "credits": 3, "expires_at": "2026-01-06T00:00:00Z"}),
    ("credit.issue", {"clients": ["c1", "c2"], "session_type": "any", "credits": 1, "expires_on": "2026-02-01"}),
    ("credit.remove", {"client": "c1", "session_type": "yoga", "credits": 1, "lot": 1}),
    ("import.stage", {"import": "i1", "rows": [{"client": "c2", "session_type": "yoga", "credits": 2, "line": 1}]}),
    ("import.commit", {"import": "i1"}), ("import.abort", {"import": "i1"}),
    ("balance.get", {"client": "c1", "as_of": "2026-03-01T00:00:00Z"}),
    ("history.list", {"client": "c1", "session_type": "yoga", "events": ["issued", "used"],
                      "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "limit": 1}),
    ("note.set", {"event": 1, "note": None}), ("note.history", {"event": 1}),
    ("booking.create", {"id": "b1", "client": "c1", "session_type": "yoga", "starts_at": T0,
                        "ends_at": "2026-01-05T13:00:00Z", "credit_cost": 2, "dry_run": False}),
    ("booking.create", {"id": "b2", "client": "c2", "session_type": "ws", "starts_at": "2026-02-05T12:00:00Z"}),
    ("booking.cancel", {"id": "b1", "mode": "late"}), ("booking.cancel", {"id": "b2", "mode": "early"}),
    ("booking.waive", {"id": "b1"}), ("booking.settle", {"id": "b1"}), ("booking.no_show", {"id": "b1"}),
    ("booking.reinstate", {"id": "b1", "note": "mistake"}),
    ("booking.get", {"id": "b1"}), ("booking.list", {"client": "c1", "status": "booked"}),
    ("package.create", {"id": "k5", "name": "Five", "credits": 5, "bonus_credits": 0, "price_minor": 5000,
                        "expiry_days": 30, "scope": "yoga"}),
    ("package.archive", {"id": "k5"}), ("package.get", {"id": "k5"}), ("package.list", {}),
    ("purchase.create", {"id": "p1", "client": "c1", "package": "k5", "payment_ref": "pay_1"}),
    ("purchase.refund", {"id": "p1"}), ("purchase.get", {"id": "p1"}),
    ("plan.create", {"id": "wk", "name": "Weekly", "credits_per_cycle": 2, "period": "week", "period_count": 1,
                     "rollover_max": None, "rollover_expires_after_cycles": 2, "scope": "any"}),
    ("plan.archive", {"id": "wk"}), ("plan.get", {"id": "wk"}), ("plan.list", {}),
    ("membership.create", {"id": "m1", "client": "c2", "plan": "wk", "starts_on": "2026-01-31"}),
    ("membership.pause", {"id": "m1"}), ("membership.resume", {"id": "m1"}),
    ("membership.cancel", {"id": "m1", "when": "now"}), ("membership.get", {"id": "m1"}),
    ("membership.list", {"client": "c2"}), ("usage.summary", {"client": "c2", "membership": "m1", "by_cycle": True}),
    ("events.subscribe", {"clients": ["c1"], "kinds": ["used"]}), ("daemon.status", {}), ("daemon.verify", {}),
    ("daemon.backup", {"path": "x.sqlite"}), ("clock.set", {"now": "2026-03-01T00:00:00Z"}),
    ("clock.advance", {"seconds": 86400 * 40}),
]
for method, params in per_method:
    add(req(method, params))
    add(req(method, dict(params, idempotency_key="k-" + method, staff="Desk")))
# A studio day as one session: sell, book, cancel, advance time, look.
add("\n".join(req(m, p, i) for i, (m, p) in enumerate(per_method)))
add("[" + ",".join(req(m, p, i) for i, (m, p) in enumerate(per_method[:40])) + "]")
add("[" + ",".join(req("booking.create", {"id": f"r{i}", "client": "c1", "session_type": "yoga",
                                          "starts_at": T0}, i) for i in range(8)) + "]")
add('[{"jsonrpc":"2.0","method":"daemon.verify"},{"jsonrpc":"2.0","id":null,"method":"x"},1,[],{}]')

garbage = [
    b"", b"\n", b"\r\n", b" \t ", b"{", b"}", b"[]", b"[1]", b"null", b"true", b"0", b'"s"', b"{}",
    b'{"jsonrpc":"1.0","id":1,"method":"studio.get"}', b'{"jsonrpc":"2.0","id":{},"method":"studio.get"}',
    b'{"jsonrpc":"2.0","id":1,"method":7}', b'{"jsonrpc":"2.0","id":1,"method":"studio.get","params":[1]}',
    b'{"jsonrpc":"2.0","method":"studio.get","params":"x"}', b'{"jsonrpc":"2.0","id":1.5e308,"method":"studio.get"}',
    b'{"jsonrpc":"2.0","id":-9223372036854775809,"method":"studio.get"}',
    b'{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"c1","session_type":"yoga","credits":9223372036854775807}}',
    b'{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"c1","session_type":"yoga","credits":-1}}',
    b'{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"c1","session_type":"yoga","credits":1e3}}',
    b'{"jsonrpc":"2.0","id":1,"method":"booking.create","params":{"id":"b","client":"c1","session_type":"yoga","starts_at":"9999-12-31T23:59:59Z"}}',
    b'{"jsonrpc":"2.0","id":1,"method":"booking.create","params":{"id":"b","client":"c1","session_type":"yoga","starts_at":"0000-01-01T00:00:00+23:59"}}',
    b'{"jsonrpc":"2.0","id":1,"method":"clock.advance","params":{"seconds":3155760000}}',
    b'{"jsonrpc":"2.0","id":1,"method":"client.create","params":{"id":"\\ud800","name":"\\u0000"}}',
    b'{"jsonrpc":"2.0","id":1,"method":"client.create","params":{"id":"a","name":"b","id":"c"}}',
    b'{"jsonrpc":"2.0","id":1,"method":"studio.get"}\r',
    b'{"jsonrpc":"2.0","id":"\xff\xfe","method":"studio.get"}', b"\xc3\x28", b"\xed\xa0\x80",
    b"[" * 40 + b"]" * 40, b"{\"a\":" * 40 + b"1" + b"}" * 40, b"[" * 5000,
    b'{"jsonrpc":"2.0","id":1,"method":"history.list","params":{"client":"c1","cursor":"AAAA"}}',
    b'{"jsonrpc":"2.0","id":1,"method":"studio.update","params":{"time_zone":"Mars/Olympus"}}',
    b"[" + b",".join([b'{"jsonrpc":"2.0","method":"studio.get"}'] * 257) + b"]",
]
for g in garbage:
    add(g)

for name in os.listdir(out):
    os.remove(os.path.join(out, name))
for data in seeds:
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
print(f"{len(set(seeds))} seeds in fuzz/corpus", file=sys.stderr)
