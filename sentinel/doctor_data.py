"""`sentinel doctor` checks of the data promises: the anonymization deadline (with the
conversations whose anonymization keeps failing, counted until they are masked) and
the retention of call records. Both read the store, so a store that cannot be opened
skips them (the store check already says why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.config import Settings
from sentinel.doctor_check import Check
from sentinel.durations import format_duration


def check_anonymization(settings: Settings, now: datetime | None = None) -> Check:
    """No raw conversation older than SENTINEL_ANONYMIZE_WITHIN; failing ones listed."""
    from sentinel.privacy import failures
    from sentinel.privacy.deadline import oldest_raw_age
    from sentinel.store import open_store

    name, within = "anonymization", settings.anonymize_within
    try:
        store = open_store(settings=settings)
        try:
            age = oldest_raw_age(store.oldest_raw_conversation(), now or datetime.now(UTC))
            failing = failures.load(store)
        finally:
            store.close()
    except Exception as exc:
        return Check(name, "skip", f"store not readable ({type(exc).__name__})")
    deadline = format_duration(within)
    if age > within:
        return Check(
            name,
            "fail",
            f"the oldest raw conversation is {format_duration(age)} old, past the {deadline} "
            f"deadline ({len(failing)} failing anonymization)",
            "run `sentinel serve` (or `sentinel anonymize --once`) and read its log",
        )
    if failing:
        reasons = sorted({f.reason for f in failing.values()})
        return Check(
            name,
            "warn",
            f"{len(failing)} conversation(s) failed anonymization ({', '.join(reasons)}); "
            f"retried with backoff and fully masked before the {deadline} deadline",
            "read the anonymization job's log for the failing request ids",
        )
    return Check(
        name, "ok", f"oldest raw conversation {format_duration(age)} old (deadline {deadline})"
    )


def check_retention(settings: Settings) -> Check:
    """How long call records (which carry the subject key) are kept."""
    retention = settings.calls_retention
    if retention <= timedelta(0):
        return Check(
            "call retention",
            "warn",
            "SENTINEL_CALLS_RETENTION=0: call records (with subject keys) are kept forever",
            "set SENTINEL_CALLS_RETENTION (default 400d), unless your register of processing "
            "says otherwise",
        )
    return Check(
        "call retention",
        "ok",
        f"call records kept {format_duration(retention)} (SENTINEL_CALLS_RETENTION), "
        "expired by `sentinel serve` hourly",
    )
