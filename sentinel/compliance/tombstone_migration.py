"""Giving tombstones written before cut-offs existed the time of their erasure, from the
audit log (`sentinel gdpr tombstones migrate`), and removing tombstones that no longer
protect anything (`prune`).

An old tombstone drops every record of its subject forever. Its cut-off becomes the
time of the subject's last completed erasure in the audit log (the moment the
erasure had removed everything, which is what a cut-off means for erasures made now:
see `sentinel.records.tombstones`) plus the configured clock skew allowance. A
tombstone whose subject has an erasure requested after the last completion is left
alone: that erasure is unfinished and closes the tombstone itself when it resumes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.compliance.audit import AuditLog
from sentinel.models import AuditEntry
from sentinel.records.tombstones import (
    TombstoneInfo,
    close_tombstone,
    list_tombstones,
    removable,
    tombstone_key,
)
from sentinel.store.base import Store

MIGRATED_ACTION = "tombstone.migrated"


@dataclass(frozen=True)
class Migrated:
    subject_key: str
    cut_off: str | None  # None: left unchanged, see `reason`
    reason: str


def last_erasures(entries: Iterable[AuditEntry]) -> dict[str, dict[str, AuditEntry]]:
    """subject_key -> {"erasure.requested": newest entry, "erasure.completed": newest}."""
    out: dict[str, dict[str, AuditEntry]] = {}
    for entry in entries:
        if entry.subject_key and entry.action in ("erasure.requested", "erasure.completed"):
            out.setdefault(entry.subject_key, {})[entry.action] = entry
    return out


def migrate(store: Store, audit: AuditLog, actor: str, clock_skew: timedelta) -> list[Migrated]:
    """Set the cut-off of every tombstone that has none; each one set is audited."""
    legacy = [t for t in list_tombstones(store) if t.legacy]
    if not legacy:
        return []
    erasures = last_erasures(audit.entries())
    results = []
    for tombstone in legacy:
        found = erasures.get(tombstone.subject_key, {})
        done, asked = found.get("erasure.completed"), found.get("erasure.requested")
        if done is None:
            reason = "erasure unfinished" if asked else "no erasure of the subject in the audit"
            results.append(Migrated(tombstone.subject_key, None, reason))
            continue
        if asked is not None and asked.seq > done.seq:
            results.append(Migrated(tombstone.subject_key, None, "a later erasure is unfinished"))
            continue
        value = close_tombstone(
            store, tombstone.subject_key, done.timestamp, clock_skew,
            migrated_from={"audit_seq": done.seq, "action": done.action},
        )  # fmt: skip
        audit.append(
            actor, MIGRATED_ACTION, subject_key=tombstone.subject_key,
            details={"cut_off": value["cut_off"], "audit_seq": done.seq},
        )  # fmt: skip
        results.append(Migrated(tombstone.subject_key, value["cut_off"], "erasure.completed"))
    return results


def prune(
    store: Store, audit: AuditLog, actor: str, now: datetime, retention: timedelta
) -> list[TombstoneInfo]:
    """Delete closed tombstones whose cut-off is older than `retention`; audited."""
    gone = removable(list_tombstones(store), now, retention)
    for tombstone in gone:
        store.delete_state(tombstone_key(tombstone.subject_key))
        audit.append(
            actor, "tombstone.removed", subject_key=tombstone.subject_key,
            details={"cut_off": tombstone.value.get("cut_off")},
        )  # fmt: skip
    return gone
