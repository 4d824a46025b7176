"""`sentinel serve` and `sentinel proxy` with Elasticsearch down: one line naming the
problem, exit 2, and no traceback (elastic_transport logs each retry with its whole
exception chain unless `sentinel.startup.configure_logging` strips it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import free_port

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


@pytest.mark.parametrize("command", ["serve", "proxy"])
def test_an_unreachable_elasticsearch_stops_start_without_a_traceback(
    tmp_path: Path, command: str
) -> None:
    closed = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTINEL_", "DEEPSEEK_"))}
    env |= {
        "SENTINEL_STORE": f"http://127.0.0.1:{closed}",
        "SENTINEL_DATA_DIR": str(tmp_path / "data"),
        "SENTINEL_SUBJECT_SECRET": "s" * 32,
        "DEEPSEEK_API_KEY": "sk-test",
    }
    proc = subprocess.run(
        [SENTINEL, command], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-2000:]
    assert f"cannot start: Elasticsearch unreachable at http://127.0.0.1:{closed}" in output
    assert "elastic_transport" in output  # its warnings still say what was retried
    assert "Traceback" not in output, output[-2000:]
