"""Records of two subjects for the compliance tests, so every test can check "all of
one, none of the other". A plain module (not conftest) so tests import it by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.config import Settings
from sentinel.models import (
    AlertEvent,
    CallRecord,
    Conversation,
    Feedback,
    Record,
    subject_key_for,
)
from sentinel.store.base import Store

SUBJECT = "victim-7f3a.subject@example.org"
OTHER = "bystander-2b91"
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def key_of(subject_id: str) -> str:
    return subject_key_for(subject_id, Settings().subject_secret_bytes())


def records_for(
    subject_id: str, n: int, *, prefix: str | None = None, anonymized_every: int = 3
) -> list[Record]:
    """n calls of one subject: each a call record, a conversation (every
    `anonymized_every`-th already anonymized: raw id gone, key kept) and feedback."""
    key = key_of(subject_id)
    prefix = prefix or subject_id
    out: list[Record] = []
    for i in range(n):
        rid = f"{prefix}-{i:06d}"
        ts = T0 + timedelta(seconds=i)
        anonymized = anonymized_every and i % anonymized_every == 0
        out.append(CallRecord(request_id=rid, timestamp=ts, model="deepseek-v4-flash",
                              subject_key=key, cached=i % 5 == 0))  # fmt: skip
        out.append(
            Conversation(
                request_id=rid, timestamp=ts, model="deepseek-v4-flash",
                messages=[{"role": "user", "content": f"hello, I am {subject_id}, call {i}"}],
                completion=f"Hi {subject_id}!" if not anonymized else "Hi <PERSON_1>!",
                subject_id=None if anonymized else subject_id, subject_key=key,
                anonymized_at=ts if anonymized else None,
            )
        )  # fmt: skip
        out.append(
            Feedback(request_id=rid, timestamp=ts, score=0.5, satisfied=True, subject_key=key)
        )
    return out


def alert_for(subject_id: str, alert_id: str) -> AlertEvent:
    return AlertEvent(
        id=alert_id, alertname="AbusiveSubject", fingerprint=alert_id, state="firing",
        labels={"subject_key": key_of(subject_id)},
        annotations={"summary": "too many calls"}, timestamp=T0,
    )  # fmt: skip


def write_all(store: Store, records: list[Record], batch: int = 1000) -> None:
    for i in range(0, len(records), batch):
        store.write_records(records[i : i + batch])
    store.refresh()
