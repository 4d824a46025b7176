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
