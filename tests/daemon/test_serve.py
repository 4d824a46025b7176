"""`sentinel serve` as real processes on one SQLite file: each alert sent once by two
daemons, takeover within two intervals after the leader is killed, the HTTP API, a
graceful SIGTERM, and config errors reported with a non-zero exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import wait_until

from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.daemon import LEASE_KEY
from sentinel.models import CallRecord
from sentinel.store.sqlite import SQLiteStore

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
START_S = 60.0  # waits for a daemon to get somewhere: generous, they end when it does
RULES = """\
groups:
  - name: fast
    interval: 1s
    rules:
      - alert: ServeTestErrors
        metric: error_rate
        window: 1m
        op: ">"
        threshold: 0.05
        min_requests: 10
        for: 2s
        group_by: [model]
        labels: {severity: page}
        annotations: {summary: "errors {{ value | percent }}"}
"""


class Cluster:
    def __init__(self, tmp_path: Path, hook: str, port: Callable[[], int]) -> None:
        self.db = tmp_path / "s.db"
        (tmp_path / "rules.yml").write_text(RULES)
        self.env = os.environ | {
            "SENTINEL_STORE": f"sqlite:///{self.db}",
            "SENTINEL_RULES": str(tmp_path / "rules.yml"),
            "SENTINEL_ALERT_WEBHOOK_URL": hook,
            "SENTINEL_ANONYMIZE_INTERVAL": "1h",
        }
        self.port = port
        self.procs: list[tuple[subprocess.Popen[bytes], int]] = []
        self.store = SQLiteStore(self.db)
        self.store.setup()

    def start(self) -> tuple[subprocess.Popen[bytes], int]:
        port = self.port()
        proc = subprocess.Popen(
            [SENTINEL, "serve"],
            env=self.env | {"SENTINEL_API_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.procs.append((proc, port))
        return proc, port

    def holder_pid(self) -> int | None:
        state = self.store.get_state(LEASE_KEY)
        if state is None or state[0]["holder"] is None:
            return None
        if datetime.fromisoformat(state[0]["expires_at"]) <= datetime.now(UTC):
            return None
        return int(state[0]["holder"].split(":")[1])

    def close(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        self.store.close()


@pytest.fixture
def cluster(
    tmp_path: Path, webhook_receiver: Any, free_port: Callable[[], int]
) -> Iterator[Cluster]:
    c = Cluster(tmp_path, webhook_receiver.url, free_port)
    yield c
    c.close()


def seed(store: SQLiteStore, error_every: int) -> None:
    """Calls from 30s ago to 90s ahead, one per second: the window keeps them in view."""
    now = datetime.now(UTC)
    store.write_records(
        [
            CallRecord(
                request_id=f"c{error_every}-{i}",
                timestamp=now + timedelta(seconds=i),
                model="deepseek-v4-flash",
                outcome="failure" if error_every and i % error_every == 0 else "success",
            )
            for i in range(-30, 90)
        ]
    )


def test_two_daemons_send_once_take_over_and_stop_gracefully(
    cluster: Cluster, webhook_receiver: Any
) -> None:
    seed(cluster.store, error_every=2)
    (a, port_a), (b, port_b) = cluster.start(), cluster.start()
    # two cold `sentinel serve` starts: 15 s was not enough for either to take the lease
    # on a loaded 2-core machine (load 14); the wait ends as soon as one does
    leader = wait_until(cluster.holder_pid, START_S)
    assert leader in (a.pid, b.pid), a.stderr.read1() if a.poll() is not None else ""  # type: ignore[union-attr]
    bodies = webhook_receiver.wait_for(1, timeout=START_S)
    assert [x["status"] for x in bodies] == ["firing"]
    time.sleep(3)  # several more evaluations by both processes
    assert [x["status"] for x in webhook_receiver.bodies] == ["firing"]

    # The HTTP API of the follower answers from the store like the leader would.
    follower, follower_port = (b, port_b) if leader == a.pid else (a, port_a)
    dead, _ = (a, port_a) if leader == a.pid else (b, port_b)
    api = f"http://127.0.0.1:{follower_port}"
    assert wait_until(lambda: _get(f"{api}/healthz") == 200, START_S)
    assert httpx.get(f"{api}/readyz").json() == {"status": "ready", "store": "sqlite"}
    metrics = httpx.get(f"{api}/metrics").text
    assert 'sentinel_active_alerts{state="firing"} 1.0' in metrics
    assert "sentinel_leader 0.0" in metrics
    assert httpx.get(f"{api}/v1/alerts").status_code == 401
    registry = TokenRegistry(cluster.store, Settings().subject_secret_bytes())
    token, _ = registry.create("ops", ["alerts:read"])
    wrong, _ = registry.create("gdpr", ["gdpr:export"])
    assert httpx.get(f"{api}/v1/alerts", headers=_auth(wrong)).status_code == 403
    assert httpx.get(f"{api}/v1/alerts?since=forever", headers=_auth(token)).status_code == 422
    body = httpx.get(f"{api}/v1/alerts", headers=_auth(token)).json()
    assert [(x["alertname"], x["state"]) for x in body["active"]] == [("ServeTestErrors", "firing")]
    assert {e["state"] for e in body["recent"]} == {"pending", "firing"}

    # Kill the leader without any cleanup: the follower takes over within two intervals.
    dead.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    assert wait_until(lambda: cluster.holder_pid() == follower.pid, 5, step=0.02)
    assert time.monotonic() - killed <= 2.0 + 0.3  # two 1s intervals (+ polling slack)
    time.sleep(2)
    assert [x["status"] for x in webhook_receiver.bodies] == ["firing"]  # not re-sent

    # Errors stop: the new leader sends the resolved notification, once.
    cluster.store.write_records(
        [
            CallRecord(request_id=f"c2-{i}", timestamp=datetime.now(UTC) + timedelta(seconds=i),
                       model="deepseek-v4-flash")
            for i in range(-30, 90)
        ]
    )  # fmt: skip
    assert wait_until(lambda: len(webhook_receiver.bodies) >= 2, START_S)
    assert [x["status"] for x in webhook_receiver.bodies] == ["firing", "resolved"]

    # SIGTERM: exit 0, lease released at once.
    follower.send_signal(signal.SIGTERM)
    assert follower.wait(15) == 0
    state = cluster.store.get_state(LEASE_KEY)
    assert state is not None and state[0]["holder"] is None


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return 0


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SENTINEL_RULES": "{bad}"}, "rule error: {bad}:8: groups.0.rules.0.op"),
        ({"SENTINEL_ANONYMIZE_WITHIN": "soon"}, "configuration error"),
        (
            {"SENTINEL_STORE": "ftp://nowhere"},
            "configuration error: SENTINEL_STORE='ftp://nowhere'",
        ),
    ],
)
def test_config_errors_exit_nonzero_with_a_clear_message(
    cluster: Cluster, tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(RULES.replace('op: ">"', 'op: "=>"'))
    env = {k: v.replace("{bad}", str(bad)) for k, v in env.items()}
    proc = subprocess.run(
        [SENTINEL, "serve"], env=cluster.env | env, capture_output=True, timeout=30
    )
    assert proc.returncode == 2
    assert needle.replace("{bad}", str(bad)) in proc.stderr.decode()
