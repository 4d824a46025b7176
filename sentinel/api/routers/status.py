"""The status page (`GET /`) and the JSON it renders (`GET /v1/status`).

Both are unauthenticated on purpose: an operator (or a wall screen) should see at a
glance whether DeepSeek calls are healthy without holding a compliance token, the
same way `/metrics` is scraped without one. That is safe because the answer holds
no personal data by construction: aggregates over calls (counts, rates, latency
percentiles), alerts by rule name with their severity and labels (labels come from
the rule's `group_by`, which the store limits to app, model, endpoint, operation and
error type), the age of the oldest raw conversation, and GDPR requests reduced to
kind, status, ages and counts — never a job id (a handle on someone's export), a
subject id, a subject key, the requesting actor, or any message content. A deployment
that must hide even that binds the API to loopback (the default) or puts it behind its proxy's auth.

The page is static HTML, CSS and JS from `sentinel/api/static/` with no external
asset (a Content-Security-Policy of 'self' makes the browser enforce it); the script
polls `/v1/status` every few seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from sentinel.api.state import api_state
from sentinel.compliance.gdpr_jobs import Jobs
from sentinel.durations import format_duration, parse_duration
from sentinel.privacy.deadline import oldest_raw_age
from sentinel.rules.engine import load_active
from sentinel.spend.report import card as spend_card
from sentinel.store.base import Store
from sentinel.store.explore import CallFilter, explorer_for

router = APIRouter(tags=["status"])

MAX_WINDOW = timedelta(days=7)
RECENT_GDPR = 10
RECENT_ALERT_EVENTS = 10
REFRESH_SECONDS = 5
_STATIC = {
    "common.js": "text/javascript; charset=utf-8",
    "status.js": "text/javascript; charset=utf-8",
    "status.css": "text/css; charset=utf-8",
    "explore.js": "text/javascript; charset=utf-8",
    "explore.css": "text/css; charset=utf-8",
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Latency(BaseModel):
    avg_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None


class Traffic(BaseModel):
    calls: int
    errors: int
    success_rate: float | None = Field(description="Share of calls that succeeded; null if none.")
    rate_limited: int
    circuit_open: int
    retried: int = Field(0, description="Calls retried at least once.")
    retries: int = Field(0, description="Retries of all calls.")
    failed_over: int = Field(0, description="Calls that failed over to another endpoint.")
    failovers: int = Field(0, description="Failover hops of all calls.")
    latency: Latency
    content_flagged: dict[str, int] = Field(
        default_factory=dict,
        description="Calls in which the content safety filter found each category.",
    )


class ActiveAlert(BaseModel):
    alertname: str
    state: Literal["pending", "firing"]
    severity: str | None
    labels: dict[str, str]
    summary: str | None
    value: float | None
    active_at: datetime
    fired_at: datetime | None


class AlertChange(BaseModel):
    alertname: str
    state: str
    severity: str | None
    labels: dict[str, str] = Field(default_factory=dict, description="app, model, ...")
    timestamp: datetime


class Anonymization(BaseModel):
    oldest_raw_age_seconds: float = Field(description="0 when every conversation is anonymized.")
    any_raw: bool = Field(True, description="Whether any conversation is still raw.")
    deadline_seconds: float = Field(description="SENTINEL_ANONYMIZE_WITHIN.")
    overdue: bool


class GdprRequest(BaseModel):
    """No job id: on an unauthenticated page an id is a handle on someone's export."""

    kind: Literal["export", "erasure"]
    status: str
    age_seconds: float | None = Field(description="Since the request was made.")
    took_seconds: float | None = Field(description="From request to completion.")
    records: int = Field(description="Records exported or removed (all stores).")


class SpendDay(BaseModel):
    day: str
    cost: float


class Spend(BaseModel):
    """Totals only (no subject, no conversation): what the calls cost in SENTINEL_CURRENCY."""

    currency: str
    today: float = Field(description="Since 00:00 UTC.")
    trend: list[SpendDay] = Field(description="The last 7 days (UTC), oldest first.")
    cache_savings_7d: float
    cache_hit_ratio_7d: float | None = Field(description="Cache-hit share of input tokens.")


