"""GDPR export (Art. 15 and 20, PIPL): one JSON document holding everything stored
about a subject, written as a stream so 100 thousand records need no more memory
than one.

Document (schema `sentinel.gdpr.export`, version 1)::

    {
      "schema": "sentinel.gdpr.export",
      "schema_version": 1,
      "generated_at": "2026-01-01T00:00:00+00:00",
      "subject": {"subject_id": "user-42", "subject_key": "<HMAC-SHA256 hex>"},
      "erasure": {"cut_off": "2025-12-01T10:00:05+00:00", "state": "closed"},
      "records": [
        {"source": "sqlite", "kind": "conversation", "data": {...the stored document...}},
        {"source": "spool", "kind": "call", "data": {...not yet written to the store...}},
        {"source": "dead-letter", "kind": "call", "data": {...refused by the store...}},
        ...
      ],
      "summary": {
        "total": 3,
        "counts": {"conversation": 1, "call": 1, "feedback": 1, "alert": 0},
        "by_source": {"sqlite": 3, "spool": 0},
        "time_range": {"first": "...", "last": "..."}
      }
    }

`kind` is one of conversation, call, feedback, alert (alert events whose labels or
annotations name the subject's key), job (async jobs: request and result). Records
are found by raw subject id inside the anonymization window and by subject key after
it. `erasure` is null unless the subject was erased: then records created at or before
`cut_off` are gone (and dropped if a late copy arrives, so they are not exported), and
the records listed are the ones created after it. `state` is `closed` then, `erasing`
while an erasure runs (every record of the subject is being erased, `cut_off` null),
or `unmigrated` for a tombstone older than cut-offs (it covers every record until
`sentinel gdpr tombstones migrate`). The summary comes last because it is only known
once every record has been streamed; readers that need it first can read the job
status (`GET /v1/gdpr/exports/{id}`), which carries the same summary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TextIO, runtime_checkable

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.audit import AuditLog
from sentinel.compliance.gdpr_jobs import Jobs
from sentinel.jobs.subjects import exported_jobs
from sentinel.privatedirs import private_dir
from sentinel.records.tombstones import TombstoneInfo, covers, read_tombstone
from sentinel.store.base import KINDS, Store

SCHEMA = "sentinel.gdpr.export"
SCHEMA_VERSION = 1
EXPORT_TTL = timedelta(hours=24)


class SubjectSpool(Protocol):
    """What the compliance service needs from the durable spool
    (`sentinel.records.spool.Spool`): records not yet written to the store."""

    def iter_subject(self, subject_id: str | None, subject_key: str) -> Iterator[Any]: ...
    def purge_subject(self, subject_id: str | None, subject_key: str) -> int: ...


@runtime_checkable
class DeadLettered(Protocol):
    """A store that keeps the records it refused for good in a dead-letter file
    (`sentinel.store.dead_letter`): full records, so copies of the subject's data."""

    dead_letter: SubjectSpool


@dataclass
class ExportSummary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    by_source: dict[str, int] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, source: str, kind: str, data: dict[str, Any]) -> None:
        self.total += 1
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.by_source[source] = self.by_source.get(source, 0) + 1
        ts = _timestamp(data)
        if ts is not None:
            self.first = ts if self.first is None or ts < self.first else self.first
            self.last = ts if self.last is None or ts > self.last else self.last

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "counts": dict(self.counts),
            "by_source": dict(self.by_source),
            "time_range": {
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
            },
        }


def _timestamp(data: dict[str, Any], field: str = "timestamp") -> datetime | None:
    value = data.get(field)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _as_dict(item: Any) -> dict[str, Any]:
    # The spool yields records (pydantic models); stores yield JSON-ready dicts.
    return item.model_dump(mode="json") if hasattr(item, "model_dump") else dict(item)


