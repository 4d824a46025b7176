"""No conversation blocks the anonymization job: failures are isolated, recorded and
retried with backoff, a conversation that keeps failing is fully masked before its
deadline, backed-off ones cannot starve the rest, and a huge one waits for the small."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import Conversation, subject_key_for
from sentinel.privacy import failures
from sentinel.privacy.deadline import MAX_ATTEMPTS
from sentinel.privacy.entities import Entity
from sentinel.privacy.job import LARGE_CHARS, MASK, run_once
from sentinel.privacy.redactor import Redactor
from sentinel.rules.metrics import overdue_seconds
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(anonymize_within="72h", anonymize_interval="5m")
POISON = "\u2063poison\u2063"  # what makes the wrapped redactor fail, like an analyzer bug


class FailingRedactor:
    """The real Redactor, except that any batch holding POISON raises, as a bug in a
    recognizer or the model would on some input; counts the texts it was given."""

    def __init__(self, inner: Redactor) -> None:
        self.inner = inner
        self.batches: list[int] = []

    def analyze_many(self, texts: Sequence[str], language: str = "auto") -> list[list[Entity]]:
        self.batches.append(len(texts))
        if any(POISON in t for t in texts):
            raise RuntimeError("analyzer crashed on Mary Johnson's text")  # message has PII
        return self.inner.analyze_many(texts, language)  # type: ignore[arg-type]


def conversation(
    rid: str, age_hours: float, text: str = "I'm Mary Johnson, mary@x.com"
) -> Conversation:
    return Conversation(
        request_id=rid,
        timestamp=NOW - timedelta(hours=age_hours),
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": text}],
        completion="Thanks Mary Johnson.",
        subject_id="user 42",
        subject_key=subject_key_for("user 42", b"k"),
    )


def test_a_failing_conversation_is_recorded_retried_and_blocks_nobody(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    # picked up an hour before their deadline (72h - 5m interval - 1h margin)
    convs = [conversation(f"ok{i}", 71.0 - i * 0.01) for i in range(5)]
    bad = conversation("bad", 71.0, f"{POISON} Mary Johnson")
    sqlite_store.write_records([bad, *convs])
    failing = FailingRedactor(redactor)
    report = run_once(sqlite_store, SETTINGS, FakeClock(NOW), failing)  # type: ignore[arg-type]

    assert (report.anonymized, report.failed, report.masked) == (5, 1, 0)
    assert all(sqlite_store.get_conversation(c.request_id).anonymized_at for c in convs)
    assert sqlite_store.get_conversation("bad") == bad  # raw, untouched
    failure = failures.load(sqlite_store)["bad"]
    assert failure.attempts == 1 and failure.reason == "RuntimeError"
    assert failure.retry_at == NOW + timedelta(minutes=1)
    assert "Mary" not in str(sqlite_store.list_state(failures.PREFIX))  # reason: type only

    # before its retry time the next run leaves it alone (and asks the redactor nothing)
    failing.batches.clear()
    early = run_once(sqlite_store, SETTINGS, FakeClock(NOW + timedelta(seconds=30)), failing)  # type: ignore[arg-type]
    assert (early.waiting, early.failed, failing.batches) == (1, 0, [])
    # after it, it is tried again and the backoff doubles
    later = NOW + timedelta(minutes=5)
    retried = run_once(sqlite_store, SETTINGS, FakeClock(later), failing)  # type: ignore[arg-type]
    assert retried.failed == 1
    assert failures.load(sqlite_store)["bad"].retry_at == later + timedelta(minutes=2)


def test_a_conversation_that_keeps_failing_is_masked_before_its_deadline(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    bad = conversation("bad", 70.95, f"{POISON} I'm Mary Johnson, mary@x.com")
    sqlite_store.write_records([bad])
    deadline = bad.timestamp + SETTINGS.anonymize_within
    failing = FailingRedactor(redactor)
    now, runs, attempts = NOW, 0, 0
    while sqlite_store.get_conversation("bad").anonymized_at is None:
        run_once(sqlite_store, SETTINGS, FakeClock(now), failing)  # type: ignore[arg-type]
        runs += 1
        if "bad" in (recorded := failures.load(sqlite_store)):
            attempts = recorded["bad"].attempts
        assert (
            overdue_seconds(sqlite_store.oldest_raw_conversation(), now, SETTINGS.anonymize_within)
            == 0
        )
        now += SETTINGS.anonymize_interval
        assert runs <= 20
    masked = sqlite_store.get_conversation("bad")
    assert masked.anonymized_at is not None and masked.anonymized_at < deadline
    assert 1 < attempts < MAX_ATTEMPTS  # retried with backoff, then masked in time
    assert masked.messages == [{"role": "user", "content": MASK}]
    assert masked.completion == MASK and masked.subject_id is None
    assert masked.subject_key == bad.subject_key and masked.pii_summary == {"MASKED": 2}
    assert failures.load(sqlite_store) == {}  # the failure record goes with it


def test_an_overdue_failing_conversation_is_masked_at_once_and_counted_until_then(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    bad = conversation("late", 75, f"{POISON} Mary Johnson")  # the job was down for hours
    sqlite_store.write_records([bad])
    assert (
        overdue_seconds(sqlite_store.oldest_raw_conversation(), NOW, SETTINGS.anonymize_within)
        == 3 * 3600
    )
    report = run_once(sqlite_store, SETTINGS, FakeClock(NOW), FailingRedactor(redactor))  # type: ignore[arg-type]
    assert (report.failed, report.masked) == (1, 1)
    assert sqlite_store.oldest_raw_conversation() is None
    assert "Mary" not in sqlite_store.get_conversation("late").model_dump_json()


def test_backed_off_conversations_cannot_starve_the_rest(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    poisoned = [conversation(f"bad{i}", 71.0 + i * 0.01, f"{POISON} x") for i in range(4)]
    good = [conversation(f"ok{i}", 70.95 - i * 0.01) for i in range(3)]
    sqlite_store.write_records(poisoned)
    failing = FailingRedactor(redactor)
    run_once(sqlite_store, SETTINGS, FakeClock(NOW), failing, batch_size=2)  # type: ignore[arg-type]
    sqlite_store.write_records(good)  # newer arrivals, behind four waiting ones
    report = run_once(
        sqlite_store, SETTINGS, FakeClock(NOW + timedelta(seconds=10)), failing, batch_size=2
    )  # type: ignore[arg-type]
    assert (report.anonymized, report.waiting) == (3, 4)
    assert all(sqlite_store.get_conversation(c.request_id).anonymized_at for c in good)


class SaveOrder:
    """The real store, recording which conversations each save replaced, and when."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.saves: list[tuple[float, list[str]]] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        self.saves.append((time.perf_counter(), [c.request_id for c in conversations]))
        return self.inner.save_anonymized(conversations)


