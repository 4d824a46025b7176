"""Export and erasure jobs as state entries (`export:{id}`, `erasure:{id}`).

The request object lives in the store, not in a process, so a job survives the
process that accepted it: whoever runs it next (the API worker after a restart, the
CLI) reads how far it got and continues. Every update is compare-and-set on the
entry's version, so two runners of one job cannot both advance it: the loser sees a
conflict and stops.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from sentinel.store.base import Store

JobKind = Literal["export", "erasure"]
UNFINISHED = ("pending", "running", "failed")
_JOB_ID_RE = re.compile(r"[0-9a-f]{32}")


def is_job_id(text: str) -> bool:
    """Ids are uuid4 hex; anything else is unknown without asking the store."""
    return _JOB_ID_RE.fullmatch(text) is not None


class Jobs:
    def __init__(self, store: Store, kind: JobKind) -> None:
        self.store = store
        self.prefix = f"{kind}:"

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def create(self, value: Mapping[str, Any], job_id: str | None = None) -> dict[str, Any]:
        """A new job; `job_id` when the caller needed the id first (a claim naming it)."""
        while True:
            job_id = job_id or self.new_id()
            job = {**value, "id": job_id}
            if self.store.put_state(self.prefix + job_id, job, None):
                return job
            job_id = None

    def get(self, job_id: str) -> tuple[dict[str, Any], int] | None:
        if not is_job_id(job_id):
            return None
        return self.store.get_state(self.prefix + job_id)

    def update(
        self, job_id: str, version: int, changes: Mapping[str, Any], drop: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], int] | None:
        """Apply `changes` (and remove `drop` keys) if the job is still at `version`;
        returns the new value and version, or None on conflict."""
        current = self.store.get_state(self.prefix + job_id)
        if current is None or current[1] != version:
            return None
        value = {k: v for k, v in {**current[0], **changes}.items() if k not in drop}
        if not self.store.put_state(self.prefix + job_id, value, version):
            return None
        # Re-read rather than assume version + 1: how versions advance is the store's
        # business (Elasticsearch sequence numbers are not consecutive per document).
        return self.store.get_state(self.prefix + job_id)

    def delete(self, job_id: str) -> None:
        self.store.delete_state(self.prefix + job_id)

    def all(self) -> list[dict[str, Any]]:
        return [value for _, value in self.store.list_state(self.prefix)]

    def unfinished(self, subject_key: str | None = None) -> list[dict[str, Any]]:
        return [
            job
            for job in self.all()
            if job.get("status") in UNFINISHED
            and (subject_key is None or job.get("subject_key") == subject_key)
        ]
