"""`sentinel doctor`'s tombstone check: erasure tombstones that can go (their cut-off is
older than SENTINEL_TOMBSTONE_RETENTION, so no spool can still hold a record from
before it), tombstones still without a cut-off, and erasures left half done."""

from __future__ import annotations

from datetime import UTC, datetime

from sentinel.config import Settings
from sentinel.doctor_check import Check
from sentinel.durations import format_duration
from sentinel.records.tombstones import list_tombstones, removable

SHOWN = 10  # subject keys listed per finding (16 hex characters each)


def _keys(keys: list[str]) -> str:
    more = f" +{len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return ", ".join(k[:16] for k in keys[:SHOWN]) + more


def check_tombstones(settings: Settings, now: datetime | None = None) -> Check:
    from sentinel.store import open_store

    try:
        store = open_store(settings=settings)
        try:
            tombstones = list_tombstones(store)
        finally:
            store.close()
    except Exception as exc:  # the store check says why
        return Check("tombstones", "skip", f"store unavailable ({type(exc).__name__})")
    retention = settings.tombstone_retention
    old = removable(tombstones, now or datetime.now(UTC), retention)
    legacy = [t.subject_key for t in tombstones if t.legacy]
    erasing = [t.subject_key for t in tombstones if t.erasing]
    detail = f"{len(tombstones)} tombstone(s)"
    findings, fixes = [], []
    if old:
        findings.append(
            f"{len(old)} older than {format_duration(retention)} "
            f"(SENTINEL_TOMBSTONE_RETENTION), removable: {_keys([t.subject_key for t in old])}"
        )
        fixes.append("`sentinel gdpr tombstones prune` removes them")
    if legacy:
        findings.append(f"{len(legacy)} without a cut-off (hide returning subjects): "
                        f"{_keys(legacy)}")  # fmt: skip
        fixes.append("`sentinel gdpr tombstones migrate` sets their cut-off")
    if erasing:
        findings.append(f"{len(erasing)} of an unfinished erasure: {_keys(erasing)}")
        fixes.append("`sentinel gdpr resume` (or `sentinel serve`) finishes them")
    if not findings:
        return Check("tombstones", "ok", f"{detail}, none older than {format_duration(retention)}")
    return Check("tombstones", "warn", f"{detail}; " + "; ".join(findings), "; ".join(fixes))
