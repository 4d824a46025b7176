"""Daemon-level behaviour of the default rules with an injected clock: the must-reach
scenarios, two daemons on one store sending each alert once (to a real webhook
receiver on loopback), and leader takeover within two intervals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.rules.engine import load_active
from sentinel.rules.notifiers import StoreNotifier, WebhookNotifier
from sentinel.rules.rule_tests import EPOCH, Traffic, synthesize
from sentinel.store.sqlite import SQLiteStore

STEP = timedelta(seconds=15)


def seed(store: SQLiteStore, *segments: dict[str, Any]) -> None:
    records = []
    for i, seg in enumerate(segments):
        spec = {"labels": {"model": "deepseek-v4-flash"}, "per_minute": 60} | seg
        records += synthesize(Traffic.model_validate(spec), f"s{i}")
    store.write_records(records)


def make_daemon(db: Path, clock: FakeClock, hook: str, name: str) -> Daemon:
    store = SQLiteStore(db)  # each daemon has its own connection to the shared file
    store.setup()
    notifiers = [StoreNotifier(store), WebhookNotifier(hook, "http://sentinel.test/v1/alerts")]
    return Daemon(store, Settings(), clock, notifiers=notifiers, node_id=name)


def firing(store: SQLiteStore) -> list[str]:
    return [i.alertname for i in load_active(store) if i.state == "firing"]


def run(daemons: list[Daemon], clock: FakeClock, until: timedelta) -> dict[timedelta, list]:
    """Both daemons try every group at every tick (alternating who goes first)."""
    timeline = {}
    t = clock.now() - EPOCH
    while t <= until:
        order = daemons if (t // STEP) % 2 == 0 else daemons[::-1]
        for d in order:
            d.evaluate_once(clock.now())
        timeline[t] = firing(daemons[0].store)
        clock.advance(STEP)
        t += STEP
    return timeline


@pytest.fixture
def pair(tmp_path: Path, webhook_receiver: Any) -> Any:
    clock = FakeClock(EPOCH)
    a = make_daemon(tmp_path / "s.db", clock, webhook_receiver.url, "a")
    b = make_daemon(tmp_path / "s.db", clock, webhook_receiver.url, "b")
    yield a, b, clock
    for d in (a, b):
        d.stop()
        d.store.close()


def test_sustained_errors_fire_once_between_4m_and_6m30s_then_resolve_once(
    pair: Any, webhook_receiver: Any
) -> None:
    a, b, clock = pair
    seed(
        a.store, {"start": "0m", "end": "10m", "error_ratio": 0.10}, {"start": "10m", "end": "14m"}
    )
    timeline = run([a, b], clock, timedelta(minutes=14))
    assert timeline[timedelta(minutes=4)] == []
    assert timeline[timedelta(minutes=6, seconds=30)] == ["DeepSeekHighErrorRate"]
    assert timeline[timedelta(minutes=14)] == []
    for d in (a, b):
        d.engine.close()  # deliver what is queued
    firing_bodies = webhook_receiver.alerts("firing")
    resolved = webhook_receiver.alerts("resolved")
    assert len(webhook_receiver.bodies) == 2, webhook_receiver.bodies
    assert [x["labels"]["alertname"] for x in firing_bodies] == ["DeepSeekHighErrorRate"]
    assert [x["labels"]["model"] for x in resolved] == ["deepseek-v4-flash"]
    body = webhook_receiver.bodies[0]
    assert body["version"] == "4" and body["status"] == "firing"
    assert firing_bodies[0]["annotations"]["summary"].startswith("DeepSeek error rate 10%")
    assert firing_bodies[0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert resolved[0]["endsAt"] > resolved[0]["startsAt"]
    assert {x["fingerprint"] for x in firing_bodies + resolved} == {firing_bodies[0]["fingerprint"]}
    # each state change stored once although two daemons ran every tick
    states = [e.state for e in a.store.list_alert_events(limit=1000)
              if e.alertname == "DeepSeekHighErrorRate"]  # fmt: skip
    assert sorted(states) == ["firing", "pending", "resolved"]


@pytest.mark.parametrize(
    "segments",
    [
        pytest.param([{"start": "0m", "end": "12m", "error_ratio": 0.05}], id="exactly-5pct"),
        pytest.param(
            [{"start": f"{4 * k}m", "end": f"{4 * k + 3}m", "error_ratio": 0.10} for k in range(3)]
            + [{"start": f"{4 * k + 3}m", "end": f"{4 * k + 4}m"} for k in range(3)],
            id="flapping-3m-bad-1m-good",
        ),
        pytest.param(
            [{"start": "0m", "end": "12m", "per_minute": 9, "error_ratio": 0.5}],
            id="below-min-requests",
        ),
    ],
)
def test_never_fires(pair: Any, webhook_receiver: Any, segments: list[dict[str, Any]]) -> None:
    a, b, clock = pair
    seed(a.store, *segments)
    timeline = run([a, b], clock, timedelta(minutes=12))
    assert all(v == [] for v in timeline.values())
    a.engine.close()
    b.engine.close()
    assert webhook_receiver.bodies == []


def test_leader_dies_follower_takes_over_within_two_intervals_without_resending(
    pair: Any, webhook_receiver: Any
) -> None:
    a, b, clock = pair
    seed(a.store, {"start": "0m", "end": "12m", "error_ratio": 0.10})
    run([a, b], clock, timedelta(minutes=7))
    assert a.lease.held and not b.lease.held
    assert firing(a.store) == ["DeepSeekHighErrorRate"]
    died_at = clock.now() - STEP  # a's last evaluation; from now on only b runs
    took_over = None
    while took_over is None:
        b.evaluate_once(clock.now())
        if b.lease.held:
            took_over = clock.now()
        clock.advance(STEP)
        assert clock.now() - died_at <= 3 * STEP
    assert took_over - died_at <= 2 * STEP
    assert firing(b.store) == ["DeepSeekHighErrorRate"]  # state carried over
    a.engine.close()
    b.engine.close()
    assert len(webhook_receiver.alerts("firing")) == 1  # b did not send it again


def test_graceful_stop_releases_the_lease_for_an_immediate_takeover(pair: Any) -> None:
    a, b, clock = pair
    a.evaluate_once(clock.now())
    assert not b.evaluate_once(clock.now())  # a leads
    a.stop()
    assert b.evaluate_once(clock.now() + timedelta(seconds=1))  # no waiting for expiry
    assert b.lease.held
