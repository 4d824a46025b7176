"""What only the Elasticsearch store has: templates and daily indices, the dead-letter
file, StoreUnavailable when the server is away, auth and TLS settings, and reclaiming
erased documents' bytes. Against the real server (`es_url`), each test on its own
index prefix."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from elastic_transport import SecurityWarning
from loopback import QuietHandler, free_port, http_server

from sentinel.config import Settings
from sentinel.models import AlertEvent, CallParams, CallRecord, Conversation
from sentinel.store import open_store, schema
from sentinel.store.base import StoreUnavailable
from sentinel.store.elastic import ElasticStore

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "d" * 64


def call(i: int, **kw: object) -> CallRecord:
    return CallRecord(
        request_id=f"call-{i}",
        timestamp=T0 + timedelta(hours=i),
        model="deepseek-v4-flash",
        **kw,  # type: ignore[arg-type]
    )


def test_templates_are_installed_idempotently_and_shape_daily_indices(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    store = es_store_factory()
    store.setup()  # a second start of the same deployment
    store.setup()
    es = store.client
    templates = {
        t["name"]: t["index_template"]["index_patterns"]
        for t in es.indices.get_index_template(name=f"{store.prefix}-*")["index_templates"]
    }
    assert templates[f"{store.prefix}-calls"] == [f"{store.prefix}-calls-*"]
    assert templates[f"{store.prefix}-state"] == [f"{store.prefix}-state"]
    assert templates[f"{store.prefix}-balance"] == [f"{store.prefix}-balance"]
    assert len(templates) == len(schema.TEMPLATES)  # calls ... cache balance

    store.write_records([call(1), call(30)])  # 01:00 on Jan 1 and 06:00 on Jan 2
    store.refresh()
    daily = sorted(es.indices.get(index=f"{store.prefix}-calls-*"))
    assert daily == [f"{store.prefix}-calls-2026.01.01", f"{store.prefix}-calls-2026.01.02"]
    [both] = store.call_stats(T0, T0 + timedelta(days=2))
    assert both.total == 2
    [long_window] = store.call_stats(T0 - timedelta(days=400), T0 + timedelta(days=2))
    assert long_window.total == 2

    mapping = es.indices.get_mapping(index=daily[0])[daily[0]]["mappings"]
    props = mapping["properties"]
    assert mapping["dynamic"] == "strict"
    assert props["@timestamp"]["type"] == "date_nanos"
    assert props["service"]["properties"]["name"]["type"] == "keyword"
    assert props["gen_ai"]["properties"]["request"]["properties"]["model"]["type"] == "keyword"
    conv_index = f"{store.prefix}-conversations"
    conv = es.indices.get_mapping(index=conv_index)[conv_index]["mappings"]["properties"]
    assert conv["gen_ai"]["properties"]["completion"] == {"type": "text", "index": False}
    assert conv["gen_ai"]["properties"]["input"]["properties"]["messages"]["enabled"] is False


def test_records_the_server_or_json_rejects_go_to_the_dead_letter_file(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    store = es_store_factory()
    too_big = call(2, input_tokens=2**70)  # valid Python, no JSON/`long` can carry it
    unmappable = Conversation(  # the server refuses an empty field name
        request_id="conv-1", timestamp=T0, model="m", messages=[], pii_summary={"": 1}
    )
    result = store.write_records([call(1), too_big, unmappable, call(3)])
    assert result.written == 2
    reasons = {r.request_id: r.reason for r in result.rejected}
    assert set(reasons) == {"call-2", "conv-1"}
    assert "64-bit" in reasons["call-2"] and "input_tokens" not in reasons["call-2"]
    assert (
        "mapper_parsing_exception" in reasons["conv-1"] or "document_parsing" in reasons["conv-1"]
    )
    dead = {
        d["record"]["request_id"]: d
        for d in map(json.loads, store.dead_letter_path.read_text().splitlines())
    }
    assert CallRecord.model_validate(dead["call-2"]["record"]) == too_big
    assert Conversation.model_validate(dead["conv-1"]["record"]) == unmappable
    assert dead["conv-1"]["status"] == 400 and dead["conv-1"]["reason"].startswith(
        reasons["conv-1"].split(" in field")[0]
    )
    store.refresh()
    assert store.get_call("call-1") == call(1) and store.get_call("call-3") == call(3)
    assert store.get_call("call-2") is None and store.get_conversation("conv-1") is None


def test_unreachable_elasticsearch_raises_store_unavailable_without_secrets(
    tmp_path: Path,
) -> None:
    secret = "sk-es-very-secret-api-key"
    store = ElasticStore.from_settings(
        f"http://127.0.0.1:{free_port()}",
        Settings(es_api_key=secret, es_index_prefix="unreachable"),
        dead_letter_path=tmp_path / "dl.jsonl",
    )
    assert store.ping() is False
    for op in (
        lambda: store.write_records([call(1)]),
        lambda: store.setup(),
        lambda: store.get_state("lease"),
        lambda: store.put_state("lease", {}, None),
        lambda: store.call_stats(T0, T0 + timedelta(hours=1)),
        lambda: list(store.iter_subject(None, KEY, ["call"])),
        lambda: store.delete_subject(None, KEY),
    ):
        with pytest.raises(StoreUnavailable) as info:
            op()
        assert secret not in str(info.value) and "127.0.0.1" in str(info.value)
    assert not store.dead_letter_path.exists()  # unreachable is not a bad record


def test_reclaim_purges_deleted_documents_from_segments(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    store = es_store_factory()
    convs = [
        Conversation(
            request_id=f"conv-{i}",
            timestamp=T0,
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            subject_id="user-1" if i % 2 else "user-2",
            subject_key=KEY if i % 2 else "e" * 64,
        )
        for i in range(40)
    ]
    store.write_records(convs)
    store.refresh()
    assert store.delete_subject("user-1", KEY)["conversation"] == 20
    index = f"{store.prefix}-conversations"
    docs = store.client.indices.stats(index=index, metric="docs")["indices"][index]["primaries"]
    assert docs["docs"]["deleted"] >= 20  # unreachable, but still in the segments
    assert store.reclaim(wait=90)["deleted_docs_left"] == 0
    docs = store.client.indices.stats(index=index, metric="docs")["indices"][index]["primaries"]
    assert (docs["docs"]["count"], docs["docs"]["deleted"]) == (20, 0)


def answer_like_elasticsearch(handler: BaseHTTPRequestHandler, doc: object) -> None:
    """A 200 JSON answer with the product header the client insists on."""
    body = json.dumps(doc).encode()
    handler.send_response(200)
    handler.send_header("X-Elastic-Product", "Elasticsearch")
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def header_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP server that answers like Elasticsearch and records headers."""
    seen: list[dict[str, str]] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            seen.append({k.lower(): v for k, v in self.headers.items()})
            answer_like_elasticsearch(self, {"status": "green"})

    with http_server(Handler) as url:
        yield url, seen


