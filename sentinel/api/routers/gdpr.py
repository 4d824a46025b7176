"""GDPR export and erasure over HTTP (`/v1/gdpr/*`), as docs/architecture.md specifies.

An export belongs to the token that asked for it: only that token (or an `admin`
one) sees its status or downloads it, and every download is an audit entry.

Both operations are jobs: POST answers 202 with the job id at once and the work runs
in the background (the request object in the store records its progress, so a job a
crash interrupted is resumed when the app starts again). Subject ids travel only in
request bodies, never in URLs, so they stay out of access logs; job status never
shows them either. Erasures are rate-limited per token.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sentinel.api.deps import get_compliance, rate_limit
from sentinel.api.state import api_state
from sentinel.compliance.erasure import STEPS
from sentinel.compliance.service import Compliance
from sentinel.compliance.tokens import ADMIN
from sentinel.subjects import SUBJECT_ID_RULE, SubjectId
from sentinel.web.tokens import TokenInfo, require_scope

log = logging.getLogger("sentinel.api.gdpr")

ERASURES_PER_MINUTE = 10
ERASURE_BURST = 5
JobStatus = Literal["pending", "running", "completed", "failed"]


class ErrorBody(BaseModel):
    detail: str = Field(examples=["invalid or revoked token"])


class SubjectRequest(BaseModel):
    """The data subject, as the application passed it (`subject_id=` on calls)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"subject_id": "user-42"}]}
    )

    subject_id: SubjectId = Field(
        description=f"The subject id: {SUBJECT_ID_RULE}.", examples=["user-42"]
    )


class JobAccepted(BaseModel):
    id: str = Field(
        description="Job id (32 hex characters).", examples=["6f1c0e0f3b5a4a3e9d1f2c7b8a9e0d1c"]
    )
    status: JobStatus = Field(examples=["pending"])


class TimeRange(BaseModel):
    first: str | None = Field(None, examples=["2026-01-01T09:30:00+00:00"])
    last: str | None = Field(None, examples=["2026-01-03T17:05:12+00:00"])


class ExportSummaryOut(BaseModel):
    total: int = Field(examples=[3])
    counts: dict[str, int] = Field(
        examples=[{"conversation": 1, "call": 1, "feedback": 1, "alert": 0}]
    )
    by_source: dict[str, int] = Field(examples=[{"sqlite": 3}])
    time_range: TimeRange


class ExportStatus(BaseModel):
    id: str = Field(examples=["6f1c0e0f3b5a4a3e9d1f2c7b8a9e0d1c"])
    status: JobStatus = Field(examples=["completed"])
    requested_at: str | None = Field(None, examples=["2026-01-03T18:00:00+00:00"])
    completed_at: str | None = Field(None, examples=["2026-01-03T18:00:02+00:00"])
    expires_at: str | None = Field(
        None,
        description="The download is deleted after this time.",
        examples=["2026-01-04T18:00:02+00:00"],
    )
    counts: dict[str, int] | None = Field(
        None, examples=[{"conversation": 1, "call": 1, "feedback": 1, "alert": 0}]
    )
    summary: ExportSummaryOut | None = None
    bytes: int | None = Field(None, examples=[2048])
    download: str | None = Field(
        None,
        description="Where to fetch the document once completed.",
        examples=["/v1/gdpr/exports/6f1c0e0f3b5a4a3e9d1f2c7b8a9e0d1c/download"],
    )
    error: str | None = Field(None, examples=[None])


