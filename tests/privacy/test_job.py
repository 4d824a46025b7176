"""The anonymization job on the real SQLite store with a FakeClock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import Conversation, subject_key_for
from sentinel.privacy.job import OLDEST_RAW_AGE, run_once
from sentinel.privacy.redactor import Redactor
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(anonymize_within="72h", anonymize_interval="5m")


def conversation(request_id: str, age_hours: float, subject: str = "user-42") -> Conversation:
    return Conversation(
        request_id=request_id,
        timestamp=NOW - timedelta(hours=age_hours),
        model="deepseek-v4-flash",
        messages=[
            {"role": "system", "content": "You are a support bot for DeepSeek."},
            {"role": "user", "name": "mary_j", "content": "I'm Mary Johnson, mary@example.com"},
            {"role": "user", "content": [{"type": "text", "text": "我是张伟，手机13800138000"}]},
        ],
        completion="Thanks Mary Johnson, we will write to mary@example.com.",
        subject_id=subject,
        subject_key=subject_key_for(subject, b"k"),
    )


def seed(store: Store, ages: dict[str, float]) -> None:
    store.write_records([conversation(rid, age) for rid, age in ages.items()])


def test_deadline_ages(sqlite_store: SQLiteStore, redactor: Redactor) -> None:
    seed(sqlite_store, {"h10": 10, "h70": 70, "h71_5": 71.5, "h80": 80})
    report = run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor)

    assert report.cutoff == NOW - timedelta(hours=70, minutes=55)  # 72h - 5m - 1h margin
    assert report.anonymized == 2
    assert sqlite_store.get_conversation("h80").anonymized_at == NOW
    assert sqlite_store.get_conversation("h71_5").anonymized_at == NOW
    for rid in ("h10", "h70"):  # untouched, byte for byte
        assert sqlite_store.get_conversation(rid) == conversation(rid, float(rid[1:]))
    # nothing is raw past the deadline, nor will be before the next run
    assert sqlite_store.oldest_raw_conversation() == NOW - timedelta(hours=70)
    assert report.oldest_raw_age == timedelta(hours=70)
    assert OLDEST_RAW_AGE._value.get() == 70 * 3600


def test_what_anonymized_means(sqlite_store: SQLiteStore, redactor: Redactor) -> None:
    seed(sqlite_store, {"old": 80})
    run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor)
    conv = sqlite_store.get_conversation("old")
    assert conv is not None
    assert conv.subject_id is None
    assert conv.subject_key == subject_key_for("user-42", b"k")
    assert conv.messages[0]["content"] == "You are a support bot for DeepSeek."
    assert conv.messages[1] == {
        "role": "user",
        "name": "<PERSON_3>",
        "content": "I'm <PERSON_1>, <EMAIL_ADDRESS_1>",
    }
    assert conv.messages[2]["content"] == [
        {"type": "text", "text": "我是<PERSON_2>，手机<PHONE_NUMBER_1>"}
    ]
    # same value, same placeholder across messages and completion
    assert conv.completion == "Thanks <PERSON_1>, we will write to <EMAIL_ADDRESS_1>."
    assert conv.pii_summary == {"PERSON": 4, "EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1}
    dumped = conv.model_dump_json()
    for raw in ("Mary", "mary@example.com", "张伟", "13800138000", "user-42", "mary_j"):
        assert raw not in dumped


def test_batched_and_idempotent(sqlite_store: SQLiteStore, redactor: Redactor) -> None:
    seed(sqlite_store, {f"c{i}": 73 + i for i in range(7)})
    report = run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor, batch_size=3)
    assert (report.anonymized, report.batches) == (7, 3)
    assert report.entities["EMAIL_ADDRESS"] == 14
    before = [sqlite_store.get_conversation(f"c{i}") for i in range(7)]
    again = run_once(sqlite_store, SETTINGS, FakeClock(NOW + timedelta(minutes=5)), redactor)
    assert (again.anonymized, again.batches) == (0, 0)
    assert [sqlite_store.get_conversation(f"c{i}") for i in range(7)] == before


class CrashingStore:
    """The real store, but the process "dies" during the n-th save_anonymized call,
    after the store committed a part of the batch."""

    def __init__(self, inner: SQLiteStore, crash_on_call: int) -> None:
        self.inner = inner
        self.calls = 0
        self.crash_on_call = crash_on_call

    def __getattr__(self, name: str):  # everything else goes to the real store
        return getattr(self.inner, name)

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        self.calls += 1
        if self.calls == self.crash_on_call:
            self.inner.save_anonymized(conversations[:1])
            raise KeyboardInterrupt("killed mid-batch")
        return self.inner.save_anonymized(conversations)


def test_kill_mid_batch_leaves_nothing_half_done_and_resumes(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    ages = {f"c{i}": 75 + i for i in range(6)}
    seed(sqlite_store, ages)
    with pytest.raises(KeyboardInterrupt):
        run_once(CrashingStore(sqlite_store, 2), SETTINGS, FakeClock(NOW), redactor, batch_size=2)
    states = {rid: sqlite_store.get_conversation(rid) for rid in ages}
    raw = [rid for rid, c in states.items() if c.anonymized_at is None]
    assert len(raw) == 3  # 2 from batch one, 1 of batch two were saved
    for rid, conv in states.items():
        if conv.anonymized_at is None:
            assert conv == conversation(rid, ages[rid])  # raw means fully raw
        else:
            assert conv.subject_id is None and "Mary" not in conv.model_dump_json()
    report = run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor)
    assert report.anonymized == 3
    assert sqlite_store.oldest_raw_conversation() is None


class RacingStore:
    """Before this job saves its first batch, a second job runs to completion."""

    def __init__(self, inner: SQLiteStore, other: Store, redactor: Redactor) -> None:
        self.inner, self.other, self.redactor = inner, other, redactor
        self.raced = False

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        if not self.raced:
            self.raced = True
            second = run_once(self.other, SETTINGS, FakeClock(NOW), self.redactor)
            assert second.anonymized == 4
        return self.inner.save_anonymized(conversations)


def test_second_concurrent_job_wins_cleanly(
    sqlite_store: SQLiteStore, redactor: Redactor, tmp_path
) -> None:
    seed(sqlite_store, {f"c{i}": 75 + i for i in range(4)})
    other = SQLiteStore(tmp_path / "sentinel.db")  # a second connection, as a second process
    try:
        report = run_once(
            RacingStore(sqlite_store, other, redactor), SETTINGS, FakeClock(NOW), redactor
        )
    finally:
        other.close()
    assert (report.anonymized, report.lost_races) == (0, 4)
    assert sqlite_store.oldest_raw_conversation() is None
    assert all(sqlite_store.get_conversation(f"c{i}").pii_summary for i in range(4))


def test_one_info_line_only_when_a_run_did_something(
    sqlite_store: SQLiteStore, redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    """A run every 5 minutes that finds nothing says nothing: its lines would bury the
    ones that count."""
    seed(sqlite_store, {"young": 1})
    with caplog.at_level("INFO", logger="sentinel.privacy"):
        run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor)
        assert [r for r in caplog.records if r.levelname == "INFO"] == []
        seed(sqlite_store, {"old": 80})
        run_once(sqlite_store, SETTINGS, FakeClock(NOW), redactor)
    lines = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    assert len(lines) == 1 and lines[0].startswith("anonymized 1 conversations"), lines
