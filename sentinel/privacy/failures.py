"""Conversations whose anonymization failed: why, how often, and when to try again.

Kept in the store's state (`anonymize-failure:<request_id>`), so every daemon and every
`sentinel anonymize --once` sees them, `sentinel doctor` can count them, and a restart
keeps the backoff. The reason is the exception's type only: its message can quote the
conversation's text, which must not outlive the conversation in another record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sentinel.store.base import Store

PREFIX = "anonymize-failure:"


@dataclass(frozen=True)
class Failure:
    request_id: str
    attempts: int
    reason: str
    failed_at: datetime
    retry_at: datetime | None  # None: masked (or about to be)

    def to_state(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "attempts": self.attempts,
            "reason": self.reason,
            "failed_at": self.failed_at.isoformat(),
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }

    @classmethod
    def from_state(cls, value: dict[str, object]) -> Failure:
        retry = value.get("retry_at")
        return cls(
            str(value["request_id"]),
            int(str(value["attempts"])),
            str(value["reason"]),
            datetime.fromisoformat(str(value["failed_at"])),
            datetime.fromisoformat(str(retry)) if retry else None,
        )


def load(store: Store) -> dict[str, Failure]:
    """Every recorded failure by request id (entries that do not parse are skipped)."""
    out = {}
    for _, value in store.list_state(PREFIX):
        try:
            failure = Failure.from_state(value)
        except (KeyError, TypeError, ValueError):
            continue
        out[failure.request_id] = failure
    return out


def record(store: Store, failure: Failure) -> None:
    store.set_state(PREFIX + failure.request_id, failure.to_state())


def clear(store: Store, request_id: str) -> None:
    store.delete_state(PREFIX + request_id)
