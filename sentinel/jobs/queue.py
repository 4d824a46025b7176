"""Async jobs in the store's state entries, so they outlive the process that accepted
them and work the same on SQLite and Elasticsearch (no new index or table).

* `job:{id}` is the job (`sentinel.jobs.model`), the single source of truth.
* `jobq:{id}` is a small hint that the job still needs work (a run or a delivery), so
  a worker's scan lists the live jobs rather than every job kept for polling. It is
  written before the job (a hint without a job is skipped and cleaned up; a job
  without a hint could be forgotten) and removed once the job is settled.
* `jobkey:{hash}` maps a submit's Idempotency-Key (per token) to its job.

Every change is compare-and-set on the entry's version. A worker *claims* a job (or
a delivery) by writing its name and a lease expiry into it: two daemons never run one
job at once, the holder renews the lease while it works, and a job whose holder died
is claimed again once the lease has lapsed (at most MAX_RUNS times). A result is
written only by the claim's holder, so a worker that lost its claim cannot overwrite
the result of the one that took over.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sentinel.jobs.model import (
    FINISHED,
    HINT_PREFIX,
    IDEMPOTENCY_PREFIX,
    JOB_PREFIX,
    is_job_id,
    settled,
)
from sentinel.jobs.schedule import DeliverySchedule, lapsed
from sentinel.jobs.subjects import delete_job
from sentinel.store.base import Store

MAX_RUNS = 3
_ORPHAN_HINT_AGE = timedelta(minutes=1)
_CAS_ATTEMPTS = 5

Job = dict[str, Any]


class IdempotencyConflict(ValueError):
    """An Idempotency-Key reused with a different request."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _lease(holder: str, now: datetime, ttl: timedelta) -> dict[str, str]:
    return {"holder": holder, "expires_at": (now + ttl).isoformat()}


def _held_by(lease: Mapping[str, Any] | None, holder: str) -> bool:
    return lease is not None and lease.get("holder") == holder


