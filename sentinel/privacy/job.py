"""The anonymization job: redact every conversation before it turns
SENTINEL_ANONYMIZE_WITHIN old (docs/architecture.md, "The public contract").

`run_once` is what `sentinel anonymize --once` and the daemon's scheduler call. It is
* batched: one batched redaction pass per batch of conversations;
* crash-safe and resumable: each conversation is replaced atomically by
  `store.save_anonymized`, so a kill leaves every conversation raw (and picked up by the
  next run) or fully anonymized, never half;
* idempotent and safe next to a second job: the store only replaces conversations that
  are still raw, so the loser of a race simply counts fewer replacements;
* never blocked by one conversation: a batch that fails is redone one conversation at a
  time, a conversation that fails is recorded (`failures`) and retried at later runs
  with backoff while the others go on, and one that keeps failing is fully masked
  (every text a placeholder) before its deadline. Conversations over LARGE_CHARS of
  text are done after every small one of the run, one at a time, so a multi-megabyte
  conversation delays nobody.
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
from sentinel.models import Conversation
from sentinel.privacy import failures
from sentinel.privacy.deadline import (
    DEFAULT_MARGIN,
    anonymize_cutoff,
    must_mask_now,
    oldest_raw_age,
    retry_at,
)
from sentinel.privacy.walk import KEPT_KEYS, transform
from sentinel.store.base import Store

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

log = logging.getLogger(__name__)

OLDEST_RAW_AGE = Gauge(
    "sentinel_unanonymized_oldest_age_seconds",
    "Age of the oldest conversation not yet anonymized (0 when none)",
)
# Text size above which a conversation is redacted on its own, after the small ones.
LARGE_CHARS = 200_000
# What every text of a conversation becomes when it is masked instead of redacted.
MASK = "<REDACTED>"


@dataclass
class AnonymizeReport:
    cutoff: datetime
    anonymized: int = 0
    lost_races: int = 0  # picked up here but replaced or erased by someone else first
    cache_purged: int = 0  # cached responses (raw content) deleted before the deadline
    batches: int = 0
    failed: int = 0  # conversations whose redaction failed at this run (retried later)
    masked: int = 0  # conversations fully masked after failing (deadline kept)
    waiting: int = 0  # failed earlier, left raw until their retry time
    entities: Counter[str] = field(default_factory=Counter)
    oldest_raw_age: timedelta = timedelta(0)
    any_raw: bool = False  # a zero age is also a conversation written just now


@functools.cache
def default_redactor() -> Redactor:
    """One Redactor per process: loading the model takes seconds, runs take many."""
    from sentinel.privacy.redactor import Redactor

    return Redactor()


def _document(conv: Conversation) -> dict[str, Any]:
    return conv.model_dump(mode="json")


def _texts(doc: dict[str, Any]) -> list[str]:
    """Every free-text string of a stored conversation, in walk order."""
    out: list[str] = []
    transform(doc, lambda t: out.append(t) or t, lambda n: n)
    return out


def text_size(conv: Conversation) -> int:
    """Characters of free text the conversation holds."""
    return sum(map(len, _texts(_document(conv))))


def _is_small(conv: Conversation) -> bool:
    """Whether it goes into a batch; one the walk cannot even measure goes alone, where
    its failure is isolated and recorded like any other."""
    try:
        return text_size(conv) <= LARGE_CHARS
    except Exception:
        return False


def _anonymized(conv: Conversation, doc: dict[str, Any], now: datetime, summary: Any) -> Any:
    return Conversation.model_validate(
        {**doc, "subject_id": None, "anonymized_at": now, "pii_summary": dict(summary)}
    )


def anonymize_conversations(
    convs: Sequence[Conversation], redactor: Redactor, now: datetime
) -> list[Conversation]:
    """Anonymized copies: PII in every text (`walk`) replaced with placeholders numbered
    per conversation, raw subject id dropped (subject_key kept), anonymized_at and
    pii_summary stamped."""
    from sentinel.privacy.redactor import Placeholders, apply

    docs = [_document(c) for c in convs]
    per_conv = [_texts(d) for d in docs]
    findings = iter(redactor.analyze_many([t for texts in per_conv for t in texts]))
    out = []
    for conv, doc, texts in zip(convs, docs, per_conv, strict=True):
        placeholders = Placeholders()
        summary: Counter[str] = Counter()
        redacted = []
        for text in texts:  # content first, in reading order: <PERSON_1> is the first
            entities = next(findings)
            summary.update(e.type for e in entities)
            redacted.append(apply(text, entities, placeholders))
        pending = iter(redacted)

        def name(value: str, p: Placeholders = placeholders, s: Counter[str] = summary) -> str:
            s["PERSON"] += 1  # a participant's name is a name
            return p.for_value("PERSON", value)

        redact = functools.partial(lambda it, _: next(it), pending)
        out.append(_anonymized(conv, transform(doc, redact, name), now, summary))
    return out


def mask_conversation(conv: Conversation, now: datetime) -> Conversation:
    """A fully masked copy: every text and name replaced by MASK (keys, roles and ids
    kept). What a conversation that cannot be redacted becomes before its deadline."""
    count = 0

    def mask(value: str) -> str:
        nonlocal count
        count += bool(value)
        return MASK if value else value

    try:
        doc = transform(_document(conv), mask, mask)
    except Exception:  # a document even the walk cannot take: keep nothing of its text
        kept = {k: v for k, v in _document(conv).items() if k in KEPT_KEYS}
        doc = {**kept, "messages": [{"role": "user", "content": MASK}], "completion": MASK}
    return _anonymized(conv, doc, now, {"MASKED": count})


class _Run:
    """One run's state: what it did, and which conversations it leaves raw for now."""

    def __init__(
        self, store: Store, settings: Settings, clock: Clock, redactor: Redactor | None,
        margin: timedelta, report: AnonymizeReport,
    ) -> None:  # fmt: skip
        self.store, self.settings, self.clock = store, settings, clock
        self._redactor, self.margin, self.report = redactor, margin, report
        self.failures = failures.load(store)
        self.passed: set[str] = set()  # handled (or deliberately left raw) by this run
        self.held: set[str] = set()  # of those, the ones still raw in the store

    @property
    def redactor(self) -> Redactor:
        return self._redactor or default_redactor()

    def deadline(self, conv: Conversation) -> datetime:
        return conv.timestamp + self.settings.anonymize_within

    def due(self, conv: Conversation, now: datetime) -> bool:
        """Not waiting for a retry; masks now the ones whose wait would be too long."""
        failure = self.failures.get(conv.request_id)
        if failure is None or failure.retry_at is None or failure.retry_at <= now:
            return True
        if must_mask_now(now, self.deadline(conv), self.settings.anonymize_interval, self.margin):
            self.save([mask_conversation(conv, now)], masked=True)
            return False
        self.report.waiting += 1
        self.held.add(conv.request_id)
        return False

    def process(self, convs: Sequence[Conversation]) -> None:
        """Redact and save; on failure, one conversation at a time, so only the one
        that fails is held back."""
        if not convs:
            return
        try:
            done = anonymize_conversations(convs, self.redactor, self.clock.now())
        except Exception as exc:
            if len(convs) > 1:
                for conv in convs:
                    self.process([conv])
                return
            self.failed(convs[0], exc)
            return
        self.report.batches += 1
        self.save(done)

    def save(self, convs: Sequence[Conversation], masked: bool = False) -> None:
        replaced = self.store.save_anonymized(convs)
        self.store.refresh()  # so the next query (Elasticsearch is near-real-time) sees them
        self.report.anonymized += replaced
        self.report.masked += replaced if masked else 0
        self.report.lost_races += len(convs) - replaced
        if replaced < len(convs):  # which ones is unknown: count them all as still raw
            self.held.update(c.request_id for c in convs)
        for conv in convs:
            self.report.entities.update(conv.pii_summary)
            if conv.request_id in self.failures:
                failures.clear(self.store, conv.request_id)

    def failed(self, conv: Conversation, exc: Exception) -> None:
        now = self.clock.now()
        previous = self.failures.get(conv.request_id)
        attempts = (previous.attempts if previous else 0) + 1
        reason = type(exc).__name__
        retry = retry_at(
            attempts, now, self.deadline(conv), self.settings.anonymize_interval, self.margin
        )
        failure = failures.Failure(conv.request_id, attempts, reason, now, retry)
        failures.record(self.store, failure)
        self.failures[conv.request_id] = failure
        self.report.failed += 1
        log.warning(
            "anonymization of conversation %s failed (%s, attempt %d): %s",
            conv.request_id, reason, attempts,
            f"retry after {retry.isoformat()}" if retry else "masking it",
        )  # fmt: skip
        if retry is None:
            self.save([mask_conversation(conv, now)], masked=True)
        else:
            self.held.add(conv.request_id)

    def forget_stale_failures(self) -> None:
        """Failure entries of conversations anonymized, masked or erased since."""
        for rid in list(self.failures):
            conv = self.store.get_conversation(rid)
            if conv is None or conv.anonymized_at is not None:
                failures.clear(self.store, rid)
                del self.failures[rid]


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
    run = _Run(store, settings, clock, redactor, margin, report)
    run.forget_stale_failures()
    large: list[str] = []  # ids only: a run may meet many huge ones
    while True:
        # Conversations this run left raw come back first (oldest first): ask for as
        # many more, so that held-back ones can never crowd the rest out of a batch.
        limit = batch_size + len(run.held)
        batch = store.raw_conversations(cutoff, limit)
        fresh = [c for c in batch if c.request_id not in run.passed]
        if not fresh:  # nothing left, or only ones this run already handled
            break
        run.passed.update(c.request_id for c in fresh)
        due = [c for c in fresh if run.due(c, clock.now())]
        small_ids = {c.request_id for c in due if _is_small(c)}
        small = [c for c in due if c.request_id in small_ids]
        large += [c.request_id for c in due if c.request_id not in small_ids]
        run.held.update(large)
        run.process(small)
        if len(batch) < limit:
            break
    for rid in large:  # after every small one: a huge conversation delays nobody
        conv = store.get_conversation(rid)
        if conv is not None and conv.anonymized_at is None:
            run.process([conv])
    oldest = store.oldest_raw_conversation()
    report.any_raw = oldest is not None
    report.oldest_raw_age = oldest_raw_age(oldest, clock.now())
    OLDEST_RAW_AGE.set(report.oldest_raw_age.total_seconds())
    if not (report.anonymized or report.failed or report.masked or report.cache_purged):
        return report  # nothing done: no line (one every run would bury the ones that count)
    log.info(
        "anonymized %d conversations in %d batches (cutoff %s, lost races %d, failed %d,"
        " masked %d, waiting for a retry %d), purged %d cached responses",
        report.anonymized,
        report.batches,
        cutoff.isoformat(),
        report.lost_races,
        report.failed,
        report.masked,
        report.waiting,
        report.cache_purged,
    )
    return report
