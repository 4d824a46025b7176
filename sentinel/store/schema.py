"""How Sentinel's models are laid out as Elasticsearch documents.

The index templates in `templates/*.json` map ECS and OpenTelemetry `gen_ai.*` names
(what a Kibana user looks for), while the models keep short Python names. This module
is the one translation table between the two, used both ways so that a document read
back rebuilds exactly the model that was written. A model field with no entry here
(added later) is kept under `sentinel.extra` (stored, not indexed), so it survives a
round trip instead of being rejected by the templates' strict mappings.

Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from pydantic import BaseModel

# model field (dotted for sub-models) -> document path, per kind.
FIELDS: dict[str, dict[str, str]] = {
    "call": {
        "request_id": "sentinel.request_id",
        "timestamp": "@timestamp",
        "app": "service.name",
        "model": "gen_ai.request.model",
        "response_model": "gen_ai.response.model",
        "response_id": "gen_ai.response.id",
        "operation": "gen_ai.operation.name",
        "outcome": "event.outcome",
        "http_status": "http.response.status_code",
        "error_type": "error.type",
        "duration_ms": "sentinel.duration_ms",
        "retries": "sentinel.retries",
        "rate_limited": "sentinel.rate_limited",
        "failovers": "sentinel.failovers",
        "fallback": "sentinel.fallback",
        "circuit_open": "sentinel.circuit_open",
        "endpoint": "server.address",
        "input_tokens": "gen_ai.usage.input_tokens",
        "output_tokens": "gen_ai.usage.output_tokens",
        "total_tokens": "gen_ai.usage.total_tokens",
        "finish_reasons": "gen_ai.response.finish_reasons",
        "params.temperature": "gen_ai.request.temperature",
        "params.top_p": "gen_ai.request.top_p",
        "params.frequency_penalty": "gen_ai.request.frequency_penalty",
        "params.presence_penalty": "gen_ai.request.presence_penalty",
        "params.max_tokens": "gen_ai.request.max_tokens",
        "params.stop": "gen_ai.request.stop_sequences",
        "params.stream": "sentinel.request.stream",
        "params.response_format": "sentinel.request.response_format",
        "params.tools": "sentinel.request.tools",
        "subject_key": "sentinel.subject_key",
        "trace_id": "trace.id",
        "span_id": "span.id",
        "cached": "sentinel.cached",
        "metadata": "labels",
        "safety": "sentinel.safety",
    },
    "conversation": {
        "request_id": "sentinel.request_id",
        "timestamp": "@timestamp",
        "app": "service.name",
        "model": "gen_ai.request.model",
        "messages": "gen_ai.input.messages",
        "completion": "gen_ai.completion",
        "subject_id": "sentinel.subject_id",
        "subject_key": "sentinel.subject_key",
        "anonymized_at": "sentinel.anonymized_at",
        "pii_summary": "sentinel.pii_summary",
    },
    "feedback": {
        "request_id": "sentinel.request_id",
        "timestamp": "@timestamp",
        "app": "service.name",
        "model": "gen_ai.request.model",
        "score": "sentinel.feedback.score",
        "satisfied": "sentinel.feedback.satisfied",
        "comment": "sentinel.feedback.comment",
        "subject_key": "sentinel.subject_key",
    },
    "alert": {
        "id": "sentinel.alert.id",
        "alertname": "rule.name",
        "fingerprint": "sentinel.alert.fingerprint",
        "state": "sentinel.alert.state",
        "labels": "sentinel.alert.labels",
        "annotations": "sentinel.alert.annotations",
        "value": "sentinel.alert.value",
        "active_at": "sentinel.alert.active_at",
        "fired_at": "sentinel.alert.fired_at",
        "resolved_at": "sentinel.alert.resolved_at",
        "timestamp": "@timestamp",
    },
    "audit": {
        "seq": "sentinel.audit.seq",
        "timestamp": "@timestamp",
        "actor": "user.name",
        "action": "event.action",
        "subject_key": "sentinel.subject_key",
        "request_id": "sentinel.request_id",
        "counts": "sentinel.audit.counts",
        "details": "sentinel.audit.details",
        "prev_hash": "sentinel.audit.prev_hash",
        "hash": "sentinel.audit.hash",
    },
    "cache": {
        "key": "sentinel.cache.key",
        "created_at": "@timestamp",
        "app": "service.name",
        "model": "gen_ai.request.model",
        "expires_at": "sentinel.cache.expires_at",
        "response": "sentinel.cache.response",
        "subject_id": "sentinel.subject_id",
        "subject_key": "sentinel.subject_key",
    },
}

# Index template files (templates/<name>.json); the index suffix of each record kind is
# `base.collection(kind)`.
TEMPLATES = ("calls", "conversations", "feedback", "alerts", "audit", "state", "cache")

# Call labels of the Store protocol (CALL_LABELS) -> keyword field aggregated on.
CALL_LABEL_FIELDS = {
    "app": "service.name",
    "model": "gen_ai.request.model",
    "endpoint": "server.address",
    "operation": "gen_ai.operation.name",
    "error_type": "error.type",
}
FEEDBACK_LABEL_FIELDS = {"app": "service.name", "model": "gen_ai.request.model"}

_EXTRA = "sentinel.extra"
_SUBJECT_KEY_RE = re.compile(r"\b[0-9a-f]{64}\b")


def _split(path: str) -> list[str]:
    return path.split(".") if path != "@timestamp" else ["@timestamp"]


def _compile(kind: str, fields: dict[str, str]) -> Any:
    """A function building the nested document of one kind from a model.

    to_doc runs once per record on the ingest path, so the shape is compiled once
    into straight-line Python (a generic walk over the paths costs 5x more); the code
    is generated from FIELDS only. None values and empty objects are left out.
    """
    tree: dict[str, Any] = {}
    for name, path in fields.items():
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"model field {name!r} is not an identifier")
        *parents, leaf = _split(path)
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = name
    lines = [f"def build_{kind}(r):"]
    counter = iter(range(1_000_000))

    def emit(node: dict[str, Any], var: str, indent: str) -> None:
        lines.append(f"{indent}{var} = {{}}")
        for key, value in node.items():
            if isinstance(value, dict):
                child = f"n{next(counter)}"
                emit(value, child, indent)
                lines.append(f"{indent}if {child}: {var}[{key!r}] = {child}")
            else:
                lines.append(f"{indent}v = r.{value}")
                lines.append(f"{indent}if v is not None: {var}[{key!r}] = v")

    emit(tree, "out", "    ")
    lines.append("    return out")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<sentinel.store.schema:{kind}>", "exec"), namespace)
    return namespace[f"build_{kind}"]


_BUILDERS = {kind: _compile(kind, fields) for kind, fields in FIELDS.items()}


def _known(fields: dict[str, str]) -> dict[str, set[str]]:
    """Model field -> the sub-fields mapped one by one (empty: mapped as a whole)."""
    known: dict[str, set[str]] = {}
    for name in fields:
        head, _, sub = name.partition(".")
        subs = known.setdefault(head, set())
        if sub:
            subs.add(sub)
    return known


_KNOWN = {kind: _known(fields) for kind, fields in FIELDS.items()}


@functools.cache
def _unmapped(kind: str, cls: type[BaseModel]) -> dict[str, Any]:
    """The model fields FIELDS does not map yet, as an `include` for model_dump."""
    known = _KNOWN[kind]
    include: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if name == "kind":
            continue
        if name not in known:
            include[name] = True
        elif known[name] and isinstance(info.annotation, type):
            subs = set(getattr(info.annotation, "model_fields", {})) - known[name]
            if subs:
                include[name] = dict.fromkeys(subs, True)
    return include


def _extra(kind: str, record: BaseModel) -> dict[str, Any]:
    """Model fields this table does not know yet (kept, not indexed)."""
    include = _unmapped(kind, type(record))
    if not include:
        return {}
    extra: dict[str, Any] = {}
    for name, value in record.model_dump(mode="json", include=include).items():
        if include[name] is True:
            extra[name] = value
        else:
            extra.update({f"{name}.{k}": v for k, v in value.items()})
    return extra


def _get(doc: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = doc
    for p in _split(path):
        if not isinstance(node, dict) or p not in node:
            return False, None
        node = node[p]
    return True, node


def to_doc(kind: str, record: BaseModel) -> dict[str, Any]:
    """A model as an Elasticsearch document. Values stay Python objects (datetimes
    included): the client's JSON serializer encodes them, once."""
    doc = _BUILDERS[kind](record)
    extra = _extra(kind, record)
    if extra:
        doc.setdefault("sentinel", {})["extra"] = extra
    if kind == "call":
        # ECS event.duration is in nanoseconds; derived, never read back.
        event = doc.setdefault("event", {})
        event["duration"] = round(float(getattr(record, "duration_ms", 0.0) or 0.0) * 1e6)
    elif kind == "alert":
        # Alerts carry no subject field; one that concerns a subject names its key in a
        # label or annotation. Indexing those keys makes erasure a term query.
        values = [*getattr(record, "labels", {}).values()]
        values += getattr(record, "annotations", {}).values()
        keys = sorted({m for v in values for m in _SUBJECT_KEY_RE.findall(str(v))})
        if keys:
            doc["sentinel"]["alert"]["subject_keys"] = keys
    return doc


