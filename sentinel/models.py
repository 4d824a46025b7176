"""What Sentinel stores: one CallRecord per call, a Conversation when content capture is on,
Feedback for business metrics, and alert events.

The field names follow ECS and the OpenTelemetry GenAI conventions in their flattened
form where a Kibana user would look for them; the stores map them to `@timestamp`,
`gen_ai.request.model` and so on (see `sentinel.store.schema`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

M = TypeVar("M", bound=BaseModel)


_set = object.__setattr__


def construct(cls: type[M], fields: dict[str, Any]) -> M:
    """A model from already-valid values, every field given. Not `model_construct`, which
    walks every field's default handling in Python (~15 us for a CallRecord): this sets
    the instance state pydantic v2 documents for a model (`__dict__`,
    `__pydantic_fields_set__`, `__pydantic_extra__`, `__pydantic_private__`) in ~1 us.
    tests/client/test_records_construct.py checks the result equals model_construct's."""
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def subject_key_for(subject_id: str, secret: bytes) -> str:
    """HMAC-SHA256 of a subject id: the only form of a subject that telemetry may carry."""
    return hmac.new(secret, subject_id.encode("utf-8"), hashlib.sha256).hexdigest()


# An API token's id (`sst_<id>_<secret>`): public, what a call record may carry.
TOKEN_ID = r"[0-9a-f]{16}"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class Out:
    """Where one call field goes besides the record: the one table of call fields.

    CallRecord (and CallParams) declare each field once, type and default plus an `Out`;
    the span attributes, the ECS line, the store documents, the Elasticsearch mapping and
    the SQLite columns are all derived from these (`call_fields()`), so adding a field is
    one line plus the code that sets its value. None: the field has no place there.
    """

    span: str | None = None  # span attribute
    ecs: str | None = None  # dotted key in the ECS log line
    store: str | None = None  # dotted document path in the stores
    es: str | None = None  # Elasticsearch type; "id": keyword without ignore_above
    column: str | None = None  # SQLite column type, for fields the stores aggregate on
    sparse: bool = False  # left out of span and log line when falsy (flags, empty lists)
    # a token count: its gen_ai.token.type on the token-usage histogram; the stores total
    # every token field per window (CallStats.tokens)
    tokens: str | None = None


_SAME: Any = object()


def at(
    path: str,
    es: str,
    *,
    span: str | None = _SAME,
    ecs: str | None = _SAME,
    store: str | None = _SAME,
    column: str | None = None,
    sparse: bool = False,
    tokens: str | None = None,
) -> Out:
    """One path for span, log line and store unless overridden (the usual case: the
    OpenTelemetry name is also the ECS and Kibana name)."""
    return Out(
        span=path if span is _SAME else span,
        ecs=path if ecs is _SAME else ecs,
        store=path if store is _SAME else store,
        es=es,
        column=column or ("INTEGER" if tokens else None),
        sparse=sparse,
        tokens=tokens,
    )


class CallParams(_Record):
    temperature: Annotated[float | None, at("gen_ai.request.temperature", "double")] = None
    top_p: Annotated[float | None, at("gen_ai.request.top_p", "double")] = None
    frequency_penalty: Annotated[float | None, at("gen_ai.request.frequency_penalty", "double")] = (
        None
    )
    presence_penalty: Annotated[float | None, at("gen_ai.request.presence_penalty", "double")] = (
        None
    )
    max_tokens: Annotated[int | None, at("gen_ai.request.max_tokens", "integer")] = None
    stop: Annotated[list[str] | None, at("gen_ai.request.stop_sequences", "keyword")] = None
    stream: Annotated[
        bool, at("sentinel.stream", "boolean", store="sentinel.request.stream", sparse=True)
    ] = False
    response_format: Annotated[str | None, at("sentinel.request.response_format", "keyword")] = None
    # how many tools were offered, and their names; the schemas are content
    tools: Annotated[int | None, at("sentinel.request.tools", "integer")] = None
    tool_names: Annotated[list[str] | None, at("sentinel.request.tool_names", "keyword")] = None
    tool_choice: Annotated[str | None, at("sentinel.request.tool_choice", "keyword")] = None
    # the thinking mode the call ran in: as requested, else the model's default (catalogue)
    thinking: Annotated[str | None, at("sentinel.request.thinking", "keyword")] = None
    reasoning_effort: Annotated[str | None, at("sentinel.request.reasoning_effort", "keyword")] = (
        None
    )
    # chat prefix completion (beta): the answer continues the last assistant message
    prefix: Annotated[bool, at("sentinel.request.prefix", "boolean", sparse=True)] = False


class CallSafety(TypedDict):
    """What the content safety filter found in a call: categories and counts only,
    never the matched text (`sentinel.safety`)."""

    categories: list[str]
    action: str  # the strongest applied: flag < mask < block
    matches: int
    counts: dict[str, int]


class CallAttempt(TypedDict):
    """One attempt of a call that was followed by another (a retry, a failover hop, a
    token refresh or a fallback model): what the explorer's timeline draws."""

    endpoint: str | None  # host:port
    status: int | None  # HTTP status; None after a connection error
    error_type: str
    duration_ms: float
    wait_ms: float  # the pause before the next attempt (retry delay, Retry-After)


