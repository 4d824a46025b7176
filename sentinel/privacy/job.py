"""The anonymization job: redact every conversation before it turns
SENTINEL_ANONYMIZE_WITHIN old (DESIGN.md, "What anonymized means").

`run_once` is what `sentinel anonymize --once` and the daemon's scheduler call. It is
* batched: one batched redaction pass per batch of conversations;
* crash-safe and resumable: each conversation is replaced atomically by
  `store.save_anonymized`, so a kill leaves every conversation raw (and picked up by the
  next run) or fully anonymized, never half;
* idempotent and safe next to a second job: the store only replaces conversations that
  are still raw, so the loser of a race simply counts fewer replacements.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import Gauge

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.config import Settings
from sentinel.privacy.deadline import DEFAULT_MARGIN, anonymize_cutoff, oldest_raw_age
from sentinel.records.models import Conversation
from sentinel.store.base import Store

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

log = logging.getLogger(__name__)

OLDEST_RAW_AGE = Gauge(
    "sentinel_unanonymized_oldest_age_seconds",
    "Age of the oldest conversation not yet anonymized (0 when none)",
)


@dataclass
class AnonymizeReport:
    cutoff: datetime
    anonymized: int = 0
    lost_races: int = 0  # picked up here but replaced or erased by someone else first
    cache_purged: int = 0  # cached responses (raw content) deleted before the deadline
    batches: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    oldest_raw_age: timedelta = timedelta(0)


@functools.cache
def default_redactor() -> Redactor:
    """One Redactor per process: loading the model takes seconds, runs take many."""
    from sentinel.privacy.redactor import Redactor

    return Redactor()


def _texts(conv: Conversation) -> list[str]:
    """The free-text fields of a conversation, in the order `_rebuild` consumes them."""
    out = []
    for message in conv.messages:
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out += [p["text"] for p in content if isinstance(p, dict) and "text" in p]
    if conv.completion is not None:
        out.append(conv.completion)
    return out


def anonymize_conversations(
    convs: Sequence[Conversation], redactor: Redactor, now: datetime
) -> list[Conversation]:
    """Anonymized copies: PII replaced with placeholders numbered per conversation, raw
    subject id dropped (subject_key kept), anonymized_at and pii_summary stamped."""
    from sentinel.privacy.redactor import Placeholders, apply

    per_conv = [_texts(c) for c in convs]
    findings = iter(redactor.analyze_many([t for texts in per_conv for t in texts]))
    out = []
    for conv, texts in zip(convs, per_conv, strict=True):
        placeholders = Placeholders()
        summary: Counter[str] = Counter()

        redacted_texts = []
        for text in texts:
            entities = next(findings)
            summary.update(e.type for e in entities)
            redacted_texts.append(apply(text, entities, placeholders))
        redacted = iter(redacted_texts)
        messages = []
        for message in conv.messages:
            m: dict[str, Any] = dict(message)
            if isinstance(m.get("content"), str):
                m["content"] = next(redacted)
            elif isinstance(m.get("content"), list):
                m["content"] = [
                    {**p, "text": next(redacted)} if isinstance(p, dict) and "text" in p else p
                    for p in m["content"]
                ]
            if isinstance(m.get("name"), str):  # a participant's name is a name
                m["name"] = placeholders.for_value("PERSON", m["name"])
                summary["PERSON"] += 1
            messages.append(m)
        completion = next(redacted) if conv.completion is not None else None
        out.append(
            conv.model_copy(
                update={
                    "messages": messages,
                    "completion": completion,
                    "subject_id": None,
                    "anonymized_at": now,
                    "pii_summary": dict(summary),
                }
            )
        )
    return out


def run_once(
    store: Store,
    settings: Settings,
    clock: Clock = SYSTEM_CLOCK,
    redactor: Redactor | None = None,
    *,
    batch_size: int = 200,
    margin: timedelta = DEFAULT_MARGIN,
) -> AnonymizeReport:
    """Anonymize every raw conversation that could otherwise turn overdue before the
    next run; returns counts (never content)."""
    now = clock.now()
    cutoff = anonymize_cutoff(now, settings.anonymize_within, settings.anonymize_interval, margin)
    report = AnonymizeReport(cutoff=cutoff)
    # Cached responses hold raw content too: deleted (a redacted answer is no use to
    # replay) by the same cutoff, expired ones with them; first, as it needs no redactor.
    report.cache_purged = store.cache_purge(cutoff, now)
    seen: set[str] = set()
    while True:
        batch = store.raw_conversations(cutoff, batch_size)
        fresh = [c for c in batch if c.request_id not in seen]
        if not fresh:  # nothing left, or only ones the store keeps refusing
            break
        seen.update(c.request_id for c in fresh)
        anonymized = anonymize_conversations(fresh, redactor or default_redactor(), clock.now())
        replaced = store.save_anonymized(anonymized)
        store.refresh()  # so the next query (Elasticsearch is near-real-time) sees them
        report.batches += 1
        report.anonymized += replaced
        report.lost_races += len(anonymized) - replaced
        for conv in anonymized:
            report.entities.update(conv.pii_summary)
        if len(batch) < batch_size:
            break
    report.oldest_raw_age = oldest_raw_age(store.oldest_raw_conversation(), clock.now())
    OLDEST_RAW_AGE.set(report.oldest_raw_age.total_seconds())
    log.info(
        "anonymized %d conversations in %d batches (cutoff %s, lost races %d),"
        " purged %d cached responses",
        report.anonymized,
        report.batches,
        cutoff.isoformat(),
        report.lost_races,
        report.cache_purged,
    )
    return report
