"""scripts/es-cluster.sh on a shared machine: a start that fails leaves no node running.

`make test-cluster` runs the cluster's stop only after a successful start (the start is
a prerequisite), so a start that fails (a node's port taken by someone else, no green in
time on a loaded machine) must stop what it started, or JVMs stay up holding their
pre-touched heaps. The test takes the second node's HTTP port, so the first node starts
and the second cannot."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from deploy_support import REPO

SCRIPT = REPO / "scripts" / "es-cluster.sh"
ES_HOMES = [
    REPO / ".cache" / "elasticsearch-8.19.3",
    Path("/var/tmp/sentinel-es-cache/elasticsearch-8.19.3"),
]


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _base_port() -> int:
    """HTTP base..base+2 and transport base+100..base+102 all free (not the suite's)."""
    for _ in range(50):
        base = random.randrange(20000, 40000)
        if all(_free(base + d) for d in (0, 1, 2, 100, 101, 102)):
            return base
    raise AssertionError("no free port range")


def test_a_failed_start_stops_every_node_it_started(
    tmp_path: Path, require_service: Callable[[bool, str], None]
) -> None:
    require_service(
        any((h / "bin" / "elasticsearch").is_file() for h in ES_HOMES),
        "no unpacked Elasticsearch: run `make es-start` once",
    )
    base = _base_port()
    env = os.environ | {"SENTINEL_CLUSTER_BASE_PORT": str(base), "SENTINEL_CLUSTER_HEAP": "128m"}
    taken = socket.socket()
    taken.bind(("127.0.0.1", base + 1))
    taken.listen()
    try:
        start = subprocess.run(
            ["bash", str(SCRIPT), "start"],
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
            check=False,
        )
        assert start.returncode == 1, start.stderr
        assert "started sentinel-cluster-test-1" in start.stderr, start.stderr
        assert "start failed: stopping the nodes" in start.stderr
        status = subprocess.run(
            ["bash", str(SCRIPT), "status"], env=env, capture_output=True, text=True, timeout=60
        )
        assert status.stdout.count("not running") == 3, status.stdout
        assert not any(_listening(base + d) for d in (0, 2, 100, 101, 102))
    finally:
        taken.close()
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, timeout=300)
        for home in ES_HOMES:
            for n in range(3):
                shutil.rmtree(home.parent / f"es-{base + n}", ignore_errors=True)