def iter_subject_records(
    store: Store, spool: SubjectSpool | None, subject_id: str | None, subject_key: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(source, kind, data) for every record of the subject: the store, its dead-letter
    file, then the spool; without those the subject's tombstone covers."""
    tombstone = read_tombstone(store, subject_key)
    for item in _all_subject_records(store, spool, subject_id, subject_key):
        created = _timestamp(item[2]) or _timestamp(item[2], "created_at")
        if created is None or not covers(tombstone, created):
            yield item


def erasure_status(store: Store, subject_key: str) -> dict[str, Any] | None:
    """What the export document says about an erasure of the subject (see module)."""
    tombstone = read_tombstone(store, subject_key)
    if tombstone is None:
        return None
    info = TombstoneInfo(subject_key, tombstone)
    state = "unmigrated" if info.legacy else "erasing" if info.erasing else "closed"
    return {"cut_off": info.cut_off.isoformat() if info.cut_off else None, "state": state}


def _all_subject_records(
    store: Store, spool: SubjectSpool | None, subject_id: str | None, subject_key: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for data in store.iter_subject(subject_id, subject_key, KINDS):
        yield store.name, str(data.get("kind", "")), data
    for data in exported_jobs(store, subject_key):  # async jobs (sentinel.jobs)
        yield store.name, "job", data
    if isinstance(store, DeadLettered):
        for data in store.dead_letter.iter_subject(subject_id, subject_key):
            yield "dead-letter", str(data.get("kind", "")), data
    if spool is not None:
        for item in spool.iter_subject(subject_id, subject_key):
            data = _as_dict(item)
            yield "spool", str(data.get("kind", "")), data


def write_export(
    out: TextIO,
    store: Store,
    spool: SubjectSpool | None,
    subject_id: str,
    subject_key: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    on_record: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Stream the export document to `out`; returns its summary."""
    summary = ExportSummary()
    head = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": clock.now().isoformat(),
        "subject": {"subject_id": subject_id, "subject_key": subject_key},
        "erasure": erasure_status(store, subject_key),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',\n "records": [')
    for source, kind, data in iter_subject_records(store, spool, subject_id, subject_key):
        out.write("\n  " if summary.total == 0 else ",\n  ")
        out.write(json.dumps({"source": source, "kind": kind, "data": data}, ensure_ascii=False))
        summary.add(source, kind, data)
        if on_record is not None:
            on_record(summary.total)
    out.write('\n ],\n "summary": ' + json.dumps(summary.as_dict()) + "\n}\n")
    return summary


class ExportService:
    """Export jobs: requested (202 over HTTP), run in the background, downloaded from a
    file in `exports_dir` (mode 0600) that expires after EXPORT_TTL. The raw subject id
    is kept in the job only until the file is written; erasing the subject deletes its
    export files too (`purge_subject`)."""

    def __init__(
        self,
        store: Store,
        spool: SubjectSpool | None,
        exports_dir: Path,
        audit: AuditLog,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.spool = spool
        self.exports_dir = exports_dir
        self.audit = audit
        self.clock = clock
        self.jobs = Jobs(store, "export")

    def request(
        self,
        subject_id: str,
        subject_key: str,
        actor: str,
        request_id: str | None,
        owner: str | None = None,
    ) -> dict[str, Any]:
        """`owner`: the id of the API token that asked; only it (or an admin) may read
        the job and download the file (see `downloaded`)."""
        self.expire()
        job = self.jobs.create(
            {
                "status": "pending",
                "subject_id": subject_id,
                "subject_key": subject_key,
                "requested_by": actor,
                "owner": owner,
                "requested_at": self.clock.now().isoformat(),
                "request_id": request_id,
            }
        )
        self.audit.append(
            actor, "export.requested", subject_key=subject_key, request_id=request_id,
            details={"job_id": job["id"]},
        )  # fmt: skip
        return job

    def export_now(
        self,
        out: TextIO,
        subject_id: str,
        subject_key: str,
        actor: str,
        on_record: Callable[[int], None] | None = None,
    ) -> ExportSummary:
        """Synchronous export (the CLI): streamed to `out`, audited like a job."""
        self.audit.append(actor, "export.requested", subject_key=subject_key)
        summary = write_export(
            out, self.store, self.spool, subject_id, subject_key,
            clock=self.clock, on_record=on_record,
        )  # fmt: skip
        self.audit.append(actor, "export.completed", subject_key=subject_key, counts=summary.counts)
        return summary

    def downloaded(
        self, job: dict[str, Any], actor: str, token_id: str, request_id: str | None
    ) -> None:
        """Audit one download: who (token), which export, when, how many bytes."""
        self.audit.append(
            actor, "export.downloaded", subject_key=job.get("subject_key"),
            request_id=request_id, details={"job_id": job["id"], "token_id": token_id,
                                            "bytes": self.path(job["id"]).stat().st_size},
        )  # fmt: skip

    def path(self, job_id: str) -> Path:
        return self.exports_dir / f"{job_id}.json"

    def run(self, job_id: str) -> dict[str, Any] | None:
        """Write the export of a pending (or interrupted) job; None if another runner
        owns it or it no longer exists."""
        current = self.jobs.get(job_id)
        if current is None or current[0].get("status") == "completed":
            return current[0] if current else None
        claimed = self.jobs.update(job_id, current[1], {"status": "running"})
        if claimed is None:
            return None
        job, version = claimed
        private_dir(self.exports_dir)
        part = self.path(job_id).with_suffix(".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                summary = write_export(
                    out, self.store, self.spool, job["subject_id"], job["subject_key"],
                    clock=self.clock,
                )  # fmt: skip
            part.replace(self.path(job_id))
        except BaseException:
            part.unlink(missing_ok=True)
            self.jobs.update(job_id, version, {"status": "failed", "error": "export failed"})
            raise
        now = self.clock.now()
        done = self.jobs.update(
            job_id,
            version,
            {
                "status": "completed",
                "completed_at": now.isoformat(),
                "expires_at": (now + EXPORT_TTL).isoformat(),
                "summary": summary.as_dict(),
                "counts": summary.counts,
                "bytes": self.path(job_id).stat().st_size,
            },
            drop=("subject_id",),
        )
        self.audit.append(
            job["requested_by"], "export.completed", subject_key=job["subject_key"],
            request_id=job.get("request_id"), counts=summary.counts,
            details={"job_id": job_id},
        )  # fmt: skip
        return done[0] if done else None

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job, or None if unknown or expired (an expired one is deleted now)."""
        current = self.jobs.get(job_id)
        if current is None:
            return None
        if self._expired(current[0]):
            self._delete(job_id)
            return None
        return current[0]

    def _expired(self, job: dict[str, Any]) -> bool:
        expires = job.get("expires_at")
        return bool(expires) and datetime.fromisoformat(expires) <= self.clock.now()

    def _delete(self, job_id: str) -> None:
        self.path(job_id).unlink(missing_ok=True)
        self.path(job_id).with_suffix(".part").unlink(missing_ok=True)
        self.jobs.delete(job_id)

    def expire(self) -> int:
        """Delete expired exports (files and jobs); returns how many."""
        expired = [job["id"] for job in self.jobs.all() if self._expired(job)]
        for job_id in expired:
            self._delete(job_id)
        return len(expired)

    def purge_subject(self, subject_key: str) -> int:
        """Delete every export job and file of the subject (erasure); returns how many."""
        ids = [job["id"] for job in self.jobs.all() if job.get("subject_key") == subject_key]
        for job_id in ids:
            self._delete(job_id)
        return len(ids)
