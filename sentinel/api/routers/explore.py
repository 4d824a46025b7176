"""The explorer: `GET /v1/calls` (filtered, keyset-paged), `/v1/calls/charts`,
`/v1/calls/{id}` (the call and its timeline), `/v1/conversations/{id}` (the stored
messages), and the pages under `/explore` that draw them.

Unlike the status page these answers hold personal data (subject keys, conversation
content, raw until anonymized), so they need a token with the `explore` scope. One
exception keeps a fresh install usable: while no API token exists at all, a request from
a loopback address is admitted without one (the same machine could read the SQLite file
anyway); the first `sentinel tokens create` ends it. A request that carries a forwarding
header (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`) is not treated as local even from
loopback: a reverse proxy on the same host would otherwise make every remote user look
like loopback. The pages themselves are static
shells under the self-only CSP, holding no data: their script fetches the JSON with the
token the operator gives (kept in sessionStorage), and writes it only as text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials

from sentinel.api.routers.status import html_page
from sentinel.api.state import api_state
from sentinel.api.timeline import summary, timeline
from sentinel.client.tls import is_loopback
from sentinel.durations import parse_duration
from sentinel.models import Conversation
from sentinel.store.explore import CallFilter, chart_step, explorer_for
from sentinel.web.tokens import bearer, check_token

router = APIRouter(tags=["explore"])

MAX_RANGE = timedelta(days=400)
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def explore_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """An `explore` token, or none at all from loopback while no token exists."""
    tokens = api_state(request.app).tokens
    if credentials is None:
        host = request.client.host if request.client else ""
        forwarded = any(h in request.headers for h in _FORWARDING_HEADERS)
        if is_loopback(host) and not forwarded and not tokens.list():
            return
    check_token(tokens, None if credentials is None else credentials.credentials, "explore")


Access = Annotated[None, Depends(explore_access)]


def _invalid(name: str, msg: str) -> RequestValidationError:
    # Answered like every other 422 (where and why), never echoing the value.
    return RequestValidationError([{"loc": ("query", name), "type": "value_error", "msg": msg}])


def _time(name: str, value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(name, "an ISO 8601 time such as 2026-03-02T11:00:00Z") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def call_filter(
    request: Request,
    since: Annotated[
        str | None, Query(description="Window ending now, e.g. 15m, 24h, 7d (default 24h).")
    ] = None,
    start: Annotated[str | None, Query(description="ISO 8601 start (inclusive).")] = None,
    end: Annotated[
        str | None, Query(description="ISO 8601 end (exclusive); default: now, inclusive.")
    ] = None,
    app: Annotated[str | None, Query(max_length=256)] = None,
    model: Annotated[str | None, Query(max_length=256)] = None,
    outcome: Literal["success", "failure"] | None = None,
    status: Annotated[int | None, Query(ge=100, le=599, description="HTTP status")] = None,
    subject_key: Annotated[str | None, Query(max_length=128)] = None,
    conversation_id: Annotated[str | None, Query(max_length=256)] = None,
    cost_above: Annotated[float | None, Query(ge=0, le=1e9)] = None,
    latency_above_ms: Annotated[float | None, Query(ge=0, le=1e9)] = None,
) -> CallFilter:
    now = api_state(request.app).clock.now()
    # Without an end: up to the next whole minute, so a call made just now is listed and
    # chart buckets start on round times.
    stop = _time("end", end) if end else _next_minute(now)
    if start:
        first = _time("start", start)
    else:
        try:
            first = stop - parse_duration(since or "24h")
        except (ValueError, OverflowError):
            raise _invalid("since", "a duration such as 15m, 24h or 7d") from None
    if not timedelta(0) < stop - first <= MAX_RANGE:
        raise _invalid("start", "the range must be over 0s and at most 400d")
    return CallFilter(
        start=first, end=stop, app=app or None, model=model or None, outcome=outcome,
        http_status=status, subject_key=subject_key or None,
        conversation_id=conversation_id or None, cost_above=cost_above,
        latency_above_ms=latency_above_ms,
    )  # fmt: skip


Filter = Annotated[CallFilter, Depends(call_filter)]


def _row(call: Any) -> dict[str, Any]:
    return {
        "request_id": call.request_id,
        "timestamp": call.timestamp,
        "app": call.app,
        "model": call.model,
        "outcome": call.outcome,
        "http_status": call.http_status,
        "error_type": call.error_type,
        "duration_ms": call.duration_ms,
        "retries": call.retries,
        "failovers": call.failovers,
        "total_tokens": call.total_tokens,
        "cost": call.cost,
        "cost_currency": call.cost_currency,
        "conversation_id": call.conversation_id,
        "subject_key": call.subject_key,
    }


@router.get("/v1/calls")
def list_calls(
    request: Request,
    _access: Access,
    where: Filter,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    """Calls newest first; pass `next_cursor` back as `cursor` for the next page."""
    try:
        page = explorer_for(api_state(request.app).store).calls(where, limit, cursor)
    except ValueError as exc:
        raise _invalid("cursor", str(exc)) from None
    return {
        "start": where.start,
        "end": where.end,
        "calls": [_row(c) for c in page.calls],
        "next_cursor": page.next_cursor,
    }


@router.get("/v1/calls/charts")
def charts(request: Request, _access: Access, where: Filter) -> dict[str, Any]:
    """Calls, error rate and latency percentiles over time; tokens and cost by model."""
    queries = explorer_for(api_state(request.app).store)
    step = chart_step(where.start, where.end)
    return {
        "start": where.start,
        "end": where.end,
        "step_seconds": step.total_seconds(),
        "buckets": [
            {
                "start": b.start,
                "calls": b.calls,
                "errors": b.errors,
                "error_rate": b.errors / b.calls if b.calls else None,
                "latency_ms": {f"p{q}": v for q, v in b.latency_ms.items()},
            }
            for b in queries.series(where, step)
        ],
        "models": [vars(m) for m in queries.by_model(where)],
    }


@router.get("/v1/calls/{request_id}")
def get_call(request: Request, _access: Access, request_id: str) -> dict[str, Any]:
    """One call with its timeline (attempts, waits, failover hops) and summary."""
    store = api_state(request.app).store
    call = store.get_call(request_id) if len(request_id) <= 128 else None
    if call is None:
        raise HTTPException(404, "no call with this request id")
    return {
        "call": call.model_dump(mode="json"),
        "timeline": timeline(call),
        "summary": summary(call),
        "has_conversation": store.get_conversation(call.request_id) is not None,
    }


def _turn(conv: Conversation) -> dict[str, Any]:
    """A stored turn without the raw subject id (the key identifies the subject)."""
    return {
        "request_id": conv.request_id,
        "timestamp": conv.timestamp,
        "model": conv.model,
        "messages": conv.messages,
        "completion": conv.completion,
        "reasoning_content": conv.reasoning_content,
        "tool_calls": conv.tool_calls,
        "anonymized_at": conv.anonymized_at,
        "pii_summary": conv.pii_summary,
        "subject_key": conv.subject_key,
    }


@router.get("/v1/conversations/{conversation_id}")
def get_conversation(request: Request, _access: Access, conversation_id: str) -> dict[str, Any]:
    """The stored turns of a conversation (by conversation id, or the request id of a
    call that has no conversation id), oldest first: anonymized text once the job ran."""
    store = api_state(request.app).store
    if len(conversation_id) > 256:
        raise HTTPException(404, "no conversation with this id")
    ids = [c.request_id for c in store.conversation_calls(conversation_id)] or [conversation_id]
    turns = [conv for rid in ids if (conv := store.get_conversation(rid)) is not None]
    if not turns:
        raise HTTPException(404, "no conversation with this id")
    return {"conversation_id": conversation_id, "turns": [_turn(t) for t in turns]}


@router.get("/explore", include_in_schema=False)
def explore_page() -> Response:
    return html_page("explore.html")


@router.get("/explore/calls/{request_id}", include_in_schema=False)
def call_page(request_id: str) -> Response:
    return html_page("call.html")


@router.get("/explore/conversations/{conversation_id}", include_in_schema=False)
def conversation_page(conversation_id: str) -> Response:
    return html_page("conversation.html")
