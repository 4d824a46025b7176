"""A real Elasticsearch stopped and started again under steady load. This test's own
server (scripts/es.sh on another port, never the shared one): the records spool while it
is down and every acknowledged one is stored exactly once after it is back."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from es_support import open_elastic, stored_call_ids
from faults import Load, assert_exactly_once, drain

from sentinel.config import Settings
from sentinel.records.sink import Sink

REPO = Path(__file__).parent.parent.parent
PORT = int(os.environ.get("SENTINEL_TEST_OWN_ES_PORT", "9273"))

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow, pytest.mark.timeout(600)]


def _es(command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINEL_ES_PORT": str(PORT)}
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "es.sh"), command],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def own_es(require_service: Any) -> Iterator[str]:
    started = _es("start")
    require_service(started.returncode == 0, f"own Elasticsearch on {PORT}: {started.stderr}")
    try:
        yield f"http://127.0.0.1:{PORT}"
    finally:
        _es("stop")


def test_elasticsearch_stopped_and_restarted(own_es: str, tmp_path: Path) -> None:
    prefix = f"restart-{os.getpid()}"
    store = open_elastic(own_es, prefix, tmp_path)
    sink = Sink(store, Settings(spool_dir=tmp_path / "spool"))
    try:
        with Load(sink, "restart") as load:
            load.run_phase("before", 3.0)
            load.phase = "fault"
            assert _es("stop").returncode == 0
            load.run_phase("fault", 5.0, lambda: sink.spooled > 0)
            spooled = sink.spooled
            restarted = _es("start")
            assert restarted.returncode == 0, restarted.stderr
            load.run_phase("after", 2.0)
        drain(sink, timeout=120)
        assert spooled > 0 and sink.dropped == 0 and sink.flush(5)
        assert_exactly_once(load.acked, stored_call_ids(store))
        load.check_latency()
    finally:
        sink.close()
        store.drop()
        store.close()
