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
import hashlib
import json
import re
from importlib import resources
from typing import Any

from pydantic import BaseModel

from sentinel.models import call_fields, compile_builder

# model field (dotted for sub-models) -> document path, per kind.
FIELDS: dict[str, dict[str, str]] = {
    "call": {f.name: f.out.store for f in call_fields() if f.out.store},
    "conversation": {
        "request_id": "sentinel.request_id",
        "timestamp": "@timestamp",
        "app": "service.name",
        "model": "gen_ai.request.model",
        "messages": "gen_ai.input.messages",
        "completion": "gen_ai.completion",
        "reasoning_content": "gen_ai.reasoning_content",
        "tool_calls": "gen_ai.output.tool_calls",
        "tools": "gen_ai.tool.definitions",
        "conversation_id": "gen_ai.conversation.id",
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
TEMPLATES = ("calls", "conversations", "feedback", "alerts", "audit", "state", "cache", "balance")

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


_BUILDERS = {kind: compile_builder(kind, fields, frozenset()) for kind, fields in FIELDS.items()}


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


def _es_type(es: str) -> dict[str, Any]:
    if es == "id":  # ids are matched exactly, whatever their length
        return {"type": "keyword"}
    if es in ("keyword", "flattened"):  # over-long label values stay in _source, unindexed
        return {"type": es, "ignore_above": 1024}
    return {"type": es}


def call_mappings() -> dict[str, Any]:
    """The calls template's `properties` for the table of call fields."""
    props: dict[str, Any] = {}
    for f in call_fields():
        if not f.out.store or not f.out.es:
            continue
        *parents, leaf = _split(f.out.store)
        node = props
        for p in parents:
            node = node.setdefault(p, {"properties": {}})["properties"]
        node[leaf] = _es_type(f.out.es)
    return props


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


# Token fields of the table of call fields: what call_stats totals per window.
TOKEN_FIELDS = tuple(f.name for f in call_fields() if f.out.tokens)
STORE_PATHS = {f.name: f.out.store for f in call_fields() if f.out.store}


def call_columns() -> list[tuple[str, str, str]]:
    """(column, SQLite type, model field) of the call fields the SQLite store keeps in
    columns (what it filters and aggregates on); the rest lives in the JSON `doc`."""
    return [
        (f.name.replace(".", "_"), f.out.column, f.name)
        for f in call_fields()
        if f.out.column and f.name != "request_id"
    ]


def load_template(
    name: str, prefix: str, *, shards: int | None = None, replicas: int | None = None
) -> dict[str, Any]:
    """The index template `templates/<name>.json`, its patterns moved to `prefix`, sized
    by SENTINEL_ES_SHARDS / SENTINEL_ES_REPLICAS when set. A fixed replica count replaces
    the default `auto_expand_replicas: 0-1`, which suits one node or two but leaves a
    three-node cluster one copy short of what an operator asked for. The calls template
    gets its field mappings from the table of call fields, and a digest of them in
    `_meta` so that `doctor` sees a template older than the table."""
    text = resources.files("sentinel.store").joinpath(f"templates/{name}.json").read_text()
    body = json.loads(text)
    if name == "calls":
        derived = call_mappings()
        _merge(body["template"]["mappings"]["properties"], derived)
        digest = hashlib.sha256(json.dumps(derived, sort_keys=True).encode()).hexdigest()
        body["_meta"]["fields_digest"] = digest[:16]
    body["index_patterns"] = [prefix + p.removeprefix("sentinel") for p in body["index_patterns"]]
    settings = body["template"]["settings"]
    if shards is not None:
        settings["index.number_of_shards"] = shards
    if replicas is not None:
        settings.pop("index.auto_expand_replicas", None)
        settings["index.number_of_replicas"] = replicas
    return body
