"""The table of call fields (sentinel.models.CallRecord) is the one declaration:
the span, the ECS line, the store document, the SQLite columns and the Elasticsearch
template must carry exactly what it says, under the names it gives."""

from __future__ import annotations

import sqlite3
import types
import typing
from datetime import UTC, datetime
from typing import Any

import pytest
import typing_extensions

from sentinel.models import CallRecord, call_fields
from sentinel.store import schema

MSG = [{"role": "user", "content": "hello"}]


def value_of(record: Any, name: str) -> Any:
    for part in name.split("."):
        record = getattr(record, part)
    return record


def nested(doc: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = doc
    for part in [path] if path == "@timestamp" else path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def emitted(value: Any, sparse: bool) -> bool:
    return value is not None and (bool(value) or not sparse)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def sample(annotation: Any) -> Any:
    """A non-default value of a field's type, so a round trip shows every field."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Literal:
        return args[-1]
    if origin in (typing.Union, types.UnionType):
        return sample(args[0])
    if origin is list:  # of whatever the list holds (strings, CallAttempt entries)
        return [sample(args[0]), sample(args[0])]
    if origin is dict:
        return {"team": sample(args[1])}
    if typing_extensions.is_typeddict(annotation):
        return {key: sample(t) for key, t in typing.get_type_hints(annotation).items()}
    return {
        str: "v-1",
        int: 7,
        float: 1.25,
        bool: True,
        datetime: datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
    }[annotation]


def full_record() -> CallRecord:
    data: dict[str, Any] = {}
    for f in call_fields():
        head, _, sub = f.name.partition(".")
        if sub:
            data.setdefault(head, {})[sub] = sample(f.annotation)
        else:
            data[head] = sample(f.annotation)
    return CallRecord.model_validate(data)


@pytest.mark.parametrize("fail", [False, True])
def test_span_and_log_line_carry_each_field_under_its_table_name(harness: Any, fail: bool) -> None:
    client = harness.client()
    kwargs: dict[str, Any] = dict(
        model="deepseek-v4-flash", messages=MSG, temperature=0.2, top_p=0.9, max_tokens=50,
        stop=["\n\n"], subject_id="user-1", metadata={"team": "a"},
    )  # fmt: skip
    if fail:
        harness.fake.fail(400)
        with pytest.raises(Exception):  # noqa: B017  (which error is tested elsewhere)
            client.chat.completions.create(**kwargs)
    else:
        client.chat.completions.create(**kwargs)
    [record] = harness.calls()
    [span] = harness.spans.get_finished_spans()
    [line] = harness.log_lines()
    attrs = dict(span.attributes)
    table_span = {f.out.span for f in call_fields() if f.out.span}
    for f in call_fields():
        value = value_of(record, f.name)
        if f.out.span:
            if emitted(value, f.out.sparse):
                assert jsonable(attrs[f.out.span]) == jsonable(value), f.name
            else:
                assert f.out.span not in attrs, f.name
        if f.out.ecs:
            found, logged = nested(line, f.out.ecs)
            assert found == emitted(value, f.out.sparse), f.name
            if found:
                assert logged == jsonable(value), f.name
    # Nothing call-specific on the span that the table does not declare.
    derived_elsewhere = {
        "gen_ai.provider.name", "server.address", "server.port",
        "gen_ai.request.model", "gen_ai.operation.name",  # set at the span's start
    }  # fmt: skip
    assert set(attrs) - table_span <= derived_elsewhere
    assert attrs["gen_ai.operation.name"] == record.operation == "chat"
    assert attrs["gen_ai.request.model"] == record.model
    assert record.outcome == ("failure" if fail else "success")


def test_store_document_round_trips_every_field() -> None:
    record = full_record()
    doc = schema.to_doc("call", record)
    for f in call_fields():
        if f.out.store:
            found, stored = nested(doc, f.out.store)
            assert found and stored == value_of(record, f.name), f.name
    assert "extra" not in doc.get("sentinel", {})  # every field has its own place
    back = CallRecord.model_validate(schema.from_doc("call", doc))
    assert back == record


def test_elasticsearch_template_maps_every_stored_field_with_its_type() -> None:
    props = schema.load_template("calls", "sentinel")["template"]["mappings"]["properties"]
    for f in call_fields():
        if not f.out.store or not f.out.es:  # es None: mapped in templates/calls.json
            continue
        node: Any = {"properties": props}
        for part in [f.out.store] if f.out.store == "@timestamp" else f.out.store.split("."):
            node = node["properties"][part]
        expected = "keyword" if f.out.es == "id" else f.out.es
        assert node["type"] == expected, f.name
        assert ("ignore_above" in node) == (f.out.es in ("keyword", "flattened")), f.name


def test_template_digest_changes_with_the_table() -> None:
    meta = schema.load_template("calls", "sentinel")["_meta"]
    assert len(meta["fields_digest"]) == 16
    assert schema.load_template("conversations", "sentinel")["_meta"].get("fields_digest") is None


def test_sqlite_columns_are_the_table_columns_and_old_databases_gain_them(
    tmp_path: Any,
) -> None:
    from sentinel.store.sqlite import SQLiteStore

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)  # a calls table from before the newest columns
    old.execute(
        "CREATE TABLE calls (request_id TEXT PRIMARY KEY, ts REAL NOT NULL, app TEXT,"
        " is_error INTEGER NOT NULL, doc TEXT NOT NULL)"
    )
    old.commit()
    old.close()
    store = SQLiteStore(path)
    store.setup()
    record = full_record()
    store.write_records([record])
    assert store.get_call(record.request_id) == record
    store.close()
    conn = sqlite3.connect(path)
    columns = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(calls)")}
    row = conn.execute("SELECT * FROM calls").fetchone()
    names = [d[0] for d in conn.execute("SELECT * FROM calls").description]
    conn.close()
    wanted = {
        f.name.replace(".", "_"): f.out.column for f in call_fields() if f.out.column
    }  # fmt: skip
    assert set(columns) == {"ts", "is_error", "doc", *wanted}
    for name, sql in wanted.items():
        if name != "request_id":
            assert columns[name] == sql, name
        field = next(f.name for f in call_fields() if f.name.replace(".", "_") == name)
        assert row[names.index(name)] == value_of(record, field), name


def test_elasticsearch_round_trips_every_field(es_store_factory: Any) -> None:
    store = es_store_factory()
    record = full_record()
    store.write_records([record])
    store.refresh()
    assert store.get_call(record.request_id) == record