class ErasureStatus(BaseModel):
    id: str = Field(examples=["0b7d2c61c0a84f4f8a0f0d6f2bb7d9aa"])
    status: JobStatus = Field(examples=["completed"])
    requested_at: str | None = Field(None, examples=["2026-01-03T18:00:00+00:00"])
    completed_at: str | None = Field(None, examples=["2026-01-03T18:00:01+00:00"])
    removed: dict[str, int] = Field(
        description="Records removed per store.",
        examples=[{"sqlite": 12, "spool": 1, "exports": 0}],
    )
    removed_by_kind: dict[str, dict[str, int]] = Field(
        default_factory=dict, examples=[{"sqlite": {"conversation": 4, "call": 4, "feedback": 4}}]
    )
    cut_off: str | None = Field(
        None,
        description="Set once completed: records of the subject created at or before this "
        "time are erased (late copies are dropped); later ones are stored as usual.",
        examples=["2026-01-03T18:00:06+00:00"],
    )
    steps_done: list[str] = Field(
        default_factory=list,
        examples=[list(STEPS)],
    )
    reclaim_again_at: str | None = Field(
        None,
        description="Set while the store still holds deleted bytes it could not purge at "
        "once (Elasticsearch retention leases): `sentinel serve` reclaims again at this time.",
        examples=["2026-01-03T18:01:01+00:00"],
    )
    reclaimed_at: str | None = Field(
        None,
        description="When that second reclaim ran.",
        examples=["2026-01-03T18:01:15+00:00"],
    )
    error: str | None = Field(None, examples=[None])


EXPORT_EXAMPLE = {
    "schema": "sentinel.gdpr.export",
    "schema_version": 1,
    "generated_at": "2026-01-03T18:00:01+00:00",
    "subject": {"subject_id": "user-42", "subject_key": "9f2c5b…"},
    "records": [{"source": "sqlite", "kind": "call", "data": {"request_id": "r-1"}}],
    "summary": {
        "total": 1,
        "counts": {"conversation": 0, "call": 1, "feedback": 0, "alert": 0},
        "by_source": {"sqlite": 1},
        "time_range": {"first": "2026-01-01T09:30:00+00:00", "last": "2026-01-01T09:30:00+00:00"},
    },
}


LOCATION = {
    "Location": {
        "description": "The job's status URL.",
        "schema": {
            "type": "string",
            "example": "/v1/gdpr/erasures/0b7d2c61c0a84f4f8a0f0d6f2bb7d9aa",
        },
    }
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing, invalid or revoked bearer token.",
        403: "The token lacks the required scope.",
        404: "No such job (or its export expired).",
        409: "The export is not ready yet.",
        413: "Request body too large.",
        429: "Too many erasures for this token; see Retry-After.",
        503: "The store is temporarily unavailable; see Retry-After.",
    }
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Resume jobs a crash left unfinished, in the background, so startup is not held up."""

    def resume() -> None:
        try:
            service = api_state(app).compliance
            service.erasures.resume_unfinished()
            for job in service.exports.jobs.unfinished():
                service.exports.run(job["id"])
        except Exception:
            log.exception("resuming unfinished GDPR jobs failed; they stay resumable")

    threading.Thread(target=resume, name="sentinel-gdpr-resume", daemon=True).start()
    yield


router = APIRouter(prefix="/v1/gdpr", tags=["gdpr"], lifespan=lifespan)

ExportToken = Annotated[TokenInfo, Depends(require_scope("gdpr:export"))]
EraseToken = Annotated[
    TokenInfo, Depends(rate_limit("gdpr:erase", "erasures", ERASURES_PER_MINUTE, ERASURE_BURST))
]
EraseReadToken = Annotated[TokenInfo, Depends(require_scope("gdpr:erase"))]
Service = Annotated[Compliance, Depends(get_compliance)]


def _accepted(job: dict[str, Any], location: str) -> JSONResponse:
    body = JobAccepted(id=job["id"], status=job["status"]).model_dump()
    return JSONResponse(body, status_code=202, headers={"Location": location})


def _run_export(service: Compliance, job_id: str) -> None:
    try:
        service.exports.run(job_id)
    except Exception:
        log.exception("export job %s failed", job_id)


def _run_erasure(service: Compliance, job_id: str) -> None:
    try:
        service.erasures.run(job_id)
    except Exception:
        log.exception("erasure job %s failed; it stays resumable", job_id)


@router.post(
    "/exports",
    status_code=202,
    response_model=JobAccepted,
    summary="Export everything held about a subject",
    description="Starts an export job (GDPR Art. 15/20); poll it, then download the document.",
    responses={
        202: {"description": "Accepted; the export runs in the background.", "headers": LOCATION},
        **_errors(401, 403, 413, 503),
    },
)
def create_export(
    body: SubjectRequest,
    request: Request,
    token: ExportToken,
    service: Service,
    tasks: BackgroundTasks,
) -> JSONResponse:
    key = service.subject_key(body.subject_id)
    job = service.exports.request(
        body.subject_id, key, token.name, request.state.request_id, owner=token.id
    )
    tasks.add_task(_run_export, service, job["id"])
    return _accepted(job, f"{router.prefix}/exports/{job['id']}")


def _own_export(service: Compliance, export_id: str, token: TokenInfo) -> dict[str, Any]:
    """The export if this token created it (or is admin); else 404, exactly as for an
    unknown id, so another officer's token cannot even learn that the id exists."""
    job = service.exports.get(export_id)
    if job is None or not (ADMIN in token.scopes or job.get("owner") == token.id):
        raise HTTPException(404, "no such export")
    return job


