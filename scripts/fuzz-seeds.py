#!/usr/bin/env python3
"""Regenerates fuzz/corpus, the committed seed corpus of the libFuzzer target (scripts/fuzz.sh).

Seeds: every request of docs/PROTOCOL.md's transcripts alone and all of them in order as one
session (one line each), batches, every method with the fuzz world's seed ids (yoga, ws, c1, c2),
every instant-taking param with 0-12 fraction digits, every offset form and the edge years,
the read-only (0x01) and role-less (0x02) callers, and garbage: broken JSON, invalid UTF-8, deep
nesting, huge and fractional numbers, wrong types.

Also writes fuzz/creditd.dict, the mutator's dictionary (scripts/fuzz.sh -dict=): every method,
every params key, instants, offsets, dates and numbers at the edges.
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

# Instants: 0-12 fraction digits, every offset form, years 0000/0001/9999, in every instant param.
FRACTIONS = [""] + ["." + "123456789012"[:n] for n in range(1, 13)]
OFFSETS = ["Z", "z", "+00:00", "-00:00", "+01:00", "-12:00", "+14:00", "+23:59", "-23:59", "+0100", "+01", "+24:00", ""]
YEARS = ["0000", "0001", "1969", "2026", "9999"]
instants = [f"2026-01-10T10:00:00{f}Z" for f in FRACTIONS] + [f"2026-01-10T10:00:00.5{o}" for o in OFFSETS]
instants += [f"{y}-01-01T00:00:00Z" for y in YEARS] + [f"{y}-12-31T23:59:59.999999{o}" for y in YEARS for o in ("Z", "-23:59")]
instants += ["2026-01-10t10:00:00z", "2026-01-10 10:00:00Z", "2026-02-29T10:00:00Z", "2026-01-10T24:00:00Z",
             "2026-01-10T10:00:60Z", "2026-01-10T10:00:00.Z"]
for t in instants:
    add(req("history.list", {"client": "c1", "from": t}))
    add(req("balance.get", {"client": "c1", "as_of": t}))
    add(req("booking.create", {"id": "bt", "client": "c1", "session_type": "yoga", "starts_at": t}))
    add(req("credit.issue", {"client": "c1", "session_type": "yoga", "credits": 1, "expires_at": t}))
    add(req("clock.set", {"now": t}))
for d in ["0001-01-01", "9999-12-31", "9999-01-01", "0000-01-01", "2024-02-29", "2026-02-29"]:
    add(req("credit.issue", {"client": "c1", "session_type": "yoga", "credits": 1, "expires_on": d}))
    add("\n".join([req("plan.create", {"id": "c120", "name": "Century", "credits_per_cycle": 1, "period": "year",
                                        "period_count": 120}),
                    req("membership.create", {"id": "m9", "client": "c1", "plan": "c120", "starts_on": d}, 2),
                    req("clock.set", {"now": "9999-06-01T00:00:00Z"}, 3), req("daemon.verify", {}, 4)]))
# Numbers: huge, negative, fractional, exponents, in an integer param.
for n in ["1.5", "1.0", "1e3", "-0", "9223372036854775808", "1e1000", "0.1", "100001", "-9223372036854775809"]:
    add('{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"c1","session_type":"yoga","credits":%s}}' % n)
    add('{"jsonrpc":"2.0","id":%s,"method":"studio.get"}' % n)
# Deep nesting inside params, at and past the limit.
for depth in (31, 32, 33, 100):
    add('{"jsonrpc":"2.0","id":1,"method":"client.create","params":{"id":"d","name":"D","x":%s1%s}}' % ("[" * depth, "]" * depth))
# The other callers: a read-only role and no role (FuzzWorld.run's first byte).
for method, params in per_method[:12]:
    add(b"\x01" + req(method, params).encode())
    add(b"\x02" + req(method, params).encode())

for name in os.listdir(out):
    os.remove(os.path.join(out, name))
for data in seeds:
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
print(f"{len(set(seeds))} seeds in fuzz/corpus", file=sys.stderr)

# The dictionary: whole tokens the mutator would take long to build byte by byte.
methods = re.findall(r'case \w+ = "([a-z_]+\.[a-z_]+)"', open(os.path.join(root, "Sources/CreditProtocol/Method.swift")).read())
keys = {k for _, p in per_method for k in p} | {"idempotency_key", "staff", "as_of", "from", "to", "now", "seconds",
                                                  "dry_run", "reset", "rows", "line", "note", "mode", "when"}
tokens = ['"%s"' % m for m in sorted(set(methods))] + ['"%s":' % k for k in sorted(keys)]
tokens += ['{"jsonrpc":"2.0",', '"jsonrpc"', '"2.0"', '"id":', '"method":', '"params":', "null", "true", "false",
           "[]", "{}", "\\u0000", "\\ud800", "\\u202e", '"yoga"', '"ws"', '"c1"', '"c2"', '"any"', '"week"', '"month"',
           '"year"']
tokens += ['"%s"' % t for t in instants] + ["00" + f for f in FRACTIONS if f] + OFFSETS[:-1]
tokens += ['"%s"' % d for d in ["0001-01-01", "9999-12-31", "0000-01-01", "2024-02-29"]] + ["T", "t", " ", "."]
tokens += ["0", "-1", "1.5", "1e3", "1E-3", "1.5e308", "9223372036854775807", "9223372036854775808",
           "-9223372036854775809", "18446744073709551616", "100000", "120", "3155760000", "[" * 33, "{\"a\":" * 16]

def escape(token):
    return "".join("\\\\" if c == "\\" else '\\"' if c == '"' else c if 32 <= ord(c) < 127 else "\\x%02x" % ord(c)
                   for c in token)

with open(os.path.join(root, "fuzz", "creditd.dict"), "w") as f:
    f.write("# libFuzzer dictionary of creditd-fuzz (scripts/fuzz.sh -dict=), written by scripts/fuzz-seeds.py\n")
    for i, token in enumerate(dict.fromkeys(tokens)):
        f.write('kw%d="%s"\n' % (i, escape(token)))
print(f"{len(set(tokens))} tokens in fuzz/creditd.dict", file=sys.stderr)
