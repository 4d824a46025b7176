"""Erasure on the real Elasticsearch, on indices of its own: at once no index returns
anything for the subject (by raw id anywhere in a document, or by key outside the
tombstone and the audit log) while the other subject is intact; and once the
retention leases let go, the second reclaim leaves no byte of the raw id in the
node's files for those indices."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gdpr_data import OTHER, SUBJECT, alert_for, key_of, records_for, write_all

from sentinel.clock import FakeClock
from sentinel.compliance.erasure import RECLAIM_AGAIN_AFTER
from sentinel.compliance.service import Compliance
from sentinel.config import Settings

pytestmark = pytest.mark.elasticsearch


def _hits(store: Any, value: str) -> dict[str, int]:
    """Documents of this store's indices holding `value` in any field, per index."""
    res = store.client.search(
        index=f"{store.prefix}-*",
        query={"multi_match": {"query": value, "fields": ["*"], "lenient": True,
                               "type": "phrase"}},
        size=1000,
    )  # fmt: skip
    out: dict[str, int] = {}
    for hit in res["hits"]["hits"]:
        index = hit["_index"].removeprefix(store.prefix + "-")
        out[index] = out.get(index, 0) + 1
    return out


def _export_total(compliance: Compliance, subject_id: str) -> int:
    out = io.StringIO()
    return compliance.exports.export_now(out, subject_id, key_of(subject_id), "tester").total


def _seed(store: Any) -> None:
    write_all(store, records_for(SUBJECT, 40) + records_for(OTHER, 40))
    store.write_alert_event(alert_for(SUBJECT, "alert-subject"))
    store.write_alert_event(alert_for(OTHER, "alert-other"))
    store.refresh()


@pytest.fixture
def data_dir(es_url: str, require_service: Callable[[bool, str], None]) -> Path:
    """The node's data path, when the node runs on this machine (scripts/es.sh)."""
    nodes = httpx.get(f"{es_url}/_nodes/settings", timeout=5).json()["nodes"]
    path = Path(next(iter(nodes.values()))["settings"]["path"]["data"])
    require_service(path.is_dir(), f"Elasticsearch data path {path} is not on this machine")
    return path


def _files_containing(store: Any, data_dir: Path, needle: str) -> dict[str, int]:
    """Files of this store's indices (segments, translog, ...) holding `needle`."""
    settings = store.client.indices.get_settings(index=f"{store.prefix}-*")
    out: dict[str, int] = {}
    for name, s in settings.items():
        for f in (data_dir / "indices" / s["settings"]["index"]["uuid"]).rglob("*"):
            if f.is_file() and needle.encode() in f.read_bytes():
                index = name.removeprefix(store.prefix + "-")
                out[index] = out.get(index, 0) + 1
    return out


def test_elasticsearch_returns_nothing_for_an_erased_subject(
    es_store_factory: Callable[..., Any], tmp_path: Path
) -> None:
    store = es_store_factory()
    compliance = Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")
    _seed(store)
    assert _export_total(compliance, SUBJECT) == 121
    assert _hits(store, SUBJECT)  # the probe finds the raw id before erasure
    assert _hits(store, key_of(SUBJECT))

    job = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", "req-es")
    result = compliance.erasures.run(job["id"])

    assert result is not None and result["status"] == "completed"
    assert result["removed"]["elasticsearch"] == 121
    assert result["removed_by_kind"]["elasticsearch"] == {
        "conversation": 40, "call": 40, "feedback": 40, "alert": 1, "cache": 0, "job": 0,
    }  # fmt: skip
    assert _export_total(compliance, SUBJECT) == 0
    assert _hits(store, SUBJECT) == {}
    # The key stays only where erasure must leave it: the tombstone and the audit trail.
    assert set(_hits(store, key_of(SUBJECT))) <= {"state", "audit"}
    assert _export_total(compliance, OTHER) == 121


