"""Real Elasticsearch faults under steady load: the server answering 401/403/404/429/
500/503 to `_bulk` (a loopback shim in front of the real server) and the server going
away and coming back (a loopback proxy that refuses and resets connections; the shared
server itself is never stopped). Records spool while it lasts and arrive exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from es_support import open_elastic, stored_call_ids
from faults import Load, assert_exactly_once, drain
from http_shim import HttpShim
from tcp_proxy import TcpProxy

from sentinel.config import Settings
from sentinel.records.sink import Sink

pytestmark = [pytest.mark.elasticsearch, pytest.mark.timeout(120)]


def _run(store: Any, tmp_path: Path, inject: Any, recover: Any) -> tuple[Load, Sink]:
    sink = Sink(store, Settings(spool_dir=tmp_path / "spool"))
    with Load(sink, "esfault") as load:
        load.run_phase("before", 2.0)
        inject()
        load.run_phase("fault", 4.0, lambda: sink.spooled > 0)
        spooled = sink.spooled
        recover()
        load.run_phase("after", 1.5)
    drain(sink)
    assert spooled > 0, "the fault never reached the sink"
    assert sink.dropped == 0 and sink.dead_lettered == 0 and sink.flush(5)
    sink.close()
    load.check_latency()
    return load, sink


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 503])
def test_bulk_answering_an_error_status_spools(
    es_store_factory: Any, es_url: str, tmp_path: Path, status: int
) -> None:
    owner = es_store_factory()
    host, port = es_url.removeprefix("http://").rsplit(":", 1)
    shim = HttpShim(host, int(port))
    try:
        store = open_elastic(shim.url, owner.prefix, tmp_path)
        store._bulk_backoff = 0.05  # 429/5xx are retried per item first; keep it short

        def inject() -> None:
            shim.status = status

        def recover() -> None:
            shim.status = None

        load, _ = _run(store, tmp_path, inject, recover)
        assert shim.answered > 0
        assert_exactly_once(load.acked, stored_call_ids(owner))
        assert not store.dead_letter_path.exists()  # nothing was taken for a bad record
    finally:
        shim.close()


def test_server_gone_and_back(es_store_factory: Any, es_url: str, tmp_path: Path) -> None:
    owner = es_store_factory()
    host, port = es_url.removeprefix("http://").rsplit(":", 1)
    proxy = TcpProxy(host, int(port))
    try:
        store = open_elastic(proxy.url, owner.prefix, tmp_path)
        load, _ = _run(store, tmp_path, proxy.cut, proxy.restore)
        assert_exactly_once(load.acked, stored_call_ids(owner))
    finally:
        proxy.close()
