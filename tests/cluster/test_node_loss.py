"""Losing a data node of a three-node cluster under load (replicas 1, two shards).

Two client processes call steadily through the Sentinel client, two `sentinel serve`
daemons evaluate the rules; one non-master node is SIGKILLed, and while it is down an
erasure runs and the error rule's condition appears. After the node is back: every
acknowledged record is stored exactly once, the erased subject is gone, the alert was
sent once, and neither daemon died. Elasticsearch does the replication and the replica
promotion; Sentinel's part is the multi-node client, retries, spool and the lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import free_port, wait_until

from sentinel.config import Settings
from sentinel.models import CallRecord, subject_key_for
from sentinel.store.elastic import ElasticStore
from sentinel.testing import FakeDeepSeek

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "es-cluster.sh"
CLIENT = Path(__file__).with_name("load_client.py")
SENTINEL = str(Path(sys.executable).with_name("sentinel"))
ERASED = "cluster-erase-me"
ERASE_FIRST = 15  # calls per client for the subject that is erased during the outage
API_KEY = "sk-cluster-test-2b7c4d9e1f"
SUBJECT_KEY = "cluster-test-subject-key"
RULES = """\
groups:
  - name: cluster
    interval: 5s
    rules:
      - alert: ClusterTestErrors
        metric: error_rate
        window: 1m
        op: ">"
        threshold: 0.05
        min_requests: 10
        for: 5s
        group_by: [model]
        labels: {severity: page}
        annotations: {summary: "errors {{ value | percent }}"}