def test_a_2mb_conversation_among_small_ones_delays_none_of_them(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    filler = "the parcel was shipped on time and arrived in good order. "
    huge = (filler * (2_000_000 // len(filler)))[: 2_000_000 - 40] + " Mary Johnson, mary@x.com"
    assert len(huge) > LARGE_CHARS
    small = [conversation(f"s{i}", 71.0 + i * 0.01) for i in range(30)]
    big = conversation("big", 71.9, huge)  # the oldest: first in the store's order
    sqlite_store.write_records([big, *small])
    spy = SaveOrder(sqlite_store)
    start = time.perf_counter()
    report = run_once(spy, SETTINGS, FakeClock(NOW), redactor, batch_size=10)  # type: ignore[arg-type]
    end = time.perf_counter()

    assert report.anonymized == 31 and report.failed == 0
    order = [rid for _, ids in spy.saves for rid in ids]
    assert order[-1] == "big" and sorted(order[:-1]) == sorted(c.request_id for c in small)
    small_done = spy.saves[-2][0] - start
    assert small_done < (end - start) / 2  # the small ones did not wait for the big one
    done = sqlite_store.get_conversation("big")
    assert done.messages[0]["content"].endswith("<PERSON_1>, <EMAIL_ADDRESS_1>")


def test_a_store_that_is_down_stops_anonymize_once_without_a_traceback() -> None:
    import socket

    from typer.testing import CliRunner

    from sentinel.cli import app

    with socket.socket() as s:  # a loopback port nothing listens on any more
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(app, ["anonymize", "--once", "--store", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert "anonymization stopped" in result.output and "Traceback" not in result.output
