"""What Sentinel stores: one CallRecord per call, a Conversation when content capture is on,
Feedback for business metrics, and alert events.

The field names follow ECS and the OpenTelemetry GenAI conventions in their flattened
form where a Kibana user would look for them; the stores map them to `@timestamp`,
`gen_ai.request.model` and so on (see `sentinel.store.schema`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12


def utcnow() -> datetime:
    return datetime.now(UTC)


def subject_key_for(subject_id: str, secret: bytes) -> str:
    """HMAC-SHA256 of a subject id: the only form of a subject that telemetry may carry."""
    return hmac.new(secret, subject_id.encode("utf-8"), hashlib.sha256).hexdigest()


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallParams(_Record):
    temperature: float | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    stream: bool = False
    response_format: str | None = None
    tools: int | None = None  # how many tools were offered; the schemas are content


class CallSafety(TypedDict):
    """What the content safety filter found in a call: categories and counts only,
    never the matched text (`sentinel.safety`)."""

    categories: list[str]
    action: str  # the strongest applied: flag < mask < block
    matches: int
    counts: dict[str, int]


class CallRecord(_Record):
    """The operational record of one call: no content, no raw subject id."""

    kind: Literal["call"] = "call"
    request_id: str
    timestamp: datetime  # when the call started (UTC)
    app: str = "default"
    model: str
    response_model: str | None = None
    response_id: str | None = None
    operation: str = "chat"
    outcome: Literal["success", "failure"] = "success"
    http_status: int | None = None
    error_type: str | None = None
    duration_ms: float = 0.0
    retries: int = 0
    rate_limited: bool = False  # at least one 429 was seen during the call
    failovers: int = 0
    fallback: bool = False
    circuit_open: bool = False
    endpoint: str | None = None  # the host that served the final attempt
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    finish_reasons: list[str] = Field(default_factory=list)
    params: CallParams = Field(default_factory=CallParams)
    subject_key: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    cached: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)
    safety: CallSafety | None = None  # None: nothing matched, or no lists

    @property
    def is_error(self) -> bool:
        return self.outcome != "success"


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | None = None


class Conversation(_Record):
    """Content of one call. Raw subject_id is kept only until anonymization."""

    kind: Literal["conversation"] = "conversation"
    request_id: str
    timestamp: datetime
    app: str = "default"
    model: str
    messages: list[dict[str, Any]]
    completion: str | None = None
    subject_id: str | None = None
    subject_key: str | None = None
    anonymized_at: datetime | None = None
    pii_summary: dict[str, int] = Field(default_factory=dict)


class Feedback(_Record):
    """Business metrics for one call; the id is the call's request_id (last write wins)."""

    kind: Literal["feedback"] = "feedback"
    request_id: str
    timestamp: datetime
    app: str = "default"
    model: str | None = None
    score: float | None = None
    satisfied: bool | None = None
    comment: str | None = None
    subject_key: str | None = None


Record = CallRecord | Conversation | Feedback


class AlertEvent(_Record):
    """One state change of one alert instance (written to sentinel-alerts)."""

    id: str
    alertname: str
    fingerprint: str
    state: Literal["pending", "firing", "resolved", "inactive"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    value: float | None = None
    active_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    timestamp: datetime


class AuditEntry(_Record):
    """One link of the hash-chained audit log (sentinel-audit); seq is the document id."""

    seq: int
    timestamp: datetime
    actor: str
    action: str
    subject_key: str | None = None
    request_id: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str


def record_from_dict(data: dict[str, Any]) -> Record:
    """Rebuild a record from its JSON form (spool segments, exports)."""
    kind = data.get("kind")
    if kind == "call":
        return CallRecord.model_validate(data)
    if kind == "conversation":
        return Conversation.model_validate(data)
    if kind == "feedback":
        return Feedback.model_validate(data)
    raise ValueError(f"unknown record kind {kind!r}")