"""


def _es(urls: list[str], path: str, **kw: Any) -> Any:
    """A request to the first node that answers (one of them is down on purpose)."""
    last: Exception | None = None
    method = kw.pop("method", "GET")
    for url in urls:
        try:
            r = httpx.request(method, f"{url}{path}", timeout=30, **kw)
            r.raise_for_status()
            return r.json()
        except httpx.TransportError as exc:
            last = exc
    raise AssertionError(f"no node answered {path}: {last}")


def _count(urls: list[str], index: str, query: dict[str, Any]) -> int:
    _es(urls, f"/{index}/_refresh?ignore_unavailable=true&allow_no_indices=true", method="POST")
    body = _es(
        urls,
        f"/{index}/_count?ignore_unavailable=true&allow_no_indices=true",
        method="POST",
        json={"query": query},
    )
    return int(body["count"])


def _count_soon(urls: list[str], index: str, query: dict[str, Any]) -> int:
    """_count while indices are still being created (their shards not yet started)."""
    try:
        return _count(urls, index, query)
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 503:
            return 0
        raise


class Processes:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            argv, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True
        )
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


@pytest.fixture
def processes() -> Iterator[Processes]:
    p = Processes()
    yield p
    p.close()


@pytest.fixture
def restart_all_nodes(cluster_urls: list[str]) -> Iterator[None]:
    """Whatever happens, the cluster ends with its three nodes up again."""
    yield
    for n in range(1, 4):
        subprocess.run(["bash", str(SCRIPT), "start-node", str(n)], check=False, timeout=300)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(900)
def test_a_node_lost_under_load_loses_and_duplicates_nothing(
    cluster_urls: list[str],
    tmp_path: Path,
    webhook_receiver: Any,
    processes: Processes,
    restart_all_nodes: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = f"sentinel-cluster-{uuid.uuid4().hex[:8]}"
    (tmp_path / "rules.yml").write_text(RULES)
    fake = FakeDeepSeek(api_key=API_KEY)
    fake.start()
    try:
        common = {
            "SENTINEL_STORE": ",".join(cluster_urls),
            "SENTINEL_ES_INDEX_PREFIX": prefix,
            "SENTINEL_ES_SHARDS": "2",
            "SENTINEL_ES_REPLICAS": "1",
            "SENTINEL_SUBJECT_KEY": SUBJECT_KEY,
            "DEEPSEEK_BASE_URL": fake.url,
            "DEEPSEEK_API_KEY": API_KEY,
        }
        for key, value in common.items():
            monkeypatch.setenv(key, value)
        base_env = dict(os.environ)
        store = ElasticStore.from_settings(common["SENTINEL_STORE"], Settings())
        store.setup()
        _check_sizing(cluster_urls, prefix)

        # Two daemons sharing the cluster, alerting to one webhook.
        ports = [free_port(), free_port()]
        daemons = [
            processes.start(
                [SENTINEL, "serve"],
                base_env
                | {
                    "SENTINEL_RULES": str(tmp_path / "rules.yml"),
                    "SENTINEL_ALERT_WEBHOOK_URL": webhook_receiver.url,
                    "SENTINEL_ANONYMIZE_INTERVAL": "1h",
                    "SENTINEL_API_PORT": str(port),
                    "SENTINEL_SPOOL_DIR": str(tmp_path / f"daemon-spool-{n}"),
                },
                tmp_path / f"daemon-{n}.log",
            )
            for n, port in enumerate(ports)
        ]
        assert wait_until(lambda: all(_ready(p) for p in ports), 90, step=0.5), _logs(tmp_path)

        # Two client processes under steady load.
        stop = tmp_path / "stop"
        acks = [tmp_path / f"acks-{n}.txt" for n in range(2)]
        clients = [
            processes.start(
                [
                    sys.executable,
                    str(CLIENT),
                    str(acks[n]),
                    str(stop),
                    *(
                        "--erase-first",
                        str(ERASE_FIRST),
                        "--rate",
                        "8",
                        "--max-seconds",
                        "600",
                        "--name",
                        f"client{n}",
                    ),
                ],
                base_env | {"SENTINEL_SPOOL_DIR": str(tmp_path / f"client-spool-{n}")},
                tmp_path / f"client-{n}.log",
            )
            for n in range(2)
        ]
        erased_key = subject_key_for(ERASED, Settings().subject_secret_bytes())
        erased_query = {"term": {"sentinel.subject_key": erased_key}}
        stored_before = wait_until(
            lambda: _count_soon(cluster_urls, f"{prefix}-calls-*", erased_query) >= 2 * ERASE_FIRST,
            90,
            step=1,
        )
        assert stored_before, _logs(tmp_path)
        time.sleep(3)  # steady load on the healthy cluster

        # Kill a data node that is not the elected master (SIGKILL: no clean shutdown).
        master = _es(cluster_urls, "/_cat/master?format=json")[0]["node"]
        victim = next(n for n in (3, 2, 1) if not master.endswith(f"-{n}"))
        subprocess.run(["bash", str(SCRIPT), "kill", str(victim)], check=True, timeout=60)
        alive = [u for u in cluster_urls if not u.endswith(str(9280 + victim - 1))]
        assert wait_until(lambda: _es(alive, "/_cluster/health")["number_of_nodes"] == 2, 60)

        # During the outage: an erasure, and the error rule's condition.
        erase = subprocess.run(
            [SENTINEL, "gdpr", "erase", ERASED, "--yes"],
            env=base_env | {"SENTINEL_SPOOL_DIR": str(tmp_path / "erase-spool")},
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert erase.returncode == 0, erase.stdout + erase.stderr
        assert " completed" in erase.stderr, erase.stderr
        now = datetime.now(UTC)
        store.write_records(
            [
                CallRecord(request_id=f"seed-{i}", timestamp=now + timedelta(seconds=i),
                           model="cluster-seed", outcome="failure" if i % 2 else "success")
                for i in range(-30, 600)  # firing until well after the test
            ]
        )  # fmt: skip
        firing = webhook_receiver.wait_for(1, timeout=90)
        assert [b["status"] for b in firing] == ["firing"], _logs(tmp_path)
        assert _es(alive, "/_cluster/health")["number_of_nodes"] == 2  # still in the outage

        # The node comes back; replicas recover; load goes on a little, then stops.
        subprocess.run(["bash", str(SCRIPT), "start-node", str(victim)], check=True, timeout=300)
        _es(cluster_urls, "/_cluster/health?wait_for_status=green&wait_for_nodes=3&timeout=120s")
        time.sleep(3)
        stop.touch()
        for client in clients:
            assert client.wait(180) == 0, _logs(tmp_path)

        # Every acknowledged record exactly once; the erased subject's records gone.
        acked = [line.split() for path in acks for line in path.read_text().splitlines()]
        kept = {rid for rid, subject in acked if subject != ERASED}
        erased = {rid for rid, subject in acked if subject == ERASED}
        assert len(kept) + len(erased) == len(acked)  # request ids are unique
        assert len(erased) == 2 * ERASE_FIRST and len(kept) > 100
        calls = f"{prefix}-calls-*"
        load = {"bool": {"must_not": [{"term": {"gen_ai.request.model": "cluster-seed"}}]}}
        load_ids = {"ids": {"values": sorted(kept)}}
        assert _count(cluster_urls, calls, load_ids) == len(kept)
        assert _count(cluster_urls, calls, load) == len(kept)  # nothing unacknowledged, no copy
        dupes = _es(
            cluster_urls,
            f"/{calls}/_search",
            method="POST",
            json={"size": 0, "aggs": {"d": {"terms": {"field": "sentinel.request_id",
                                                      "min_doc_count": 2, "size": 10}}}},
        )["aggregations"]["d"]["buckets"]  # fmt: skip
        assert dupes == []
        for index in (calls, f"{prefix}-conversations"):
            assert _count(cluster_urls, index, erased_query) == 0, index
            assert _count(cluster_urls, index, {"ids": {"values": sorted(erased)}}) == 0, index
        assert _count(cluster_urls, f"{prefix}-conversations", load_ids) == len(kept)

        # The alert went out once, by one of the two daemons, through the outage and after.
        time.sleep(3)
        sent = [(a["labels"]["alertname"], b["status"]) for b in webhook_receiver.bodies
                for a in b["alerts"]]  # fmt: skip
        assert sent == [("ClusterTestErrors", "firing")], (webhook_receiver.bodies, _logs(tmp_path))
        for daemon in daemons:
            assert daemon.poll() is None, _logs(tmp_path)
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons:
            assert daemon.wait(30) == 0, _logs(tmp_path)
        store.close()
    finally:
        fake.stop()


def _check_sizing(urls: list[str], prefix: str) -> None:
    """SENTINEL_ES_SHARDS / SENTINEL_ES_REPLICAS reached the templates and the indices."""
    templates = _es(urls, f"/_index_template/{prefix}-*")["index_templates"]
    assert templates
    for t in templates:
        index = t["index_template"]["template"]["settings"]["index"]
        assert index["number_of_shards"] == "2" and index["number_of_replicas"] == "1", t["name"]
    settings = _es(urls, f"/{prefix}-state/_settings")
    (state,) = settings.values()
    assert state["settings"]["index"]["number_of_replicas"] == "1"


def _logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.log"))
    )