class CallRecord(_Record):
    """The operational record of one call: no content, no raw subject id."""

    kind: Literal["call"] = "call"
    request_id: Annotated[str, at("sentinel.request_id", "id", column="TEXT")]
    # when the call started (UTC)
    timestamp: Annotated[datetime, Out(store="@timestamp", es="date_nanos")]
    app: Annotated[str, at("sentinel.app", "keyword", store="service.name", column="TEXT")] = (
        "default"
    )
    # the proxy token that made the call: its id (the public part), never the token
    proxy_token_id: Annotated[str | None, at("sentinel.proxy.token_id", "id", column="TEXT")] = None
    # span=None: the span has it from its start, where samplers can see it
    model: Annotated[str, at("gen_ai.request.model", "keyword", span=None, column="TEXT")]
    response_model: Annotated[str | None, at("gen_ai.response.model", "keyword")] = None
    # the answer names another model than the one asked for (an alias, a reroute)
    model_drift: Annotated[bool, at("sentinel.model_drift", "boolean", sparse=True)] = False
    # the dialogue this call is a turn of (Langfuse and Helicone call it a session)
    conversation_id: Annotated[
        str | None, at("gen_ai.conversation.id", "keyword", column="TEXT")
    ] = None
    response_id: Annotated[str | None, at("gen_ai.response.id", "keyword")] = None
    operation: Annotated[str, at("gen_ai.operation.name", "keyword", span=None, column="TEXT")] = (
        "chat"
    )
    outcome: Annotated[Literal["success", "failure"], at("event.outcome", "keyword", span=None)] = (
        "success"
    )
    http_status: Annotated[
        int | None, at("http.response.status_code", "integer", column="INTEGER")
    ] = None
    error_type: Annotated[str | None, at("error.type", "keyword", column="TEXT")] = None
    # the log line has ECS event.duration (ns), the span its own times
    duration_ms: Annotated[
        float, at("sentinel.duration_ms", "double", span=None, ecs=None, column="REAL")
    ] = 0.0
    retries: Annotated[int, at("sentinel.retries", "integer", column="INTEGER")] = 0
    # at least one 429 was seen during the call
    rate_limited: Annotated[
        bool, at("sentinel.rate_limited", "boolean", column="INTEGER", sparse=True)
    ] = False
    failovers: Annotated[int, at("sentinel.failovers", "integer", column="INTEGER")] = 0
    # the attempts before the final one (the record itself describes that one); None
    # when the first attempt was final. Stored only: its mapping is in templates/calls.json
    attempts: Annotated[list[CallAttempt] | None, Out(store="sentinel.attempts")] = None
    fallback: Annotated[bool, at("sentinel.fallback", "boolean", sparse=True)] = False
    circuit_open: Annotated[
        bool, at("sentinel.circuit_open", "boolean", column="INTEGER", sparse=True)
    ] = False
    # the host:port that served the final attempt
    endpoint: Annotated[
        str | None, at("sentinel.endpoint", "keyword", store="server.address", column="TEXT")
    ] = None
    input_tokens: Annotated[int | None, at("gen_ai.usage.input_tokens", "long", tokens="input")] = (
        None
    )
    output_tokens: Annotated[
        int | None, at("gen_ai.usage.output_tokens", "long", tokens="output")
    ] = None
    total_tokens: Annotated[int | None, at("gen_ai.usage.total_tokens", "long", span=None)] = None
    # input tokens served from DeepSeek's context cache (billed at a fraction) and not
    cache_hit_tokens: Annotated[
        int | None,
        at("gen_ai.usage.cache_read.input_tokens", "long", tokens="cache_read"),
    ] = None
    cache_miss_tokens: Annotated[
        int | None,
        at("sentinel.usage.cache_miss.input_tokens", "long", tokens="cache_miss"),
    ] = None
    # thinking-mode output tokens (part of output_tokens)
    reasoning_tokens: Annotated[
        int | None,
        at("gen_ai.usage.reasoning.output_tokens", "long", tokens="reasoning"),
    ] = None
    # what the call cost at the prices in force at its timestamp, in cost_currency, and
    # what DeepSeek's context cache saved against pricing every input token as a miss;
    # None: no price row for the model (never a guess). A price change never rewrites it.
    cost: Annotated[
        float | None,
        at(
            "sentinel.cost",
            "double",
            ecs="sentinel.cost.amount",
            store="sentinel.cost.amount",
            column="REAL",
        ),
    ] = None
    cost_currency: Annotated[str | None, at("sentinel.cost.currency", "keyword", column="TEXT")] = (
        None
    )
    cache_savings: Annotated[
        float | None, at("sentinel.cost.cache_savings", "double", column="REAL")
    ] = None
    finish_reasons: Annotated[
        list[str], at("gen_ai.response.finish_reasons", "keyword", sparse=True)
    ] = Field(default_factory=list)
    # tools the answer called: how many and their names (the arguments are content)
    tool_calls: Annotated[int | None, at("sentinel.response.tool_calls", "integer")] = None
    tool_call_names: Annotated[
        list[str], at("sentinel.response.tool_names", "keyword", sparse=True)
    ] = Field(default_factory=list)
    # streams, seconds from the call's start: first chunk, first chunk with output
    # (content, reasoning or a tool call); keep-alives DeepSeek sent while it was queued
    time_to_first_chunk: Annotated[
        float | None, at("gen_ai.response.time_to_first_chunk", "double", column="REAL")
    ] = None
    time_to_first_content: Annotated[
        float | None, at("sentinel.response.time_to_first_content", "double")
    ] = None
    keepalive_time: Annotated[float | None, at("sentinel.response.keepalive_time", "double")] = None
    keepalives: Annotated[int | None, at("sentinel.response.keepalives", "integer")] = None
    params: CallParams = Field(default_factory=CallParams)
    subject_key: Annotated[str | None, at("sentinel.subject_key", "id", column="TEXT")] = None
    trace_id: Annotated[str | None, at("trace.id", "id", span=None)] = None
    span_id: Annotated[str | None, at("span.id", "id", span=None)] = None
    # None: the response cache was not consulted
    cached: Annotated[bool | None, at("sentinel.cache.hit", "boolean", store="sentinel.cached")] = (
        None
    )
    # a stream the app stopped reading before it finished
    stream_abandoned: Annotated[bool, at("sentinel.stream_abandoned", "boolean", sparse=True)] = (
        False
    )
    metadata: Annotated[dict[str, str], Out(store="labels", es="flattened")] = Field(
        default_factory=dict
    )
    # what the content safety filter found (categories and counts, never the text), in
    # the store and the ECS line (the span has flat sentinel.safety.* attributes, set as
    # matches are found); its mapping is in templates/calls.json (an object)
    safety: Annotated[CallSafety | None, Out(store="sentinel.safety", ecs="sentinel.safety")] = (
        None  # None: no match
    )

    @property
    def is_error(self) -> bool:
        return self.outcome != "success"


