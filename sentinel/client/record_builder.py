"""CallRecord / Conversation / Feedback from an observed call.

Built without validation: every value comes from already-validated request params or
a parsed response, so re-validating on the hot path would only cost time (see
`sentinel.models.construct`). So every field must be passed;
tests/client/test_records_construct.py checks the result equals `model_construct`'s.
"""

from __future__ import annotations

from datetime import datetime

from sentinel.client.cost import Pricer
from sentinel.client.observation import Observation
from sentinel.models import CallRecord, Conversation, Feedback
from sentinel.models import construct as _construct


def _tool_call_names(obs: Observation) -> list[str]:
    """The answer's tool names, every listed term masked when the filter is on: the
    model names a tool the request offered, whose name can hold a flagged term (sent as
    it is), and only categories and counts of a matched term reach telemetry."""
    names = [c.get("function", {}).get("name", "") for c in obs.tool_calls]
    return names if obs.safety is None else [obs.safety.redacted(n) for n in names]


def call_record(obs: Observation, app: str, pricer: Pricer | None = None) -> CallRecord:
    """`pricer` None: the call is not priced (cost fields None)."""
    req = obs.request
    cost = (
        pricer.price(
            req.model,
            obs.started,
            input_tokens=obs.input_tokens,
            output_tokens=obs.output_tokens,
            cache_hit_tokens=obs.cache_hit_tokens,
            cache_miss_tokens=obs.cache_miss_tokens,
        )
        if pricer is not None
        else None
    )
    return _construct(
        CallRecord,
        {
            "kind": "call",
            "request_id": obs.request_id,
            "timestamp": obs.started,
            "app": app,
            "proxy_token_id": req.proxy_token_id,
            "model": req.model,
            "response_model": obs.response_model,
            "model_drift": obs.response_model is not None and obs.response_model != req.model,
            "conversation_id": req.conversation_id,
            "response_id": obs.response_id,
            "operation": req.operation,
            "outcome": "success" if obs.ok else "failure",
            "http_status": obs.http_status,
            "error_type": obs.error_type,
            "duration_ms": obs.duration_s() * 1000.0,
            "retries": obs.retries,
            "rate_limited": obs.rate_limited,
            "failovers": obs.failovers,
            "attempts": obs.attempts,
            "fallback": obs.fallback,
            "circuit_open": obs.circuit_open,
            "endpoint": obs.endpoint,
            "input_tokens": obs.input_tokens,
            "output_tokens": obs.output_tokens,
            "total_tokens": obs.total_tokens,
            "cache_hit_tokens": obs.cache_hit_tokens,
            "cache_miss_tokens": obs.cache_miss_tokens,
            "reasoning_tokens": obs.reasoning_tokens,
            # priced once, now: a later price change never rewrites it
            "cost": float(cost.amount) if cost is not None else None,
            "cost_currency": cost.currency if cost is not None else None,
            "cache_savings": float(cost.cache_savings) if cost is not None else None,
            "finish_reasons": obs.finish_reasons,
            "tool_calls": len(obs.tool_calls) if obs.tool_calls else None,
            "tool_call_names": _tool_call_names(obs) if obs.tool_calls else [],
            "time_to_first_chunk": obs.first_chunk,
            "time_to_first_content": obs.first_content,
            "keepalive_time": obs.keepalive_time,
            "keepalives": obs.keepalives,
            "params": req.params,
            "subject_key": obs.subject_key,
            "trace_id": obs.trace_id,
            "span_id": obs.span_id,
            "cached": obs.cache_hit,
            "stream_abandoned": obs.abandoned,
            "metadata": req.metadata,
            "safety": obs.safety.summary() if obs.safety is not None else None,
        },
    )


def conversation(obs: Observation, app: str) -> Conversation:
    req = obs.request
    return _construct(
        Conversation,
        {
            "kind": "conversation",
            "request_id": obs.request_id,
            "timestamp": obs.started,
            "app": app,
            "model": req.model,
            "messages": req.messages,
            "completion": obs.completion,
            "reasoning_content": obs.reasoning,
            "tool_calls": obs.tool_calls or None,
            "tools": req.body.get("tools"),
            "tool_choice": req.body.get("tool_choice"),
            "conversation_id": req.conversation_id,
            "subject_id": req.subject_id,
            "subject_key": obs.subject_key,
            "anonymized_at": None,
            "pii_summary": {},
        },
    )


def feedback_record(
    request_id: str,
    *,
    timestamp: datetime,
    app: str,
    model: str | None,
    subject_key: str | None,
    score: float | None,
    satisfied: bool | None,
    comment: str | None,
) -> Feedback:
    return _construct(
        Feedback,
        {
            "kind": "feedback",
            "request_id": request_id,
            "timestamp": timestamp,
            "app": app,
            "model": model,
            "score": score,
            "satisfied": satisfied,
            "comment": comment,
            "subject_key": subject_key,
        },
    )
