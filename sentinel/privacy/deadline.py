"""When a conversation must be anonymized: pure arithmetic on a clock reading.

A conversation stamped t becomes overdue at t + within. The job runs every `interval`,
so a conversation left raw now is next looked at by about now + interval; runs can be
late (a restart, a slow store), which the safety `margin` absorbs. Hence this run must
take every conversation with t + within <= now + interval + margin, i.e.
t <= now - within + interval + margin. Anonymizing a little early costs nothing;
anonymizing late breaks the promise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_MARGIN = timedelta(hours=1)


def anonymize_cutoff(
    now: datetime, within: timedelta, interval: timedelta, margin: timedelta = DEFAULT_MARGIN
) -> datetime:
    """Conversations with timestamp <= the returned instant must be anonymized now."""
    if within <= timedelta(0):
        raise ValueError("anonymize_within must be positive")
    return now - within + interval + margin


def oldest_raw_age(oldest_raw: datetime | None, now: datetime) -> timedelta:
    """Age of the oldest raw conversation (zero when none): the input of the
    `unanonymized_overdue` alert and the job's gauge."""
    return max(now - oldest_raw, timedelta(0)) if oldest_raw else timedelta(0)


# A conversation whose anonymization fails is tried again at later runs, each wait
# twice the last; after MAX_ATTEMPTS, or when the next try could come too close to its
# deadline, it is fully masked instead, so the deadline holds whatever its content.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
MAX_ATTEMPTS = 5


def retry_at(
    attempts: int,
    failed_at: datetime,
    deadline: datetime,
    interval: timedelta,
    margin: timedelta = DEFAULT_MARGIN,
) -> datetime | None:
    """When to try again after the `attempts`-th failure at `failed_at`, or None when
    the conversation must be fully masked now. The job looks at it again only at a run,
    up to `interval` after the retry time, and must leave half the `margin` for a late
    run to mask it before `deadline`."""
    if attempts >= MAX_ATTEMPTS:
        return None
    at = failed_at + min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)
    return at if at + interval <= deadline - margin / 2 else None


def must_mask_now(
    now: datetime, deadline: datetime, interval: timedelta, margin: timedelta = DEFAULT_MARGIN
) -> bool:
    """Whether a conversation waiting for its retry must be masked at this run instead:
    the next run may already be too close to its deadline (runs can come late)."""
    return now + interval > deadline - margin / 2
