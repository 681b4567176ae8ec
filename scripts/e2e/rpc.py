#!/usr/bin/env python3
"""One JSON-RPC call to creditd over its Unix socket (stdlib only), for scripts/e2e-systemd.sh.

Usage: rpc.py SOCKET METHOD [PARAMS_JSON]
Prints the result as JSON and exits 0; prints the error object and exits 2 on a JSON-RPC
error; prints "connect: ERRNO_NAME" and exits 3 when the socket cannot be connected
(e.g. "connect: EACCES" for a caller outside the socket's group).
"""
import errno
import json
import socket
import sys


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 64
    path, method = argv[1], argv[2]
    request = {"jsonrpc": "2.0", "id": 1, "method": method}
    if len(argv) == 4:
        request["params"] = json.loads(argv[3])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(20)
    try:
        sock.connect(path)
    except OSError as error:
        print("connect: " + errno.errorcode.get(error.errno, str(error.errno)))
        return 3
    sock.sendall(json.dumps(request).encode() + b"\n")
    line = sock.makefile("rb").readline()
    if not line:
        print("error: connection closed without a reply")
        return 4
    reply = json.loads(line)
    if "error" in reply:
        print(json.dumps(reply["error"], sort_keys=True))
        return 2
    print(json.dumps(reply.get("result"), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
