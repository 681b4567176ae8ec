#!/usr/bin/env python3
"""An independent JSON-lines client (stdlib only) for creditd's socket.

Usage: client.py SOCKET_PATH. Runs a short conversation and exits 0 when every reply is
as expected; prints what went wrong and exits 1 otherwise.

       client.py SOCKET_PATH --rpc METHOD PARAMS_JSON [METHOD PARAMS_JSON ...]
Sends each call (ids 1, 2, ...) and prints each reply line; exits 0 when every call got a
reply. The access tests run this as another Unix user.
"""
import json
import socket
import sys


def main(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(15)
    sock.connect(path)
    reader = sock.makefile("rb")

    def send(obj):
        sock.sendall(json.dumps(obj).encode() + b"\n")

    def reply():
        line = reader.readline()
        if not line:
            raise AssertionError("connection closed")
        return json.loads(line)

    send({"jsonrpc": "2.0", "id": "s", "method": "daemon.status"})
    status = reply()
    assert status["id"] == "s" and status["result"]["protocol"] == 1, status

    send({"jsonrpc": "2.0", "id": 1, "method": "client.create", "params": {"id": "py", "name": "Python"}})
    send({"jsonrpc": "2.0", "id": 2, "method": "client.create", "params": {"id": "py", "name": "Python"}})
    send({"jsonrpc": "2.0", "id": 3, "method": "client.get", "params": {"id": "py"}})
    first, second, third = reply(), reply(), reply()
    assert first["id"] == 1 and first["result"]["name"] == "Python", first
    assert second["id"] == 2 and second["error"]["data"]["reason"] == "already_exists", second
    assert third["id"] == 3 and third["result"]["id"] == "py", third

    sock.sendall(b"not json\n")
    parse = reply()
    assert parse["error"]["code"] == -32700 and parse["id"] is None, parse

    send([{"jsonrpc": "2.0", "id": 10, "method": "daemon.status"},
          {"jsonrpc": "2.0", "method": "daemon.status"}])
    batch = reply()
    assert isinstance(batch, list) and len(batch) == 1 and batch[0]["id"] == 10, batch

    send({"jsonrpc": "2.0", "id": 4, "method": "daemon.status"})
    sock.shutdown(socket.SHUT_WR)
    last = reply()
    assert last["id"] == 4, last
    assert reader.readline() == b"", "expected end of stream after half-close"
    print("ok")


def rpc(path, pairs):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(15)
    sock.connect(path)
    reader = sock.makefile("rb")
    for number, (method, params) in enumerate(zip(pairs[::2], pairs[1::2]), start=1):
        request = {"jsonrpc": "2.0", "id": number, "method": method, "params": json.loads(params)}
        sock.sendall(json.dumps(request).encode() + b"\n")
        line = reader.readline()
        if not line:
            raise AssertionError(f"connection closed before the reply to {method}")
        print(line.decode().rstrip("\n"), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--rpc":
        try:
            rpc(sys.argv[1], sys.argv[3:])
        except Exception as error:
            print(f"FAILED: {error!r}")
            sys.exit(1)
        sys.exit(0)
    try:
        main(sys.argv[1])
    except Exception as error:  # report, don't trace: the Swift test shows this output
        print(f"FAILED: {error!r}")
        sys.exit(1)
