"""Real receivers for the daemon's notifications: an HTTP webhook endpoint on loopback
and Debian's prometheus-alertmanager, each started per test."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import loopback
import pytest


@pytest.fixture
def free_port() -> Callable[[], int]:
    """A function returning a loopback port that is free right now."""
    return loopback.free_port


@dataclass
class Receiver:
    url: str
    bodies: list[Any] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with 503 first

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.bodies) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.bodies

    def alerts(self, status: str) -> list[dict[str, Any]]:
        return [a for b in self.bodies if b["status"] == status for a in b["alerts"]]


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")
    lock = threading.Lock()

    class Handler(loopback.QuietHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                failing = receiver.fail_next > 0
                receiver.fail_next -= failing
                if not failing:
                    receiver.bodies.append(body)
            self.send_response(503 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with loopback.http_server(Handler) as url:
        receiver.url = f"{url}/hook"
        yield receiver


ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AM_CONFIG = """\
route:
  receiver: "null"
  group_wait: 0s
receivers:
  - name: "null"
"""


@pytest.fixture
def alertmanager_url(tmp_path: Path, require_service: Callable[[bool, str], None]) -> Iterator[str]:
    require_service(shutil.which(ALERTMANAGER) is not None, f"{ALERTMANAGER} not installed")
    port = loopback.free_port()
    (tmp_path / "am.yml").write_text(AM_CONFIG)
    proc = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    ready = False
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            ready = httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready:
            break
        time.sleep(0.1)
    if not ready:
        proc.kill()
        err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        pytest.fail(f"alertmanager did not become ready: {err}")
    yield url
    proc.terminate()
    proc.wait(10)
