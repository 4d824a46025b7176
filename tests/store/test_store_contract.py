"""The Store contract: every test runs against SQLite and the real Elasticsearch, and
both must behave the same (see sentinel/store/base.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.models import (
    AlertEvent,
    AuditEntry,
    CallParams,
    CallRecord,
    Conversation,
    Feedback,
)
from sentinel.store.base import KINDS, CacheEntry, Store
from sentinel.store.sqlite import SQLiteStore, percentile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
KEY = "a" * 64
OTHER_KEY = "b" * 64


def call(i: int, **kw: Any) -> CallRecord:
    fields: dict[str, Any] = {
        "request_id": f"call-{i:05d}",
        "timestamp": T0 + timedelta(seconds=i),
        "model": "deepseek-v4-flash",
        "duration_ms": float(i),
    }
    fields.update(kw)
    return CallRecord(**fields)


def conversation(rid: str, ts: datetime, **kw: Any) -> Conversation:
    fields: dict[str, Any] = {
        "request_id": rid,
        "timestamp": ts,
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": "I am Mary, mary@example.com", "name": "m"}],
        "completion": "Hello Mary",
        "subject_id": "user-42",
        "subject_key": KEY,
    }
    fields.update(kw)
    return Conversation(**fields)


def anonymized(conv: Conversation, at: datetime) -> Conversation:
    return conv.model_copy(
        update={
            "messages": [{"role": "user", "content": "I am <PERSON_1>, <EMAIL_ADDRESS_1>"}],
            "completion": "Hello <PERSON_1>",
            "subject_id": None,
            "anonymized_at": at,
            "pii_summary": {"PERSON": 2, "EMAIL_ADDRESS": 1},
        }
    )


# records -----------------------------------------------------------------


def test_round_trip_of_every_record_kind(store: Store) -> None:
    c = call(
        1,
        app="support-bot",
        response_model="deepseek-v4-flash-v3",
        outcome="failure",
        http_status=503,
        error_type="ServiceUnavailableError",
        retries=2,
        rate_limited=True,
        failovers=1,
        fallback=True,
        endpoint="api.deepseek.com",
        input_tokens=12,
        output_tokens=30,
        total_tokens=42,
        finish_reasons=["stop"],
        params=CallParams(temperature=0.3, top_p=0.9, stop=["\n\n"], max_tokens=200, tools=2),
        subject_key=KEY,
        trace_id="0af7651916cd43dd8448eb211c80319c",
        span_id="b7ad6b7169203331",
        metadata={"tenant": "acme"},
        timestamp=T0 + timedelta(seconds=1, microseconds=123456),
    )
    conv = conversation("conv-1", T0)
    fb = Feedback(request_id="call-00001", timestamp=T0, score=0.9, satisfied=True, comment="ok")
    result = store.write_records([c, conv, fb])
    assert result.written == 3 and result.rejected == []
    store.refresh()
    assert store.get_call(c.request_id) == c
    assert store.get_conversation("conv-1") == conv
    assert store.get_call("missing") is None and store.get_conversation("missing") is None
    assert [store.count(k) for k in ("call", "conversation", "feedback", "alert")] == [1, 1, 1, 0]
    with pytest.raises(ValueError, match="unknown kind"):
        store.count("bogus")


def test_replay_of_the_same_request_id_never_duplicates(store: Store) -> None:
    first = call(1, outcome="failure")
    again = call(1, outcome="success")
    store.write_records([first])
    store.write_records([first])
    store.write_records([again])
    conv = conversation("conv-1", T0)
    store.write_records([conv, conv])
    fb = Feedback(request_id="call-00001", timestamp=T0, score=0.1)
    store.write_records([fb, fb.model_copy(update={"score": 0.7})])
    store.refresh()
    assert store.count("call") == 1 and store.get_call(first.request_id) == again
    assert store.count("conversation") == 1
    assert store.count("feedback") == 1
    stats = store.feedback_stats(T0 - US, T0)
    assert stats[0].score_avg == pytest.approx(0.7)


def test_last_copy_wins_within_a_large_batch(store: Store) -> None:
    # Big enough for the Elasticsearch store to send concurrent bulk chunks.
    batch = [call(i) for i in range(1_200)]
    batch[0] = call(7, outcome="failure")  # an early copy of call 7...
    batch.append(call(7, outcome="success", retries=3))  # ...superseded at the end
    result = store.write_records(batch)
    assert result.written == len(batch) and result.rejected == []
    store.refresh()
    assert store.count("call") == 1_199  # call 0 was replaced by the copy of 7
    assert store.get_call("call-00007") == call(7, outcome="success", retries=3)


def test_replayed_raw_conversation_never_overwrites_the_anonymized_one(store: Store) -> None:
    raw = conversation("conv-1", T0)
    store.write_records([raw])
    edited = raw.model_copy(update={"completion": "Hello again Mary"})
    store.write_records([edited])  # still raw: a rewrite wins
    assert store.get_conversation("conv-1") == edited
    done = anonymized(edited, T0 + timedelta(hours=1))
    assert store.save_anonymized([done]) == 1
    result = store.write_records([raw])  # spool replay of the raw copy
    assert result.rejected == []
    assert store.get_conversation("conv-1") == done
    assert store.save_anonymized([done]) == 0  # already anonymized: another job won
    assert store.save_anonymized([anonymized(conversation("gone", T0), T0)]) == 0
    with pytest.raises(ValueError, match="anonymized_at"):
        store.save_anonymized([raw])


def test_raw_conversations_oldest_first_up_to_the_cutoff(store: Store) -> None:
    convs = [conversation(f"conv-{i}", T0 + timedelta(minutes=i)) for i in range(5)]
    store.write_records(convs)
    store.save_anonymized([anonymized(convs[0], T0)])
    store.refresh()
    assert store.oldest_raw_conversation() == convs[1].timestamp
    cutoff = convs[3].timestamp  # inclusive
    assert [c.request_id for c in store.raw_conversations(cutoff, 10)] == [
        "conv-1",
        "conv-2",
        "conv-3",
    ]
    assert [c.request_id for c in store.raw_conversations(cutoff, 2)] == ["conv-1", "conv-2"]
    assert store.raw_conversations(T0 - US, 10) == []


def test_no_raw_conversation_means_no_oldest(store: Store) -> None:
    assert store.oldest_raw_conversation() is None


# windows -----------------------------------------------------------------


def test_call_stats_window_is_start_exclusive_end_inclusive_to_the_microsecond(
    store: Store,
) -> None:
    start, end = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
    edge = [
        call(1, timestamp=start),  # excluded
        call(2, timestamp=start + US),  # included
        call(3, timestamp=end),  # included
        call(4, timestamp=end + US),  # excluded
    ]
    store.write_records(edge)
    store.refresh()
    [stats] = store.call_stats(start, end)
    assert stats.total == 2 and stats.labels == {}
    assert stats.latency_avg_ms == pytest.approx(2.5)
    assert store.call_stats(end + US, end + timedelta(seconds=1)) == []


def test_call_stats_counts_filters_and_groups(store: Store) -> None:
    records = []
    for i in range(1, 101):
        records.append(
            call(
                i,
                app="bot" if i % 2 else "batch",
                endpoint=None if i % 5 == 0 else "primary",
                outcome="failure" if i % 10 == 0 else "success",
                rate_limited=i % 4 == 0,
                circuit_open=i % 25 == 0,
            )
        )
    store.write_records(records)
    store.refresh()
    window = (T0, T0 + timedelta(seconds=100))
    [all_] = store.call_stats(*window)
    durations = [float(i) for i in range(1, 101)]
    assert (all_.total, all_.errors, all_.rate_limited, all_.circuit_open) == (100, 10, 25, 4)
    assert all_.latency_avg_ms == pytest.approx(50.5)
    assert all_.latency_p95_ms == pytest.approx(percentile(durations, 95), abs=0.5)
    assert all_.latency_p50_ms == pytest.approx(percentile(durations, 50), abs=0.5)
    assert all_.latency_p99_ms == pytest.approx(percentile(durations, 99), abs=0.5)

    [bot] = store.call_stats(*window, where={"app": "bot"})
    assert (bot.total, bot.errors, bot.rate_limited) == (50, 0, 0)

    groups = {
        (s.labels["app"], s.labels["endpoint"]): s
        for s in store.call_stats(*window, group_by=["app", "endpoint"])
    }
    assert set(groups) == {("bot", "primary"), ("bot", ""), ("batch", "primary"), ("batch", "")}
    assert groups[("batch", "")].total == 10 and groups[("batch", "")].errors == 10
    assert groups[("bot", "")].total == 10
    assert sum(g.total for g in groups.values()) == 100

    with pytest.raises(ValueError, match="unknown label"):
        store.call_stats(*window, where={"tenant": "acme"})
    with pytest.raises(ValueError, match="unknown label"):
        store.call_stats(*window, group_by=["metadata"])


def test_feedback_stats(store: Store) -> None:
    items = [
        Feedback(request_id="f1", timestamp=T0 + US, app="bot", score=1.0, satisfied=True),
        Feedback(request_id="f2", timestamp=T0 + 2 * US, app="bot", score=0.5, satisfied=False),
        Feedback(request_id="f3", timestamp=T0 + 3 * US, app="batch", satisfied=True),
        Feedback(request_id="f4", timestamp=T0 + 4 * US, app="batch"),
        Feedback(request_id="f5", timestamp=T0, app="bot", score=0.0),  # outside (start)
    ]
    store.write_records(items)
    store.refresh()
    [total] = store.feedback_stats(T0, T0 + 4 * US)
    assert (total.count, total.satisfied, total.rated) == (4, 2, 3)
    assert total.score_avg == pytest.approx(0.75)
    by_app = {s.labels["app"]: s for s in store.feedback_stats(T0, T0 + 4 * US, group_by=["app"])}
    assert by_app["batch"].score_avg is None and by_app["batch"].rated == 1
    assert by_app["bot"].count == 2
    [bot] = store.feedback_stats(T0, T0 + 4 * US, where={"app": "bot"})
    assert bot.satisfied == 1
    with pytest.raises(ValueError, match="unknown label"):
        store.feedback_stats(T0, T0 + US, group_by=["endpoint"])


# GDPR --------------------------------------------------------------------


def subject_data(n_calls: int) -> list[Any]:
    mine = [call(i, subject_key=KEY) for i in range(n_calls)]
    theirs = [call(i, subject_key=OTHER_KEY) for i in range(n_calls, n_calls + 50)]
    convs = [
        conversation("conv-raw", T0),  # linked by id and key
        conversation("conv-key-only", T0, subject_id=None),
        conversation("conv-other", T0, subject_id="user-7", subject_key=OTHER_KEY),
    ]
    fbs = [
        Feedback(request_id="call-00000", timestamp=T0, score=1.0, subject_key=KEY),
        Feedback(request_id="call-99999", timestamp=T0, score=1.0, subject_key=OTHER_KEY),
    ]
    return [*mine, *theirs, *convs, *fbs]


def alert(i: int, labels: dict[str, str]) -> AlertEvent:
    return AlertEvent(
        id=f"alert-{i}",
        alertname="DeepSeekHighErrorRate",
        fingerprint=f"fp{i}",
        state="firing",
        labels=labels,
        annotations={"summary": "error rate"},
        value=0.5,
        timestamp=T0 + timedelta(seconds=i),
    )


def test_subject_iteration_spans_many_pages_and_deletion_is_exact(store: Store) -> None:
    n = 2_500  # more than one page on both stores
    data = subject_data(n)
    for i in range(0, len(data), 1000):
        store.write_records(data[i : i + 1000])
    store.write_alert_event(alert(1, {"subject_key": KEY}))
    store.write_alert_event(alert(2, {"model": "deepseek-v4-flash"}))
    store.cache_put(cache_entry("k-mine", subject_id="user-42", subject_key=KEY), 100)
    store.cache_put(cache_entry("k-key-only", subject_key=KEY), 100)
    store.cache_put(cache_entry("k-theirs", subject_id="user-7", subject_key=OTHER_KEY), 100)
    store.cache_put(cache_entry("k-nobody"), 100)
    store.refresh()

    kinds = ["call", "conversation", "feedback", "alert", "cache"]
    docs = list(store.iter_subject("user-42", KEY, kinds))
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    assert {k: len(v) for k, v in by_kind.items()} == {
        "call": n,
        "conversation": 2,
        "feedback": 1,
        "alert": 1,
        "cache": 2,
    }
    assert {d["key"] for d in by_kind["cache"]} == {"k-mine", "k-key-only"}
    assert len({d["request_id"] for d in by_kind["call"]}) == n
    assert CallRecord.model_validate(by_kind["call"][0]).subject_key == KEY
    assert {d["request_id"] for d in by_kind["conversation"]} == {"conv-raw", "conv-key-only"}
    json.dumps(docs)  # JSON-ready
    # Found by raw id alone as well (a conversation not yet keyed).
    assert [d["request_id"] for d in store.iter_subject("user-7", "c" * 64, ["conversation"])] == [
        "conv-other"
    ]

    removed = store.delete_subject("user-42", KEY)
    assert removed == {"conversation": 2, "call": n, "feedback": 1, "alert": 1, "cache": 2}
    store.refresh()
    assert list(store.iter_subject("user-42", KEY, kinds)) == []
    assert store.count("call") == 50 and store.count("conversation") == 1
    assert store.count("feedback") == 1 and store.count("alert") == 1
    assert store.count("cache") == 2
    assert store.cache_get("k-theirs", T0) is not None and store.cache_get("k-nobody", T0)
    assert store.delete_subject("user-42", KEY) == {
        "conversation": 0,
        "call": 0,
        "feedback": 0,
        "alert": 0,
        "cache": 0,
    }
    # Found by raw id alone as well (an entry whose key was made with another secret).
    assert store.delete_subject("user-7", "c" * 64)["cache"] == 1


# response cache ----------------------------------------------------------


def test_both_stores_know_exactly_the_same_kinds(
    sqlite_store: SQLiteStore, es_store_factory: Any
) -> None:
    """One document of every kind in KINDS, linked to the subject, is counted, found and
    erased by each store; any other kind is refused by both with the same error naming
    the kinds. A kind added to KINDS but not handled by a store fails here."""
    stores: list[Store] = [sqlite_store, es_store_factory()]
    errors = set()
    for store in stores:
        store.write_records(
            [
                call(1, subject_key=KEY),
                conversation("conv-1", T0),
                Feedback(request_id="call-00001", timestamp=T0, score=1.0, subject_key=KEY),
            ]
        )
        store.write_alert_event(alert(1, {"subject_key": KEY}))
        store.cache_put(cache_entry("k-1", subject_id="user-42", subject_key=KEY), 10)
        store.refresh()
        assert {k: store.count(k) for k in KINDS} == dict.fromkeys(KINDS, 1), store.name
        found = [d["kind"] for d in store.iter_subject("user-42", KEY, KINDS)]
        assert sorted(found) == sorted(KINDS), store.name
        assert store.delete_subject("user-42", KEY) == dict.fromkeys(KINDS, 1), store.name
        for unknown in ("calls", "audit", ""):
            with pytest.raises(ValueError) as counted:
                store.count(unknown)
            with pytest.raises(ValueError) as iterated:
                list(store.iter_subject("user-42", KEY, [unknown]))
            errors |= {(unknown, str(counted.value)), (unknown, str(iterated.value))}
    # One message per unknown kind, whichever store or method gave it.
    assert len(errors) == 3
    for unknown, message in errors:
        head, listed = message.split(": use ")
        assert head == f"unknown kind {unknown!r}"
        assert sorted(re.split(r", | or ", listed)) == sorted(KINDS)


def cache_entry(key: str, created: datetime = T0, ttl: float = 3600, **kw: Any) -> CacheEntry:
    fields: dict[str, Any] = {
        "key": key,
        "app": "bot",
        "model": "deepseek-v4-flash",
        "created_at": created,
        "expires_at": created + timedelta(seconds=ttl),
        "response": {"id": "r1", "choices": [{"message": {"content": f"answer {key}"}}]},
    }
    fields.update(kw)
    return CacheEntry(**fields)


def test_cache_entry_round_trips_and_expires(store: Store) -> None:
    entry = cache_entry("k1", subject_id="user-42", subject_key=KEY)
    store.cache_put(entry, 10)
    # Read right after the write, without refresh: a hit must not wait for indexing.
    assert store.cache_get("k1", T0) == entry
    assert store.cache_get("k1", T0 + timedelta(seconds=3599)) == entry
    assert store.cache_get("k1", T0 + timedelta(seconds=3600)) is None  # expired
    assert store.cache_get("missing", T0) is None
    newer = cache_entry("k1", created=T0 + timedelta(seconds=5))
    store.cache_put(newer, 10)  # upsert by key
    store.refresh()
    assert store.cache_get("k1", T0) == newer and store.count("cache") == 1


def test_cache_size_bound_evicts_the_apps_oldest_entries(store: Store) -> None:
    for i in range(5):
        store.cache_put(cache_entry(f"k{i}", created=T0 + timedelta(seconds=i)), 3)
    store.cache_put(cache_entry("other-app", app="other"), 3)
    assert [k for k in ("k0", "k1", "k2", "k3", "k4") if store.cache_get(k, T0)] == [
        "k2",
        "k3",
        "k4",
    ]
    assert store.cache_get("other-app", T0) is not None  # another app's bound is its own


def test_cache_purge_deletes_entries_created_before_the_cutoff_or_expired(store: Store) -> None:
    store.cache_put(cache_entry("old", created=T0), 10)
    store.cache_put(cache_entry("expired", created=T0 + timedelta(hours=2), ttl=60), 10)
    store.cache_put(cache_entry("fresh", created=T0 + timedelta(hours=2)), 10)
    now = T0 + timedelta(hours=2, minutes=5)
    assert store.cache_purge(T0 + timedelta(hours=1), now) == 2
    store.refresh()
    assert store.count("cache") == 1 and store.cache_get("fresh", now) is not None
    assert store.cache_purge(T0 + timedelta(hours=1), now) == 0


# alerts ------------------------------------------------------------------


def test_alert_events_newest_first_since_and_limit(store: Store) -> None:
    for i in range(5):
        store.write_alert_event(alert(i, {"model": "m"}))
    updated = alert(1, {"model": "m"}).model_copy(update={"state": "resolved"})
    store.write_alert_event(updated)  # same id: replaced, not added
    events = store.list_alert_events()
    assert [e.id for e in events] == ["alert-4", "alert-3", "alert-2", "alert-1", "alert-0"]
    assert events[3] == updated
    assert [e.id for e in store.list_alert_events(since=T0 + timedelta(seconds=3))] == [
        "alert-4",
        "alert-3",
    ]
    assert len(store.list_alert_events(limit=2)) == 2
    assert store.count("alert") == 5


# state -------------------------------------------------------------------


def test_put_state_is_compare_and_set(store: Store) -> None:
    assert store.get_state("lease") is None
    assert store.put_state("lease", {"owner": "a"}, None) is True
    assert store.put_state("lease", {"owner": "b"}, None) is False  # must not exist yet
    assert store.get_state("lease") == ({"owner": "a"}, 1)
    assert store.put_state("lease", {"owner": "b"}, 2) is False  # wrong version
    assert store.put_state("lease", {"owner": "b"}, 1) is True
    assert store.put_state("lease", {"owner": "c"}, 1) is False  # stale
    assert store.get_state("lease") == ({"owner": "b"}, 2)
    assert store.put_state("missing", {"x": 1}, 1) is False


def test_set_delete_and_list_state(store: Store) -> None:
    store.set_state("tombstone:b", {"n": 1})
    store.set_state("tombstone:a", {"n": 2})
    store.set_state("tombstone:a", {"n": 3, "nested": {"list": [1, "x"]}})
    store.set_state("token:x", {"scope": ["admin"]})
    assert store.get_state("tombstone:a") == ({"n": 3, "nested": {"list": [1, "x"]}}, 2)
    assert store.list_state("tombstone:") == [
        ("tombstone:a", {"n": 3, "nested": {"list": [1, "x"]}}),
        ("tombstone:b", {"n": 1}),
    ]
    assert [k for k, _ in store.list_state("")] == ["token:x", "tombstone:a", "tombstone:b"]
    store.delete_state("tombstone:a")
    store.delete_state("tombstone:a")  # idempotent
    assert store.get_state("tombstone:a") is None
    assert [k for k, _ in store.list_state("tombstone:")] == ["tombstone:b"]
    assert store.put_state("tombstone:a", {"n": 4}, None) is True  # gone means creatable


# audit -------------------------------------------------------------------


def entry(seq: int, actor: str = "officer") -> AuditEntry:
    return AuditEntry(
        seq=seq,
        timestamp=T0 + timedelta(seconds=seq),
        actor=actor,
        action="gdpr.erase",
        subject_key=KEY,
        counts={"sqlite": seq},
        details={"steps": ["tombstone", "store"], "nested": {"ok": True}},
        prev_hash=f"{seq - 1:064x}",
        hash=f"{seq:064x}",
    )


def test_audit_is_append_only_and_ordered(store: Store) -> None:
    assert store.last_audit() is None
    for seq in (1, 2, 3, 10, 11):
        assert store.append_audit(entry(seq)) is True
    assert store.append_audit(entry(2, actor="intruder")) is False  # another writer won
    assert store.last_audit() == entry(11)
    assert list(store.iter_audit()) == [entry(s) for s in (1, 2, 3, 10, 11)]


# concurrency -------------------------------------------------------------


def test_two_processes_share_the_store_without_lost_updates(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if isinstance(store, SQLiteStore):
        target = {"kind": "sqlite", "path": str(store.path)}
    else:
        from sentinel.store.elastic import ElasticStore

        assert isinstance(store, ElasticStore)
        target = {
            "kind": "elasticsearch",
            "url": request.getfixturevalue("es_url"),
            "prefix": store.prefix,
            "dead_letter": str(tmp_path / "dl.jsonl"),
        }
    worker = Path(__file__).with_name("store_worker.py")
    increments = 15
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), json.dumps(target), str(first), "600", str(increments)]
        )
        for first in (0, 300)  # records 300..599 are written by both
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    store.refresh()
    assert store.count("call") == 900
    value, version = store.get_state("counter")
    assert value == {"n": 2 * increments}
    assert version == 2 * increments