class Status(BaseModel):
    generated_at: datetime
    window: str
    refresh_seconds: int
    store: str
    store_up: bool
    traffic: Traffic
    alerts: list[ActiveAlert]
    recent_alert_changes: list[AlertChange]
    anonymization: Anonymization
    calls_retention_seconds: float | None = Field(
        description="SENTINEL_CALLS_RETENTION; null when call records are kept forever."
    )
    gdpr: list[GdprRequest]
    spend: Spend


def _traffic(store: Store, start: datetime, end: datetime) -> Traffic:
    stats = store.call_stats(start, end)
    s = stats[0] if stats else None
    if s is None or s.total == 0:
        return Traffic(
            calls=0, errors=0, success_rate=None, rate_limited=0, circuit_open=0, latency=Latency()
        )
    # (start, end] as call_stats counts; the explorer's windows are [start, end)
    tick = timedelta(microseconds=1)
    policy = explorer_for(store).resilience(CallFilter(start=start + tick, end=end + tick))
    return Traffic(
        retried=policy.retried_calls,
        retries=policy.retries,
        failed_over=policy.failed_over_calls,
        failovers=policy.failovers,
        calls=s.total,
        errors=s.errors,
        success_rate=(s.total - s.errors) / s.total,
        rate_limited=s.rate_limited,
        circuit_open=s.circuit_open,
        latency=Latency(
            avg_ms=s.latency_avg_ms,
            p50_ms=s.latency_p50_ms,
            p95_ms=s.latency_p95_ms,
            p99_ms=s.latency_p99_ms,
        ),
        content_flagged=s.flagged,
    )


def _labels(labels: dict[str, str]) -> dict[str, str]:
    """An alert's labels without the two shown in columns of their own."""
    return {k: v for k, v in labels.items() if k not in ("alertname", "severity")}


def _alerts(store: Store) -> list[ActiveAlert]:
    active = [i for i in load_active(store) if i.state in ("pending", "firing")]
    active.sort(key=lambda i: (i.state != "firing", i.alertname, i.fingerprint))
    return [
        ActiveAlert(
            alertname=i.alertname,
            state=i.state,  # type: ignore[arg-type]
            severity=i.labels.get("severity"),
            labels=_labels(i.labels),
            summary=i.annotations.get("summary"),
            value=i.value,
            active_at=i.active_at,
            fired_at=i.fired_at,
        )
        for i in active
    ]


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _row(kind: str, status: str, requested: datetime | None, completed: datetime | None,
         records: int, now: datetime) -> tuple[float, GdprRequest]:  # fmt: skip
    return (
        requested.timestamp() if requested else 0.0,
        GdprRequest(
            kind=kind,  # type: ignore[arg-type]
            status=status,
            # never negative: a writer's clock a little ahead of this one (or the demo's
            # accelerated clock) would otherwise show a request "in -30s"
            age_seconds=max(0.0, (now - requested).total_seconds()) if requested else None,
            took_seconds=(completed - requested).total_seconds()
            if requested and completed
            else None,
            records=records,
        ),
    )


def _audited_exports(store: Store, cache: Any) -> list[tuple[str | None, datetime, datetime, int]]:
    """Completed exports as the audit log has them: (job id, requested, completed,
    records). An export job is deleted when it expires or its subject is erased, and
    `sentinel gdpr export` never makes one, but the audit entries stay. Re-read only when
    the log grew (the page polls every few seconds)."""
    last = store.last_audit()
    head = last.seq if last else -1
    cached = getattr(cache, "status_audit_exports", None)
    if cached is not None and cached[0] == head:
        return cached[1]
    requested: dict[Any, datetime] = {}
    done: list[tuple[str | None, datetime, datetime, int]] = []
    for entry in store.iter_audit() if last else ():
        job_id = entry.details.get("job_id")
        if entry.action == "export.requested":
            requested[job_id or entry.subject_key] = entry.timestamp
        elif entry.action == "export.completed":
            start = requested.pop(job_id or entry.subject_key, entry.timestamp)
            done.append((job_id, start, entry.timestamp, sum(entry.counts.values())))
    cache.status_audit_exports = (head, done)
    return done


