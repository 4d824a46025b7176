"""What the connection limits (`sentinel.api.serving.LimitedHttpToolsProtocol`) cost per
request, against uvicorn's stock httptools protocol: CPU time of the server process per
request, not wall time, so a loaded machine blurs it less.

Two server processes (stock and limited) run the same trivial ASGI app; the load
generator sends keep-alive requests over `--connections` connections, round by round
alternating between the two, and reads each server's user+system CPU time from
/proc before and after. The proxy's own cost per call (about 1.2 ms of CPU, see
`benchmarks/proxy_overhead.py`) is the yardstick the difference is compared with.

    .venv/bin/python benchmarks/http_limits_overhead.py [--requests 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
PROXY_CPU_PER_CALL_US = 1200.0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"ok"})


def serve(kind: str, port: int) -> None:
    """Child process: one uvicorn server with the stock or the limited protocol."""
    import uvicorn

    from sentinel.api.serving import server_config
    from sentinel.config import Settings

    if kind == "limited":
        config = server_config(app, "127.0.0.1", port, Settings(), log_level="warning")
    else:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, http="httptools",
                                ws="none", log_level="warning", limit_concurrency=256)  # fmt: skip
    uvicorn.Server(config).run()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(port)])
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc, port
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start") from None
            time.sleep(0.05)


def load(port: int, requests: int, connections: int) -> None:
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    try:
        for i in range(requests):
            sock = socks[i % connections]
            sock.sendall(REQUEST)
            got = b""
            while not got.endswith(b"ok"):
                got += sock.recv(4096)
    finally:
        for sock in socks:
            sock.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=4000, help="per server and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    servers = {kind: start(kind) for kind in ("stock", "limited")}
    per_request: dict[str, list[float]] = {kind: [] for kind in servers}
    try:
        for _, port in servers.values():
            load(port, 500, args.connections)  # warm up
        for _ in range(args.rounds):
            for kind, (proc, port) in servers.items():
                before = cpu_seconds(proc.pid)
                load(port, args.requests, args.connections)
                per_request[kind].append((cpu_seconds(proc.pid) - before) / args.requests * 1e6)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    stock = statistics.median(per_request["stock"])
    limited = statistics.median(per_request["limited"])
    print(f"server CPU per request ({args.rounds} rounds x {args.requests}, "
          f"load average {os.getloadavg()[0]:.1f}):")  # fmt: skip
    print(f"  uvicorn httptools (stock)   {stock:7.1f} us")
    print(f"  with Sentinel's limits      {limited:7.1f} us   ({limited / stock:.2f}x)")
    added = limited - stock
    print(f"  added {added:+.1f} us per request = {added / PROXY_CPU_PER_CALL_US:+.1%} of the "
          f"proxy's ~{PROXY_CPU_PER_CALL_US / 1000:.1f} ms CPU per call")  # fmt: skip


if __name__ == "__main__":
    main()
