"""`GET /v1/spend`: what calls cost and what DeepSeek's context cache saved, by app,
model, subject key, conversation, day or proxy token, per currency: the same report as `sentinel
spend`, aggregated by the store (scope `spend:read`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from sentinel.api.state import api_state
from sentinel.spend import DEFAULT_SINCE
from sentinel.spend.report import parse_time, report
from sentinel.web.tokens import TokenInfo, require_scope

router = APIRouter(tags=["spend"])


def _time(name: str, text: str, now: Any) -> Any:
    try:
        return parse_time(text, now)
    except (ValueError, OverflowError):
        # a validation error like every other 422, without echoing the value
        error = {"loc": ("query", name), "type": "value_error",
                 "msg": "a duration such as 24h or 30d, or an ISO date"}  # fmt: skip
        raise RequestValidationError([error]) from None


@router.get("/v1/spend")
def get_spend(
    request: Request,
    _token: Annotated[TokenInfo, Depends(require_scope("spend:read"))],
    by: Literal["app", "model", "subject", "conversation", "day", "token"] = "app",
    since: Annotated[str, Query(description="a duration back or an ISO date")] = DEFAULT_SINCE,
    until: Annotated[str | None, Query(description="a duration back or an ISO date")] = None,
    app: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    model: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    """Rows per group and currency (currency null: calls with no cost), and totals."""
    state = api_state(request.app)
    now = state.clock.now()
    start = _time("since", since, now)
    end = _time("until", until, now) if until else now
    if start >= end:  # an empty range reads as "nothing spent" (the CLI refuses it too)
        error = {"loc": ("query", "since"), "type": "value_error", "msg": "not before until"}
        raise RequestValidationError([error])
    where = {k: v for k, v in (("app", app), ("model", model)) if v}
    return report(state.store, by=by, start=start, end=end, where=where, limit=limit)