@router.get(
    "/exports/{export_id}",
    response_model=ExportStatus,
    summary="Status of an export job",
    responses=_errors(401, 403, 404, 503),
)
def get_export(export_id: str, token: ExportToken, service: Service) -> ExportStatus:
    job = _own_export(service, export_id, token)
    fields = {k: job.get(k) for k in ExportStatus.model_fields if k in job and k != "download"}
    download = (
        f"{router.prefix}/exports/{export_id}/download" if job["status"] == "completed" else None
    )
    return ExportStatus(**fields, download=download)


@router.get(
    "/exports/{export_id}/download",
    summary="Download a completed export",
    description="The export document (schema `sentinel.gdpr.export` v1), streamed.",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The export document.",
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": EXPORT_EXAMPLE}
            },
        },
        **_errors(401, 403, 404, 409, 503),
    },
)
def download_export(
    export_id: str, request: Request, token: ExportToken, service: Service
) -> FileResponse:
    job = _own_export(service, export_id, token)
    path = service.exports.path(export_id)
    if job["status"] != "completed" or not path.is_file():
        raise HTTPException(409, f"export is {job['status']}, not ready for download")
    try:
        service.exports.downloaded(job, token.name, token.id, request.state.request_id)
    except FileNotFoundError:  # expired between the check and the audit entry
        raise HTTPException(404, "no such export") from None
    return FileResponse(
        path,
        media_type="application/json",
        filename=f"sentinel-export-{export_id}.json",
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/erasures",
    status_code=202,
    response_model=JobAccepted,
    summary="Erase everything held about a subject",
    description=(
        "Starts (or resumes) the erasure of a subject (GDPR Art. 17) from every store and "
        "the spool, and leaves a tombstone so late records are dropped. Rate-limited per token."
    ),
    responses={
        202: {"description": "Accepted; the erasure runs in the background.", "headers": LOCATION},
        **_errors(401, 403, 413, 429, 503),
    },
)
def create_erasure(
    body: SubjectRequest,
    request: Request,
    token: EraseToken,
    service: Service,
    tasks: BackgroundTasks,
) -> JSONResponse:
    key = service.subject_key(body.subject_id)
    job = service.erasures.request(body.subject_id, key, token.name, request.state.request_id)
    tasks.add_task(_run_erasure, service, job["id"])
    return _accepted(job, f"{router.prefix}/erasures/{job['id']}")


@router.get(
    "/erasures/{erasure_id}",
    response_model=ErasureStatus,
    summary="Status of an erasure job",
    responses=_errors(401, 403, 404, 503),
)
def get_erasure(erasure_id: str, token: EraseReadToken, service: Service) -> ErasureStatus:
    job = service.erasures.get(erasure_id)
    if job is None:
        raise HTTPException(404, "no such erasure")
    return ErasureStatus(**{k: job[k] for k in ErasureStatus.model_fields if k in job})