def from_doc(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON form back from a document `_source` (inverse of `to_doc`)."""
    data: dict[str, Any] = {}
    for name, path in FIELDS[kind].items():
        found, value = _get(source, path)
        if not found:
            continue
        head, _, sub = name.partition(".")
        if sub:
            data.setdefault(head, {})[sub] = value
        else:
            data[name] = value
    _, extra = _get(source, _EXTRA)
    for name, value in (extra or {}).items():
        head, _, sub = name.partition(".")
        if sub and _KNOWN[kind].get(head):
            data.setdefault(head, {})[sub] = value
        else:
            data[name] = value
    if kind in ("call", "conversation", "feedback"):
        data["kind"] = kind
    return data


def load_template(
    name: str, prefix: str, *, shards: int | None = None, replicas: int | None = None
) -> dict[str, Any]:
    """The index template `templates/<name>.json`, its patterns moved to `prefix`, sized
    by SENTINEL_ES_SHARDS / SENTINEL_ES_REPLICAS when set. A fixed replica count replaces
    the default `auto_expand_replicas: 0-1`, which suits one node or two but leaves a
    three-node cluster one copy short of what an operator asked for."""
    text = resources.files("sentinel.store").joinpath(f"templates/{name}.json").read_text()
    body = json.loads(text)
    body["index_patterns"] = [prefix + p.removeprefix("sentinel") for p in body["index_patterns"]]
    settings = body["template"]["settings"]
    if shards is not None:
        settings["index.number_of_shards"] = shards
    if replicas is not None:
        settings.pop("index.auto_expand_replicas", None)
        settings["index.number_of_replicas"] = replicas
    return body