def test_no_byte_of_the_raw_id_is_left_after_the_second_reclaim(
    es_store_factory: Callable[..., Any], data_dir: Path, tmp_path: Path
) -> None:
    store = es_store_factory()
    clock = FakeClock()
    compliance = Compliance.build(store, Settings(), clock=clock, exports_dir=tmp_path / "ex")
    _seed(store)
    store.client.indices.flush(index=f"{store.prefix}-*")
    assert {"conversations", "feedback"} <= _files_containing(store, data_dir, SUBJECT).keys()

    job = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", "req-es")
    erased_at = time.monotonic()
    result = compliance.erasures.run(job["id"])

    # Retention leases held the fresh deletions back from the merge: the job says so.
    assert result is not None and result["reclaim"]["deleted_docs_left"] > 0
    assert result["reclaim_again_at"] == (clock.now() + RECLAIM_AGAIN_AFTER).isoformat()
    assert compliance.erasures.reclaim_due() == 0  # not due yet
    time.sleep(max(0.0, RECLAIM_AGAIN_AFTER.total_seconds() - (time.monotonic() - erased_at)))
    clock.advance(RECLAIM_AGAIN_AFTER)

    assert compliance.erasures.reclaim_due() == 1
    assert compliance.erasures.reclaim_due() == 0  # closed: once is enough
    done = compliance.erasures.get(job["id"])
    assert done is not None and "reclaim_again_at" not in done
    assert _files_containing(store, data_dir, SUBJECT) == {}
    assert {"conversations", "feedback"} <= _files_containing(store, data_dir, OTHER).keys()


def _refused(subject_id: str, prefix: str) -> list[Any]:
    """A call and a conversation of the subject that Elasticsearch refuses for good."""
    [call, conv, _] = records_for(subject_id, 1, prefix=prefix, anonymized_every=0)
    call.input_tokens = 2**70  # no JSON `long` carries it
    conv.pii_summary = {"": 1}  # the server refuses an empty field name
    return [call, conv]


def test_erasure_purges_and_export_includes_the_dead_letter_file(
    es_store_factory: Callable[..., Any], tmp_path: Path
) -> None:
    store = es_store_factory()
    compliance = Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")
    _seed(store)
    result = store.write_records(_refused(SUBJECT, "bad-s") + _refused(OTHER, "bad-o"))
    assert len(result.rejected) == 4
    assert SUBJECT in store.dead_letter_path.read_text()

    out = io.StringIO()
    compliance.exports.export_now(out, SUBJECT, key_of(SUBJECT), "tester")
    doc = json.loads(out.getvalue())
    refused = [r for r in doc["records"] if r["source"] == "dead-letter"]
    assert sorted((r["kind"], r["data"]["request_id"]) for r in refused) == [
        ("call", "bad-s-000000"), ("conversation", "bad-s-000000"),
    ]  # fmt: skip
    assert doc["summary"]["total"] == 121 + 2

    job = compliance.erasures.request(SUBJECT, key_of(SUBJECT), "tester", "req-dl")
    done = compliance.erasures.run(job["id"])

    assert done is not None and done["removed"]["dead-letter"] == 2
    text = store.dead_letter_path.read_text()
    assert SUBJECT not in text and key_of(SUBJECT) not in text
    assert [json.loads(line)["record"]["request_id"] for line in text.splitlines()] == [
        "bad-o-000000", "bad-o-000000",
    ]  # fmt: skip
    assert _export_total(compliance, SUBJECT) == 0
    assert _export_total(compliance, OTHER) == 121 + 2


def test_simultaneous_requests_to_erase_one_subject_make_one_job(
    es_store_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Two erasure requests of one subject at the same moment (two API workers, or the
    CLI and the API) share one job: Elasticsearch's search does not see a job another
    request is still creating, and two jobs side by side would let the first one to
    finish close the tombstone while the other still erases."""
    import threading

    store = es_store_factory()
    compliance = Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")
    for n in range(4):
        subject = f"{SUBJECT}-{n}"
        ids: list[str] = []
        barrier = threading.Barrier(3)

        def ask(
            subject: str = subject, barrier: threading.Barrier = barrier, ids: list[str] = ids
        ) -> None:
            barrier.wait()
            ids.append(compliance.erasures.request(subject, key_of(subject), "t", None)["id"])

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(ids) == 3 and len(set(ids)) == 1, ids
        jobs = [j for j in compliance.erasures.jobs.all() if j["subject_key"] == key_of(subject)]
        assert [j["id"] for j in jobs] == ids[:1]
        assert compliance.erasures.run(ids[0])["status"] == "completed"
    # once the job completed, a new request is a new erasure (the cut-off moves on)
    again = compliance.erasures.request(subject, key_of(subject), "t", None)
    assert again["id"] != ids[0] and again["status"] == "pending"
