"""Notification delivery to real receivers: retries with backoff against a failing
webhook, no blocking on a dead one, and a real Alertmanager that we read back."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sentinel.models import CallRecord
from sentinel.rules.engine import RuleEngine
from sentinel.rules.model import Group
from sentinel.rules.notifiers import AlertmanagerNotifier, Deliverer, WebhookNotifier
from sentinel.store.sqlite import SQLiteStore

GROUP = Group.model_validate(
    {
        "name": "g",
        "interval": "1s",
        "rules": [
            {
                "alert": "SentinelTestErrors",
                "metric": "error_rate",
                "window": "1m",
                "op": ">",
                "threshold": 0.05,
                "group_by": ["model"],
                "labels": {"severity": "page"},
                "annotations": {"summary": "errors {{ value | percent }} on {{ labels.model }}"},
            }
        ],
    }
)


def seed_errors(store: SQLiteStore, now: datetime) -> None:
    store.write_records(
        [
            CallRecord(request_id=f"r{i}", timestamp=now - timedelta(seconds=i), model="m1",
                       outcome="failure" if i % 2 else "success")
            for i in range(20)
        ]
    )  # fmt: skip


def test_webhook_failures_are_retried_with_backoff(
    sqlite_store: SQLiteStore, webhook_receiver: Any
) -> None:
    webhook_receiver.fail_next = 2
    now = datetime.now(UTC)
    seed_errors(sqlite_store, now)
    notifier = WebhookNotifier(webhook_receiver.url, "http://x/v1/alerts", backoff=0.05)
    engine = RuleEngine(sqlite_store, [notifier], anonymize_within=timedelta(hours=72))
    engine.evaluate_group(GROUP, now)
    bodies = webhook_receiver.wait_for(1, timeout=5)
    assert [b["status"] for b in bodies] == ["firing"]
    assert webhook_receiver.fail_next == 0  # two 503s were answered first
    notifier.close()


def test_dead_receiver_never_blocks_evaluation(sqlite_store: SQLiteStore, caplog: Any) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    now = datetime.now(UTC)
    seed_errors(sqlite_store, now)
    notifier = WebhookNotifier(dead, "http://x/v1/alerts", backoff=0.05)
    engine = RuleEngine(sqlite_store, [notifier], anonymize_within=timedelta(hours=72))
    started = time.monotonic()
    for k in range(5):
        assert engine.evaluate_group(GROUP, now + timedelta(seconds=k)) is not None
    assert time.monotonic() - started < 1.0  # evaluation only enqueued
    notifier.close(timeout=10)
    assert "giving up delivering to" in caplog.text


def test_deliverer_backoff_doubles_up_to_the_cap(caplog: Any) -> None:
    d = Deliverer("t", max_attempts=5, backoff=0.01, max_backoff=0.03)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/"
    assert d._send(url, {}) is False
    waits = [r.getMessage().rsplit(" ", 1)[1] for r in caplog.records if "retrying" in r.msg]
    assert waits == ["0.01s", "0.02s", "0.03s", "0.03s"]
    assert caplog.records[-1].levelname == "ERROR"
    d.close()


def test_alertmanager_receives_firing_and_resolved(
    sqlite_store: SQLiteStore, alertmanager_url: str
) -> None:
    # Fire two minutes ago, resolve now: the resolved endsAt is then not in the future.
    now = datetime.now(UTC) - timedelta(minutes=2)
    seed_errors(sqlite_store, now)
    notifier = AlertmanagerNotifier(alertmanager_url, "http://sentinel.test/v1/alerts")
    engine = RuleEngine(sqlite_store, [notifier], anonymize_within=timedelta(hours=72))
    engine.evaluate_group(GROUP, now)

    def am_alerts() -> list[dict[str, Any]]:
        resp = httpx.get(f"{alertmanager_url}/api/v2/alerts", timeout=5)
        resp.raise_for_status()
        return [a for a in resp.json() if a["labels"].get("alertname") == "SentinelTestErrors"]

    deadline = time.monotonic() + 10
    while not am_alerts() and time.monotonic() < deadline:
        time.sleep(0.1)
    [alert] = am_alerts()
    assert alert["labels"] == {
        "alertname": "SentinelTestErrors",
        "model": "m1",
        "severity": "page",
    }
    assert alert["annotations"]["summary"] == "errors 50% on m1"
    assert alert["status"]["state"] == "active"
    assert alert["generatorURL"] == "http://sentinel.test/v1/alerts"
    ends = datetime.fromisoformat(alert["endsAt"].replace("Z", "+00:00"))
    # valid for 4 re-send periods (Alertmanager keeps milliseconds)
    assert abs(ends - (now + 4 * timedelta(minutes=1))) < timedelta(milliseconds=1)

    later = now + timedelta(minutes=2)  # the errors have left the 1m window: resolved
    engine.evaluate_group(GROUP, later)
    deadline = time.monotonic() + 10
    while am_alerts() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert am_alerts() == []  # resolved: Alertmanager no longer lists it as active
    resolved = httpx.get(f"{alertmanager_url}/api/v2/alerts/groups", timeout=5).json()
    assert all(
        a["labels"].get("alertname") != "SentinelTestErrors" for g in resolved for a in g["alerts"]
    )
    notifier.close()
