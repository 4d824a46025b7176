"""Erasure under live traffic (issue 14, item 4): two app processes keep calling for the
subject (real client, FakeDeepSeek, the shared store) while it is erased. After the
erasure says `completed` an export returns nothing, and no file of the store (SQLite:
database, WAL, shared memory), the spools or the logs holds the raw id, although every
message the apps sent contained it. On Elasticsearch no document of any index holds it
(its data files are checked by test_erasure_elasticsearch once merges ran)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from loopback import wait_until

from sentinel.compliance.service import Compliance, open_spool
from sentinel.config import Settings
from sentinel.store.base import KINDS, Store, StoreUnavailable
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing.fake import FakeDeepSeek

SUBJECT, OTHER = "live user 李四", "bystander@example.com"
TRAFFIC = Path(__file__).with_name("traffic.py")


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, dict]]:
    """The store every process shares, and the environment that names it."""
    if request.param == "sqlite":
        db = tmp_path / "store" / "shared.db"
        store = SQLiteStore(db)
        store.setup()
        yield store, {"SENTINEL_STORE": f"sqlite:///{db}"}
        store.close()
        return
    store = request.getfixturevalue("es_store_factory")()
    es_url = request.getfixturevalue("es_url")
    yield store, {"SENTINEL_STORE": es_url, "SENTINEL_ES_INDEX_PREFIX": store.prefix}


def _files_holding(root: Path, needle: str) -> list[str]:
    data = needle.encode("utf-8")
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
            and data in p.read_bytes()]  # fmt: skip


def _es_documents_holding(store: Any, needle: str) -> int:
    store.refresh()
    res = store.client.search(
        index=f"{store.prefix}-*",
        query={"multi_match": {"query": needle, "fields": ["*"], "lenient": True,
                               "type": "phrase"}},
        size=0, track_total_hits=True,
    )  # fmt: skip
    return int(res["hits"]["total"]["value"])


@pytest.mark.timeout(120)
def test_erasure_under_live_traffic_from_two_processes(
    shared_store: tuple[Store, dict], fake_deepseek: FakeDeepSeek, tmp_path: Path
) -> None:
    store, store_env = shared_store
    stop = tmp_path / "stop"
    (tmp_path / "logs").mkdir()
    procs = []
    for i in range(2):
        env = {**os.environ, **store_env, "DEEPSEEK_API_KEY": fake_deepseek.api_key,
               "DEEPSEEK_BASE_URL": fake_deepseek.url,
               "SENTINEL_SPOOL_DIR": str(tmp_path / f"spool-{i}")}  # fmt: skip
        stderr = open(tmp_path / "logs" / f"stderr-{i}.log", "wb")  # noqa: SIM115
        cmd = [sys.executable, str(TRAFFIC), str(tmp_path / "logs" / f"app-{i}.log"),
               str(stop), SUBJECT, SUBJECT, OTHER]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=stderr))
        stderr.close()
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == b"calling"
        settings = Settings(spool_dir=tmp_path / "eraser-spool")
        compliance = Compliance.build(
            store, settings, spool=open_spool(settings), exports_dir=tmp_path / "exports"
        )
        key = compliance.subject_key(SUBJECT)

        def stored() -> list[Any]:  # a loaded machine may take a while for the first batch
            try:  # a fresh index's shards may still be starting on the shared node
                store.refresh()
                return list(store.iter_subject(SUBJECT, key, KINDS))
            except StoreUnavailable:
                return []

        assert wait_until(stored, 30), "no traffic reached the store"
        upstream_calls: dict[str, int] = {}
        job = compliance.erasures.request(SUBJECT, key, "test", None)
        done = compliance.erasures.run(
            job["id"],
            progress=lambda step, _: upstream_calls.setdefault(step, fake_deepseek.count()),
        )
        assert done is not None and done["status"] == "completed"
    finally:
        stop.touch()
        reports = [json.loads(proc.communicate(timeout=60)[0].splitlines()[-1]) for proc in procs]
    # the traffic really went on through the erasure, and the writers dropped its records
    assert upstream_calls["close"] - upstream_calls["tombstone"] >= 10
    assert all(r["calls"] > 0 for r in reports)
    assert sum(r["erased"] for r in reports) > 0

    out = io.StringIO()
    summary = compliance.exports.export_now(out, SUBJECT, key, "test")
    document = json.loads(out.getvalue())
    assert summary.total == 0 and document["records"] == []
    assert document["erasure"]["cut_off"] == done["cut_off"]
    assert datetime.fromisoformat(done["cut_off"]) > datetime.fromisoformat(done["tombstoned_at"])
    assert list(store.iter_subject(SUBJECT, key, KINDS)) == []
    assert compliance.exports.export_now(io.StringIO(), OTHER, compliance.subject_key(OTHER),
                                         "test").total > 0  # fmt: skip
    assert _files_holding(tmp_path, SUBJECT) == []
    if store.name == "sqlite":  # the search does find what is there
        assert _files_holding(tmp_path, OTHER)
    else:
        assert _es_documents_holding(store, SUBJECT) == 0
        assert _es_documents_holding(store, OTHER) > 0