class JobQueue:
    def __init__(self, store: Store) -> None:
        self.store = store

    # submit and read ----------------------------------------------------

    def submit(
        self,
        request: Mapping[str, Any],
        *,
        now: datetime,
        owner: str,
        app: str | None = None,
        subject_id: str | None = None,
        subject_key: str | None = None,
        webhook_url: str | None = None,
    ) -> Job:
        return self._create(uuid.uuid4().hex, request, now, owner, app=app,
                            subject_id=subject_id, subject_key=subject_key,
                            webhook_url=webhook_url)  # fmt: skip

    def submit_once(
        self,
        idempotency_key: str,
        request: Mapping[str, Any],
        *,
        now: datetime,
        owner: str,
        **fields: Any,
    ) -> tuple[Job, bool]:
        """`submit` (same keyword fields), unless this owner already submitted under
        this key (a client retrying a POST whose answer it lost): then that job, and
        False. The key entry `jobkey:{hash}` lives as long as its job. Raises
        IdempotencyConflict if the key comes back with a different request."""
        entry_key = IDEMPOTENCY_PREFIX + _sha256(f"{owner}\0{idempotency_key}")
        compared = {k: v for k, v in fields.items() if k != "subject_id"}  # subject_key says it
        fingerprint = _sha256(json.dumps([request, compared], sort_keys=True, default=str))
        entry = {"job_id": uuid.uuid4().hex, "fingerprint": fingerprint}
        if not self.store.put_state(entry_key, entry, None):
            current = self.store.get_state(entry_key)
            if current is None:  # its job expired in between: start over
                return self.submit_once(idempotency_key, request, now=now, owner=owner, **fields)
            if current[0]["fingerprint"] != fingerprint:
                raise IdempotencyConflict(
                    "Idempotency-Key was already used with a different request"
                )
            entry = current[0]
            existing = self.get(entry["job_id"])
            if existing is not None:
                return existing, False
            # The first submit stopped before creating its job: create it now.
        job = self._create(entry["job_id"], request, now, owner, idempotency=entry_key, **fields)
        return job, True

    def _create(
        self,
        job_id: str,
        request: Mapping[str, Any],
        now: datetime,
        owner: str,
        **fields: Any,
    ) -> Job:
        created = now.isoformat()
        self.store.put_state(HINT_PREFIX + job_id, {"created_at": created}, None)
        webhook_url = fields.pop("webhook_url", None)
        job: Job = {
            "id": job_id,
            "status": "queued",
            "created_at": created,
            "owner": owner,
            "request": dict(request),
            "runs": 0,
            "lease": None,
            "webhook": None
            if webhook_url is None
            else {"url": webhook_url, "status": "waiting", "attempts": 0},
            **fields,
        }
        if not self.store.put_state(JOB_PREFIX + job_id, job, None):
            return self.get(job_id) or job  # a concurrent retry created it first
        return job

    def get(self, job_id: str) -> Job | None:
        if not is_job_id(job_id):
            return None
        current = self.store.get_state(JOB_PREFIX + job_id)
        return current[0] if current else None

    def active(self, now: datetime) -> list[Job]:
        """Jobs still needing work, oldest first; settled jobs lose their hint here."""
        jobs = []
        for key, hint in sorted(
            self.store.list_state(HINT_PREFIX), key=lambda kv: kv[1].get("created_at", "")
        ):
            job_id = key[len(HINT_PREFIX) :]
            job = self.get(job_id)
            if job is None:
                created = datetime.fromisoformat(hint["created_at"])
                if now - created > _ORPHAN_HINT_AGE:  # its submit failed half-way
                    self.store.delete_state(key)
            elif settled(job):
                self.store.delete_state(key)
            else:
                jobs.append(job)
        return jobs

    # changes ------------------------------------------------------------

    def _update(self, job_id: str, change: Callable[[Job], Job | None]) -> Job | None:
        """Apply `change` to the current job by compare-and-set, re-reading on conflict;
        `change` returns None to give up (the job is not in the state it expects)."""
        for _ in range(_CAS_ATTEMPTS):
            current = self.store.get_state(JOB_PREFIX + job_id)
            if current is None:
                return None
            new = change(dict(current[0]))
            if new is None:
                return None
            if self.store.put_state(JOB_PREFIX + job_id, new, current[1]):
                if settled(new):
                    self.store.delete_state(HINT_PREFIX + job_id)
                return new
        return None

    def claim(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> Job | None:
        """Take a queued job, or one whose runner's lease lapsed, to run it."""

        def change(job: Job) -> Job | None:
            runnable = job["status"] == "queued" or (
                job["status"] == "running" and lapsed(job["lease"], now)
            )
            if not runnable or job["runs"] >= MAX_RUNS:
                return None
            return {**job, "status": "running", "runs": job["runs"] + 1,
                    "lease": _lease(holder, now, ttl), "started_at": now.isoformat()}  # fmt: skip

        return self._update(job_id, change)

    def renew(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        def change(job: Job) -> Job | None:
            if job["status"] != "running" or not _held_by(job["lease"], holder):
                return None
            return {**job, "lease": _lease(holder, now, ttl)}

        return self._update(job_id, change) is not None

    def finish(
        self,
        job_id: str,
        holder: str,
        now: datetime,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Job | None:
        """Record the outcome if `holder` still holds the run; the raw subject id goes
        (the call's records carry it from here on, under the anonymization rules)."""

        def change(job: Job) -> Job | None:
            if job["status"] != "running" or not _held_by(job["lease"], holder):
                return None
            return _finished(job, now, result, error, request_id)

        return self._update(job_id, change)

    def abandon(self, job_id: str, now: datetime) -> Job | None:
        """Fail a job whose runners kept dying (MAX_RUNS lapsed claims): it would most
        likely kill the next one too."""

        def change(job: Job) -> Job | None:
            if (
                job["status"] != "running"
                or job["runs"] < MAX_RUNS
                or not lapsed(job["lease"], now)
            ):
                return None
            error = {"type": "WorkerLost", "message": f"no worker finished it in {MAX_RUNS} runs"}
            return _finished(job, now, None, error, job.get("request_id"))

        return self._update(job_id, change)

    # webhook deliveries -------------------------------------------------

    def claim_delivery(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> Job | None:
        def change(job: Job) -> Job | None:
            hook = job.get("webhook")
            if job["status"] not in FINISHED or hook is None or hook["status"] != "pending":
                return None
            if datetime.fromisoformat(hook["next_attempt_at"]) > now:
                return None
            if not lapsed(hook.get("lease"), now):
                return None
            return {**job, "webhook": {**hook, "lease": _lease(holder, now, ttl)}}

        return self._update(job_id, change)

    def renew_delivery(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Extend a delivery claim while its POST is in flight: the lease stays short,
        so a delivery cut off by a crash is retried soon after, not minutes later."""

        def change(job: Job) -> Job | None:
            hook = job.get("webhook")
            if (
                hook is None
                or hook["status"] != "pending"
                or not _held_by(hook.get("lease"), holder)
            ):
                return None
            return {**job, "webhook": {**hook, "lease": _lease(holder, now, ttl)}}

        return self._update(job_id, change) is not None

    def record_delivery(
        self,
        job_id: str,
        holder: str,
        now: datetime,
        *,
        delivered: bool,
        error: str | None,
        permanent: bool,
        schedule: DeliverySchedule,
    ) -> Job | None:
        """Count an attempt; schedule the next one unless it was delivered, cannot
        succeed (`permanent`) or the schedule's max age is past."""

        def change(job: Job) -> Job | None:
            hook = job.get("webhook")
            if hook is None or not _held_by(hook.get("lease"), holder):
                return None
            attempts = hook["attempts"] + 1
            first = hook.get("first_attempt_at") or now.isoformat()
            new = {**hook, "attempts": attempts, "first_attempt_at": first, "lease": None,
                   "last_error": error}  # fmt: skip
            if delivered:
                new.update(status="delivered", delivered_at=now.isoformat(), next_attempt_at=None)
            else:
                due = (
                    None
                    if permanent
                    else schedule.next_attempt(attempts, datetime.fromisoformat(first), now)
                )
                new.update(status="failed" if due is None else "pending",
                           next_attempt_at=due.isoformat() if due else None)  # fmt: skip
            return {**job, "webhook": new}

        return self._update(job_id, change)

    # housekeeping -------------------------------------------------------

    def expire(self, now: datetime, retention: timedelta, content_limit: timedelta) -> int:
        """Delete settled jobs completed more than `retention` ago, or created more
        than `content_limit` ago (SENTINEL_ANONYMIZE_WITHIN: prompts and results are
        raw content, which Sentinel keeps no longer than that). A full listing: run it
        now and then, not on every scan."""
        removed = 0
        for _, job in self.store.list_state(JOB_PREFIX):
            done, created = job.get("completed_at"), job.get("created_at")
            if not settled(job) or not done or not created:
                continue
            if (now - datetime.fromisoformat(done) > retention
                    or now - datetime.fromisoformat(created) > content_limit):  # fmt: skip
                delete_job(self.store, job)
                removed += 1
        return removed


def _finished(
    job: Job,
    now: datetime,
    result: dict[str, Any] | None,
    error: dict[str, Any] | None,
    request_id: str | None,
) -> Job:
    hook = job.get("webhook")
    if hook is not None:
        hook = {**hook, "status": "pending", "next_attempt_at": now.isoformat()}
    return {
        **job,
        "status": "failed" if error is not None else "succeeded",
        "completed_at": now.isoformat(),
        "result": result,
        "error": error,
        "request_id": request_id,
        "lease": None,
        "subject_id": None,
        "webhook": hook,
    }
