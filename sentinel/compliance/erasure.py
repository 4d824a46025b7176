"""GDPR erasure (Art. 17, PIPL): remove everything held about a subject, everywhere,
and make sure it does not come back.

An erasure is a job (`erasure:{id}` in the store's state) that runs these steps in
order, recording each one before the next, so a crash at any point resumes where it
stopped and re-running a finished step is harmless (every step is idempotent):

1. `tombstone` — opens `tombstone:{subject_key}` (`sentinel.records.tombstones`): from
   here until step 8 every record of the subject that reaches a writer (sink, spool
   replay, in this process or any other sharing the store) is dropped rather than
   restored behind our back.
2. `settle` — waits until `settle` seconds (`WRITER_BOUND`: the writers' tombstone cache
   plus one store write) have passed since step 1, so no writer still writes the
   subject's records with a view of the tombstones from before it.
3. `spool` — records in the durable spool not yet written to the store.
4. `store` — conversations (by raw id and by key), call records, feedback, alerts and
   cached responses (`sentinel.client.cache` entries, kind `cache`, by raw id and by
   key), via `Store.delete_subject`. The tombstone also stops a response being cached
   for the subject again. Async jobs too (`sentinel.jobs`, kind `job`: their prompts
   and results are conversation content), queued or done.
5. `dead_letter` — the subject's records in the store's dead-letter file (records
   Elasticsearch refused for good, kept in full with the reason).
6. `exports` — export files and jobs of the subject (they are copies of its data).
7. `sweep` — the spool, store, dead-letter and exports steps once more: a write that
   began before step 1 and outlasted the settle wait is deleted now, and so is an
   export file requested after step 6 (it names the raw subject id).
8. `close` — the tombstone gets its cut-off, this clock's time now plus
   `clock_skew` (SENTINEL_ERASURE_CLOCK_SKEW), recorded in the job as `cut_off`: the
   erasure covers everything the subject did until it completed, and records after
   the cut-off (the person came back) are stored and exportable again.
9. `forget` — the raw subject id is dropped from the job itself; only the key remains.
10. `reclaim` — the store makes the freed bytes really go, if it can (`reclaim()`):
   SQLite zeroes deleted cells (`secure_delete`), checkpoints and truncates the WAL,
   and vacuums when much of the file is free; Elasticsearch refreshes and expunges
   deleted documents from segments (segment merges purge the bytes; until a merge,
   deleted documents are unreachable by every API but may still sit on disk).
   Elasticsearch's retention leases keep fresh deletions from that merge for up to
   30 s, so when the store reports deleted documents left, the job records
   `reclaim_again_at` and `sentinel serve` reclaims once more after it
   (`reclaim_due`): the erasure answers in seconds and the bytes still go.

`removed` reports counts per store (`{"sqlite": 12, "spool": 1, "exports": 0}`, plus
`"dead-letter"` for a store that keeps one), and
`removed_by_kind` the store's counts per record kind. The audit log records the
request and the completion with the subject's key, never its raw id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.audit import AuditLog
from sentinel.compliance.export import DeadLettered, ExportService, SubjectSpool
from sentinel.compliance.gdpr_jobs import Jobs
from sentinel.jobs.subjects import purge_subject as purge_subject_jobs
from sentinel.records.tombstones import WRITER_BOUND, close_tombstone, open_tombstone
from sentinel.store.base import Store

STEPS = ("tombstone", "settle", "spool", "store", "dead_letter", "exports", "sweep", "close",
         "forget", "reclaim")  # fmt: skip
PARTS = ("spool", "store", "dead_letter", "exports")  # the places the sweep goes over again
# Twice Elasticsearch's retention lease sync interval: by then no lease holds the
# erased documents back from a merge.
RECLAIM_AGAIN_AFTER = timedelta(seconds=60)
# Which job erases a subject now (see ErasureService.request); not under "erasure:",
# which lists the jobs themselves.
CLAIM_PREFIX = "erasure-claim:"
CLAIM_ATTEMPTS = 200
# A claim naming a job that does not exist yet is being acted on for this long (the
# claimer writes the job right after); after it, the claimer is taken to have crashed.
CLAIM_CREATE_WITHIN = timedelta(seconds=5)

Progress = Callable[[str, dict[str, Any]], None]


@runtime_checkable
class Reclaimable(Protocol):
    """A store that can physically purge the bytes of deleted documents."""

    def reclaim(self) -> dict[str, Any]: ...


class ErasureConflict(RuntimeError):
    """Another runner advanced the job; this one stops."""


class ErasureService:
    def __init__(
        self,
        store: Store,
        spool: SubjectSpool | None,
        exports: ExportService,
        audit: AuditLog,
        clock: Clock = SYSTEM_CLOCK,
        *,
        clock_skew: timedelta,
        settle: float = WRITER_BOUND,
    ) -> None:
        self.store = store
        self.spool = spool
        self.exports = exports
        self.audit = audit
        self.clock = clock
        self.clock_skew = clock_skew
        self.settle = settle
        self.jobs = Jobs(store, "erasure")

    def request(
        self, subject_id: str, subject_key: str, actor: str, request_id: str | None
    ) -> dict[str, Any]:
        """A new erasure job, or the subject's unfinished one (which the caller then
        resumes): asking twice never runs two erasures of one subject side by side.

        Two requests at the same moment (two API workers, the CLI and the API) must not
        both find no job and both create one: Elasticsearch's search does not see a job
        another request is creating, and two jobs side by side break the tombstone (the
        first to close it ends the erasing phase while the other still runs). So the
        subject's claim `erasure-claim:{subject_key}` is taken compare-and-set first."""
        claim = CLAIM_PREFIX + subject_key
        for _ in range(CLAIM_ATTEMPTS):
            unfinished = self.jobs.unfinished(subject_key)
            if unfinished:
                return unfinished[0]
            current = self.store.get_state(claim)
            if current is not None:
                held = self.jobs.get(str(current[0].get("job_id", "")))
                if held is not None and held[0].get("status") != "completed":
                    return held[0]
                claimed_at = datetime.fromisoformat(current[0]["claimed_at"])
                if held is None and self.clock.now() - claimed_at < CLAIM_CREATE_WITHIN:
                    self.clock.sleep(0.05)  # the claimer is creating that job right now
                    continue
            job_id = self.jobs.new_id()
            value = {"job_id": job_id, "claimed_at": self.clock.now().isoformat()}
            if self.store.put_state(claim, value, current[1] if current else None):
                return self._create(job_id, subject_id, subject_key, actor, request_id)
        raise ErasureConflict(f"erasure of {subject_key[:12]}: too many concurrent requests")

    def _create(
        self, job_id: str, subject_id: str, subject_key: str, actor: str, request_id: str | None
    ) -> dict[str, Any]:
        job = self.jobs.create(
            {
                "status": "pending",
                "subject_id": subject_id,
                "subject_key": subject_key,
                "requested_by": actor,
                "requested_at": self.clock.now().isoformat(),
                "request_id": request_id,
                "steps_done": [],
                "removed": {},
                "removed_by_kind": {},
            },
            job_id,
        )
        self.audit.append(
            actor, "erasure.requested", subject_key=subject_key, request_id=request_id,
            details={"job_id": job["id"]},
        )  # fmt: skip
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        current = self.jobs.get(job_id)
        return current[0] if current else None

    def run(self, job_id: str, progress: Progress | None = None) -> dict[str, Any] | None:
        """Run (or resume) the job to completion; returns its final state, or None if
        it does not exist or another runner owns it."""
        current = self.jobs.get(job_id)
        if current is None or current[0].get("status") == "completed":
            return current[0] if current else None
        claimed = self.jobs.update(job_id, current[1], {"status": "running", "error": None})
        if claimed is None:
            return None
        job, version = claimed
        try:
            for step in STEPS:
                if step in job["steps_done"]:
                    continue
                changes, drop = self._step(step, job)
                changes["steps_done"] = [*job["steps_done"], step]
                updated = self.jobs.update(job_id, version, changes, drop)
                if updated is None:
                    raise ErasureConflict(job_id)
                job, version = updated
                if progress is not None:
                    progress(step, job)
        except ErasureConflict:
            return None
        except Exception as exc:
            # Recorded for the status endpoint (type only: messages may quote data);
            # the job stays resumable.
            self.jobs.update(job_id, version, {"status": "failed", "error": type(exc).__name__})
            raise
        done = self.jobs.update(
            job_id, version, {"status": "completed", "completed_at": self.clock.now().isoformat()}
        )
        self.audit.append(
            job["requested_by"], "erasure.completed", subject_key=job["subject_key"],
            request_id=job.get("request_id"), counts=job["removed"],
            details={"job_id": job_id, "removed_by_kind": job["removed_by_kind"],
                     "cut_off": job.get("cut_off")},
        )  # fmt: skip
        return done[0] if done else job

    def resume_unfinished(self, progress: Progress | None = None) -> list[dict[str, Any]]:
        """Run every erasure a crash or an outage left unfinished (daemon start)."""
        results = []
        for job in self.jobs.unfinished():
            result = self.run(job["id"], progress)
            if result is not None:
                results.append(result)
        return results

    def reclaim_due(self, now: datetime | None = None) -> int:
        """Reclaim once more for completed jobs whose `reclaim_again_at` has come (see
        the module docstring); one reclaim serves them all. Returns how many it closed."""
        now = now or self.clock.now()
        due = [
            job
            for job in self.jobs.all()
            if job.get("status") == "completed"
            and "reclaim_again_at" in job
            and datetime.fromisoformat(job["reclaim_again_at"]) <= now
        ]
        if not due or not isinstance(self.store, Reclaimable):
            return 0
        report = self.store.reclaim()
        closed = 0
        for job in due:
            current = self.jobs.get(job["id"])
            if current is None or "reclaim_again_at" not in current[0]:
                continue  # another daemon closed it
            changes = {"reclaim_again": report, "reclaimed_at": now.isoformat()}
            if self.jobs.update(job["id"], current[1], changes, ("reclaim_again_at",)):
                closed += 1
        return closed

    def _step(self, step: str, job: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Do one step; returns the job changes to record and keys to drop."""
        subject_id, key = job.get("subject_id"), job["subject_key"]
        if step == "tombstone":
            now = self.clock.now()
            open_tombstone(self.store, key, job["id"], now)
            return {"tombstoned_at": now.isoformat()}, ()
        if step == "settle":
            since = job.get("tombstoned_at")  # absent in jobs begun before this step existed
            start = datetime.fromisoformat(since) if since else self.clock.now()
            self.clock.sleep(self.settle - (self.clock.now() - start).total_seconds())
            return {}, ()
        if step in (*PARTS, "sweep"):
            parts = PARTS if step == "sweep" else (step,)
            removed, by_kind = dict(job["removed"]), dict(job["removed_by_kind"])
            for part in parts:
                self._delete(part, subject_id, key, removed, by_kind)
            return {"removed": removed, "removed_by_kind": by_kind}, ()
        if step == "close":
            tombstone = close_tombstone(self.store, key, self.clock.now(), self.clock_skew)
            return {"cut_off": tombstone["cut_off"]}, ()
        if step == "forget":
            return {}, ("subject_id",)
        if step == "reclaim":
            report = self.store.reclaim() if isinstance(self.store, Reclaimable) else {}
            changes: dict[str, Any] = {"reclaim": report}
            if report.get("deleted_docs_left"):
                again = self.clock.now() + RECLAIM_AGAIN_AFTER
                changes["reclaim_again_at"] = again.isoformat()
            return changes, ()
        raise ValueError(f"unknown erasure step {step!r}")

    def _delete(
        self,
        part: str,
        subject_id: str | None,
        key: str,
        removed: dict[str, int],
        by_kind: dict[str, dict[str, int]],
    ) -> None:
        """Delete the subject's records from one place, adding to the job's counts (the
        sweep repeats these, so counts accumulate)."""
        if part == "spool":
            n = self.spool.purge_subject(subject_id, key) if self.spool else 0
            removed["spool"] = removed.get("spool", 0) + n
        elif part == "store":
            self.store.refresh()  # Elasticsearch: the latest writes must be searchable
            counts = {**self.store.delete_subject(subject_id, key),
                      "job": purge_subject_jobs(self.store, key)}  # fmt: skip
            self.store.refresh()
            name = self.store.name
            removed[name] = removed.get(name, 0) + sum(counts.values())
            kinds = dict(by_kind.get(name, {}))
            for kind, n in counts.items():
                kinds[kind] = kinds.get(kind, 0) + n
            by_kind[name] = kinds
        elif part == "exports":
            removed["exports"] = removed.get("exports", 0) + self.exports.purge_subject(key)
        elif isinstance(self.store, DeadLettered):
            n = self.store.dead_letter.purge_subject(subject_id, key)
            removed["dead-letter"] = removed.get("dead-letter", 0) + n
