"""`GET /v1/alerts`: what is pending or firing now, and what changed recently.

Both come from the store (state entries and the alerts index), not from the daemon's
memory, so every replica answers the same and the answer survives restarts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from sentinel.api.state import api_state
from sentinel.durations import parse_duration
from sentinel.rules.engine import load_active
from sentinel.web.tokens import TokenInfo, require_scope

router = APIRouter(tags=["alerts"])


@router.get("/v1/alerts")
def list_alerts(
    request: Request,
    _token: Annotated[TokenInfo, Depends(require_scope("alerts:read"))],
    since: Annotated[str, Query(description="how far back recent events go, e.g. 24h")] = "24h",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Active alerts (pending and firing) and the recent state changes, newest first."""
    state = api_state(request.app)
    now = state.clock.now()
    try:
        start = now - parse_duration(since)
    except (ValueError, OverflowError):
        # Raised as a validation error so the middleware answers it like every other
        # 422: where and why, without echoing the value (parse_duration quotes it).
        error = {"loc": ("query", "since"), "type": "value_error",
                 "msg": "a duration such as 30m, 24h or 7d"}  # fmt: skip
        raise RequestValidationError([error]) from None
    active = sorted(load_active(state.store), key=lambda i: (i.alertname, i.fingerprint))
    recent = state.store.list_alert_events(since=start, limit=limit)
    return {
        "active": [
            {
                "alertname": i.alertname,
                "state": i.state,
                "labels": i.labels,
                "annotations": i.annotations,
                "value": i.value,
                "active_at": i.active_at,
                "fired_at": i.fired_at,
                "fingerprint": i.fingerprint,
            }
            for i in active
        ],
        "recent": [e.model_dump(mode="json") for e in recent],
    }
