"""`sentinel serve` and `sentinel proxy` logs, from the real processes: the addresses
they listen on (the bound port, even for port 0) once they listen, and none of
APScheduler's per-run lines nor a line from a job that did nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
LISTENING = re.compile(r"sentinel (API|proxy) listening on (http://127\.0\.0\.1:(\d+)(/v1)?)")


class Logged:
    """A process whose stderr is collected line by line while it runs."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [SENTINEL, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: re.Pattern[str], n: int, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for line in self.lines if (m := pattern.search(line))]
            if len(found) >= n:
                return [m.group(2) for m in found]
            assert self.proc.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError("\n".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return os.environ | {
        "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}",
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
        "DEEPSEEK_API_KEY": "sk-logs-test",
        "DEEPSEEK_BASE_URL": "http://127.0.0.1:9",
        "SENTINEL_API_PORT": "0",
        "SENTINEL_PROXY_PORT": "0",
        **extra,
    }


def test_serve_logs_where_it_listens_and_no_scheduler_chatter(tmp_path: Path) -> None:
    # jobs every second (anonymization, rule groups, spool replay): nothing to do in an
    # empty store, so nothing may be logged for them
    served = Logged(["serve", "--proxy"], _env(tmp_path, SENTINEL_ANONYMIZE_INTERVAL="1s"))
    try:
        urls = served.wait_for(LISTENING, 2)
        api = next(u for u in urls if not u.endswith("/v1"))
        proxy = next(u for u in urls if u.endswith("/v1"))
        assert api != proxy.removesuffix("/v1") and not api.endswith(":0")
        assert httpx.get(f"{api}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{proxy}/models", timeout=10).status_code in (200, 401)
        time.sleep(4)  # several runs of each job
    finally:
        served.stop()
    log = "\n".join(served.lines)
    assert "apscheduler" not in log and "Running job" not in log, log
    assert "anonymized" not in log and "spool replay" not in log, log
    assert " INFO " in log  # Sentinel's own start and stop lines are there
    assert sum(" INFO " in line for line in served.lines) <= 8, log


def test_proxy_logs_where_it_listens(tmp_path: Path) -> None:
    proxied = Logged(["proxy"], _env(tmp_path))
    try:
        (url,) = proxied.wait_for(LISTENING, 1)
        assert url.endswith("/v1") and httpx.get(f"{url}/models", timeout=10).status_code in (
            200, 401,
        )  # fmt: skip
    finally:
        proxied.stop()


def test_serve_on_elasticsearch_logs_no_line_per_request(
    tmp_path: Path, es_url: str, es_store_factory: Callable[..., Any]
) -> None:
    prefix = es_store_factory().prefix  # dropped at teardown
    env = _env(tmp_path, SENTINEL_STORE=es_url, SENTINEL_ES_INDEX_PREFIX=prefix)
    served = Logged(["serve"], env)
    try:
        (api,) = served.wait_for(LISTENING, 1)
        for _ in range(3):  # each status read is several searches
            assert httpx.get(f"{api}/v1/status", timeout=30).status_code == 200
        time.sleep(2)  # lease renewals and rule evaluations
    finally:
        served.stop()
    log = "\n".join(served.lines)
    assert "listening on" in log
    assert not [line for line in served.lines if "INFO elastic_transport" in line], log
