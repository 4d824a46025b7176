"""`sentinel proxy` and `sentinel serve --proxy` as real processes: they serve the
proxy on SENTINEL_PROXY_PORT, stop gracefully on SIGTERM with every call stored, and
refuse to start without an upstream key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
from loopback import free_port

from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def wait_listening(proc: subprocess.Popen[bytes], url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening at {url} after {timeout}s")


@pytest.mark.parametrize("command", [["proxy"], ["serve", "--proxy"]])
def test_command_serves_the_proxy_and_stores_every_call(
    command: list[str], fake: FakeDeepSeek, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    store.setup()
    token, _ = TokenRegistry(store, Settings().subject_secret_bytes()).create("app", ["proxy"])
    port = free_port()
    env = os.environ | {
        "SENTINEL_STORE": f"sqlite:///{db}",
        "SENTINEL_PROXY_PORT": str(port),
        "SENTINEL_API_PORT": str(free_port()),
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
        "SENTINEL_ANONYMIZE_INTERVAL": "1h",
        "DEEPSEEK_API_KEY": fake.api_key,
        "DEEPSEEK_BASE_URL": fake.url,
    }
    proc = subprocess.Popen(
        [SENTINEL, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_listening(proc, f"http://127.0.0.1:{port}/v1/models")
        sdk = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=token, max_retries=0)
        raw = sdk.chat.completions.with_raw_response.create(
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "via the sidecar"}],
            extra_headers={"X-Sentinel-App": "cmd-test"},
        )
        assert raw.parse().choices[0].message.content == "Echo: via the sidecar"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        record = store.get_call(raw.headers["x-request-id"])  # flushed on the way out
        assert record is not None and record.app == "cmd-test"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        store.close()


@pytest.mark.parametrize("command", [["proxy"], ["serve", "--proxy"]])
def test_command_without_an_upstream_key_exits_2(command: list[str], tmp_path: Path) -> None:
    env = os.environ | {
        "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}",
        "SENTINEL_PROXY_PORT": str(free_port()),
        "SENTINEL_API_PORT": str(free_port()),
    }
    result = subprocess.run(
        [SENTINEL, *command], env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert b"configuration error" in result.stderr
    assert b"Traceback" not in result.stderr