@dataclass(frozen=True, slots=True)
class CallField:
    name: str  # dotted for sub-models: "params.temperature"
    annotation: Any
    out: Out


def call_fields() -> list[CallField]:
    """The table of call fields, in declaration order (sub-model fields in place)."""
    return list(_CALL_FIELDS)


def _walk(cls: type[BaseModel], prefix: str) -> list[CallField]:
    fields: list[CallField] = []
    for name, info in cls.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            fields += _walk(info.annotation, f"{prefix}{name}.")
            continue
        out = next((m for m in info.metadata if isinstance(m, Out)), None)
        if out is not None:
            fields.append(CallField(prefix + name, info.annotation, out))
    return fields


_CALL_FIELDS = tuple(_walk(CallRecord, ""))


def compile_builder(name: str, paths: dict[str, str], sparse: frozenset[str]) -> Any:
    """A function building a nested dict from a model: `paths` maps model field (dotted
    for sub-models) to dotted output path ("@timestamp" stays one key).

    Runs once per call for each of the log line and the store document, so the shape is
    compiled once into straight-line Python (a generic walk over the paths costs 5x
    more). None values, falsy `sparse` fields and empty objects are left out.
    """
    tree: dict[str, Any] = {}
    for field, path in paths.items():
        if not all(part.isidentifier() for part in field.split(".")):
            raise ValueError(f"model field {field!r} is not an identifier")
        *parents, leaf = [path] if path == "@timestamp" else path.split(".")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = field
    lines = [f"def build_{name}(r):"]
    counter = iter(range(1_000_000))

    def emit(node: dict[str, Any], var: str, indent: str) -> None:
        lines.append(f"{indent}{var} = {{}}")
        for key, value in node.items():
            if isinstance(value, dict):
                child = f"n{next(counter)}"
                emit(value, child, indent)
                lines.append(f"{indent}if {child}: {var}[{key!r}] = {child}")
            else:
                test = "v" if value in sparse else "v is not None"
                lines.append(f"{indent}v = r.{value}")
                lines.append(f"{indent}if {test}: {var}[{key!r}] = v")

    emit(tree, "out", "    ")
    lines.append("    return out")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<sentinel.models:{name}>", "exec"), namespace)
    return namespace[f"build_{name}"]


def compile_flat(name: str, paths: dict[str, str], sparse: frozenset[str]) -> Any:
    """Like compile_builder, for flat keys (span attributes)."""
    lines = [f"def flat_{name}(r):", "    out = {}"]
    for field, key in paths.items():
        if not all(part.isidentifier() for part in field.split(".")):
            raise ValueError(f"model field {field!r} is not an identifier")
        test = "v" if field in sparse else "v is not None"
        lines += [f"    v = r.{field}", f"    if {test}: out[{key!r}] = v"]
    lines.append("    return out")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<sentinel.models:{name}>", "exec"), namespace)
    return namespace[f"flat_{name}"]


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
    reasoning_content: str | None = None  # thinking mode's chain of thought
    tool_calls: list[dict[str, Any]] | None = None  # the answer's, arguments included
    tools: list[dict[str, Any]] | None = None  # the request's tool definitions
    tool_choice: Any = None
    conversation_id: str | None = None
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