def _gdpr(store: Store, now: datetime, cache: Any) -> list[GdprRequest]:
    """Counts and ages only: a job holds the raw subject id until it finishes, and its
    id, actor and subject key are for the token that made it (see routers.gdpr)."""
    rows: list[tuple[float, GdprRequest]] = []
    live: set[str] = set()
    for kind in ("export", "erasure"):
        for job in Jobs(store, kind).all():
            live.add(str(job.get("id")))
            counts: dict[str, Any] = job.get("counts" if kind == "export" else "removed") or {}
            rows.append(
                _row(kind, str(job.get("status", "unknown")), _time(job.get("requested_at")),
                     _time(job.get("completed_at")),
                     sum(v for v in counts.values() if isinstance(v, int)), now)
            )  # fmt: skip
    for job_id, requested, completed, records in _audited_exports(store, cache):
        if job_id not in live:
            rows.append(_row("export", "completed", requested, completed, records, now))
    rows.sort(key=lambda r: r[0], reverse=True)
    return [row for _, row in rows[:RECENT_GDPR]]


@router.get("/v1/status", response_model=Status)
def status(
    request: Request,
    window: Annotated[
        str, Query(description="How far back traffic is aggregated, e.g. 15m, 1h (max 7d).")
    ] = "1h",
) -> Status:
    """Health at a glance, without authentication and without personal data (see the
    module docstring for why both hold)."""
    state = api_state(request.app)
    store: Store = state.store
    try:
        span = parse_duration(window)
    except (ValueError, OverflowError):  # the input is not echoed back (see middleware)
        span = timedelta(0)
    if not timedelta(0) < span <= MAX_WINDOW:
        raise HTTPException(422, "window: a duration over 0s and at most 7d, e.g. 15m, 1h")
    now = state.clock.now()
    within = state.settings.anonymize_within
    oldest_raw = store.oldest_raw_conversation()
    age = oldest_raw_age(oldest_raw, now)
    changes = store.list_alert_events(since=now - timedelta(days=1), limit=RECENT_ALERT_EVENTS)
    return Status(
        generated_at=now,
        window=format_duration(span),
        refresh_seconds=REFRESH_SECONDS,
        store=store.name,
        store_up=store.ping(),
        traffic=_traffic(store, now - span, now),
        alerts=_alerts(store),
        recent_alert_changes=[
            AlertChange(
                alertname=e.alertname,
                state=e.state,
                severity=e.labels.get("severity"),
                labels=_labels(e.labels),
                timestamp=e.timestamp,
            )
            for e in changes
        ],
        anonymization=Anonymization(
            oldest_raw_age_seconds=age.total_seconds(),
            any_raw=oldest_raw is not None,
            deadline_seconds=within.total_seconds(),
            overdue=age > within,
        ),
        calls_retention_seconds=state.settings.calls_retention.total_seconds() or None,
        gdpr=_gdpr(store, now, request.app.state),  # its cache rides on the app
        spend=Spend.model_validate(spend_card(store, now, state.settings.currency)),
    )


def _asset(name: str) -> bytes:
    return resources.files("sentinel.api").joinpath("static", name).read_bytes()


def html_page(name: str) -> Response:
    """A page of `static/` under the self-only CSP (the explorer's pages too)."""
    return Response(
        _asset(name),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-cache"},
    )


@router.get("/", include_in_schema=False)
def page() -> Response:
    return html_page("index.html")


@router.get("/static/{name}", include_in_schema=False)
def asset(name: str) -> Response:
    media_type = _STATIC.get(name)
    if media_type is None:
        raise HTTPException(404, "no such asset")
    return Response(_asset(name), media_type=media_type, headers={"Cache-Control": "no-cache"})
