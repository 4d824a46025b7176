"""The engine over a real SQLite store: window boundaries, persisted state across a
restart, events written once, Alertmanager re-send cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentinel.models import CallRecord, Conversation
from sentinel.rules.engine import RuleEngine, load_active
from sentinel.rules.metrics import MetricReader
from sentinel.rules.model import Group
from sentinel.rules.notifiers import Notification, StoreNotifier
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 1, tzinfo=UTC)
GROUP = Group.model_validate(
    {
        "name": "g",
        "interval": "15s",
        "rules": [
            {
                "alert": "HighErrors",
                "metric": "error_rate",
                "window": "1m",
                "op": ">",
                "threshold": 0.05,
                "for": "1m",
            }
        ],
    }
)


def calls(start: datetime, seconds: int, error_every: int = 0, model: str = "m") -> list:
    return [
        CallRecord(
            request_id=f"{model}-{start.timestamp()}-{i}",
            timestamp=start + timedelta(seconds=i),
            model=model,
            outcome="failure" if error_every and i % error_every == 0 else "success",
            duration_ms=float(i),
        )
        for i in range(seconds)
    ]


class Recorder:
    """A notifier that keeps what it was given (the engine's output, nothing faked)."""

    def __init__(self) -> None:
        self.got: list[Notification] = []

    def notify(self, notification: Notification) -> None:
        self.got.append(notification)

    def close(self, timeout: float = 10.0) -> None:
        pass


def test_window_is_open_at_start_and_closed_at_end(sqlite_store: SQLiteStore) -> None:
    t = T0 + timedelta(minutes=5)
    sqlite_store.write_records(
        [
            CallRecord(request_id="edge-start", timestamp=t - timedelta(minutes=1), model="m",
                       outcome="failure"),
            CallRecord(request_id="inside", timestamp=t - timedelta(seconds=30), model="m"),
            CallRecord(request_id="edge-end", timestamp=t, model="m", outcome="failure"),
        ]
    )  # fmt: skip
    samples = MetricReader(sqlite_store, t, timedelta(hours=72)).samples(GROUP.rules[0])
    assert [(s.value, s.count) for s in samples] == [(0.5, 2)]


def test_overdue_metric_counts_only_time_past_the_deadline(sqlite_store: SQLiteStore) -> None:
    rule = GROUP.rules[0].model_copy(update={"metric": "unanonymized_overdue"})
    reader = MetricReader(sqlite_store, T0, timedelta(hours=1))
    assert [s.value for s in reader.samples(rule)] == [0.0]
    sqlite_store.write_records(
        [Conversation(request_id="c", timestamp=T0 - timedelta(minutes=90), model="m",
                      messages=[{"role": "user", "content": "x"}])]
    )  # fmt: skip
    reader = MetricReader(sqlite_store, T0, timedelta(hours=1))
    assert [s.value for s in reader.samples(rule)] == [1800.0]


def test_restart_keeps_pending_timer_and_does_not_resend(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    store.setup()
    store.write_records(calls(T0 - timedelta(minutes=1), 600, error_every=10))
    rec = Recorder()
    engine = RuleEngine(store, [StoreNotifier(store), rec], anonymize_within=timedelta(hours=72))
    for k in range(3):  # pending at 0s, still pending at 30s
        engine.evaluate_group(GROUP, T0 + k * timedelta(seconds=15))
    store.close()

    store = SQLiteStore(path)  # "restart": new store connection, new engine
    rec2 = Recorder()
    engine = RuleEngine(store, [StoreNotifier(store), rec2], anonymize_within=timedelta(hours=72))
    assert engine.evaluate_group(GROUP, T0 + timedelta(seconds=30)) is None  # already done
    states = []
    for k in range(3, 12):
        result = engine.evaluate_group(GROUP, T0 + k * timedelta(seconds=15))
        assert result is not None
        states.append(result.active[0].state)
    assert states[:1] == ["pending"] and states[1] == "firing"  # fired at exactly 60s
    assert [i.active_at for i in load_active(store)] == [T0]
    events = store.list_alert_events()
    assert sorted(e.state for e in events) == ["firing", "pending"]  # each once
    # Alertmanager re-send cadence: at 60s (firing), then every minute.
    resent = [n.at - T0 for n in rec2.got if n.firing]
    assert resent == [timedelta(seconds=60), timedelta(seconds=120)]
    assert rec2.got[1].valid_until == T0 + timedelta(seconds=60) + 4 * timedelta(minutes=1)
    store.close()


def test_rules_removed_from_config_drop_their_state(sqlite_store: SQLiteStore) -> None:
    sqlite_store.write_records(calls(T0 - timedelta(minutes=1), 60, error_every=2))
    engine = RuleEngine(sqlite_store, [], anonymize_within=timedelta(hours=72))
    engine.evaluate_group(GROUP, T0)
    assert len(load_active(sqlite_store, "g")) == 1
    renamed = GROUP.model_copy(
        update={"rules": [GROUP.rules[0].model_copy(update={"alert": "Other"})]}
    )
    engine.evaluate_group(renamed, T0 + timedelta(seconds=15))
    assert [i.alertname for i in load_active(sqlite_store, "g")] == ["Other"]