def test_auth_by_api_key_or_user_and_password(
    header_server: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    url, seen = header_server
    for settings, expected in (
        (Settings(es_api_key="key-123"), "ApiKey key-123"),
        (Settings(es_username="elastic", es_password="pw"), "Basic ZWxhc3RpYzpwdw=="),
    ):
        store = ElasticStore.from_settings(url, settings, dead_letter_path=tmp_path / "dl")
        assert store.ping() is True
        assert seen[-1]["authorization"] == expected
        store.close()


class OverloadedBulk(QuietHandler):
    """A loopback stand-in for an overloaded cluster: answers each bulk item with 429
    for its first `refusals` attempts, then indexes it."""

    refusals = 1
    seen: dict[str, int]
    requests: list[list[str]]

    def do_POST(self) -> None:
        lines = self.rfile.read(int(self.headers["Content-Length"])).splitlines()
        items, ids = [], []
        for meta in map(json.loads, lines[::2]):
            ((op, target),) = meta.items()
            ids.append(target["_id"])
            self.seen[target["_id"]] = self.seen.get(target["_id"], 0) + 1
            status = 429 if self.seen[target["_id"]] <= self.refusals else 201
            item = {"_index": target["_index"], "_id": target["_id"], "status": status}
            if status == 429:
                item["error"] = {"type": "es_rejected_execution_exception", "reason": "busy"}
            items.append({op: item})
        self.requests.append(ids)
        answer_like_elasticsearch(self, {"errors": True, "items": items})

    do_PUT = do_POST  # the client sends bulk as PUT


@pytest.mark.parametrize("refusals", [2, 99])
def test_items_refused_with_429_are_retried_alone_then_reported_unavailable(
    refusals: int, tmp_path: Path
) -> None:
    handler = type("Handler", (OverloadedBulk,), {"refusals": refusals, "seen": {}, "requests": []})
    with http_server(handler) as url:
        store = ElasticStore.from_settings(
            url,
            Settings(),
            dead_letter_path=tmp_path / "dl.jsonl",
            bulk_retries=3,
            bulk_backoff=0.01,
        )
        records = [call(i) for i in range(5)]
        if refusals == 2:
            result = store.write_records(records)
            assert result.written == 5 and result.rejected == []
            assert len(handler.requests) == 3  # each retry re-sends only what failed
        else:
            with pytest.raises(StoreUnavailable, match="kept failing 5 of 5"):
                store.write_records(records)
            assert len(handler.requests) == 4  # first try + bulk_retries
        assert not store.dead_letter_path.exists()  # overload is not a bad record


def test_tls_is_verified_unless_turned_off(tmp_path: Path) -> None:
    def verify(settings: Settings) -> bool:
        store = ElasticStore.from_settings(
            "https://127.0.0.1:9", settings, dead_letter_path=tmp_path / "dl"
        )
        return store.client.transport.node_pool.all()[0].config.verify_certs

    assert verify(Settings()) is True
    with pytest.warns(SecurityWarning, match="insecure"):  # the client says so, loudly
        assert verify(Settings(es_verify_certs=False)) is False


def test_open_store_picks_elasticsearch_and_the_index_prefix(
    es_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("SENTINEL_ES_INDEX_PREFIX", prefix)
    store = open_store(es_url)  # also runs setup()
    try:
        assert isinstance(store, ElasticStore) and store.prefix == prefix
        assert store.client.indices.exists(index=f"{prefix}-state")
    finally:
        store.drop()  # the server is shared: leave nothing behind
        store.close()


def test_index_prefix_must_be_a_valid_index_name(tmp_path: Path) -> None:
    for bad in ("", "Upper", "a*b", "a b"):
        with pytest.raises(ValueError, match="index prefix"):
            ElasticStore.from_settings(
                "http://127.0.0.1:9", Settings(es_index_prefix=bad), dead_letter_path=tmp_path
            )


def test_labels_beyond_the_keyword_term_limit_are_stored_not_dead_lettered(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    """Lucene refuses terms over 32 KB; an app's label that long must not cost the
    record. Such values stay in `_source` (unsearchable); ids stay exact."""
    store = es_store_factory()
    long = "x" * 40_000
    record = call(
        1,
        app=long,
        endpoint=long,
        error_type=long,
        response_model=long,
        finish_reasons=[long],
        metadata={"tenant": long},
        params=CallParams(stop=[long], response_format=long),
    )
    conv = Conversation(request_id="conv-1", timestamp=T0, app=long, model=long, messages=[])
    event = AlertEvent(
        id="alert-1", alertname=long, fingerprint="f1", state="firing",
        labels={"model": long}, annotations={"summary": long}, timestamp=T0,
    )  # fmt: skip

    result = store.write_records([record, conv])
    store.write_alert_event(event)

    assert result.rejected == [] and result.written == 2
    assert not store.dead_letter_path.exists()
    store.refresh()
    assert store.get_call("call-1") == record
    assert store.get_conversation("conv-1") == conv
    assert store.list_alert_events() == [event]
    [stats] = store.call_stats(T0, T0 + timedelta(hours=2), group_by=["app"])
    assert stats.total == 1 and stats.labels == {"app": ""}  # too long to aggregate on

    mapping = store.client.indices.get_mapping(index=f"{store.prefix}-calls-*")
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert "ignore_above" not in props["sentinel"]["properties"]["request_id"]
    assert "ignore_above" not in props["sentinel"]["properties"]["subject_key"]


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_a_rejected_value_stays_out_of_the_logged_reason(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    """The reason the sink logs names the field, never the value Elasticsearch quotes
    (it may be content); the dead-letter file keeps the server's full answer."""
    store = es_store_factory()
    bad = call(9).model_copy(update={"input_tokens": "jane.doe@example.com"})  # unvalidated
    result = store.write_records([bad])
    [rejected] = result.rejected
    assert "jane.doe" not in rejected.reason
    assert "input_tokens" in rejected.reason and "exception" in rejected.reason
    [dead] = map(json.loads, store.dead_letter_path.read_text().splitlines())
    assert "jane.doe@example.com" in dead["reason"]  # the server did quote it


def test_setup_brings_existing_indices_up_to_the_templates(
    es_store_factory: Callable[..., ElasticStore],
) -> None:
    """An index made by an older Sentinel gets the current template's mappings on the
    next setup(): new fields and updatable parameters like ignore_above."""
    store = es_store_factory()
    store.write_records([call(1)])
    es = store.client
    [daily] = list(es.indices.get(index=f"{store.prefix}-calls-*"))
    model = {"properties": {"gen_ai": {"properties": {"request": {"properties": {
        "model": {"type": "keyword", "ignore_above": 16}}}}}}}  # fmt: skip
    es.indices.put_mapping(index=daily, **model)  # as an older template left it

    def ignore_above() -> int:
        props = es.indices.get_mapping(index=daily)[daily]["mappings"]["properties"]
        return props["gen_ai"]["properties"]["request"]["properties"]["model"]["ignore_above"]

    assert ignore_above() == 16
    store.setup()
    template = schema.load_template("calls", store.prefix)["template"]["mappings"]
    wanted = template["properties"]["gen_ai"]["properties"]["request"]["properties"]["model"]
    assert ignore_above() == wanted["ignore_above"] != 16
