"""Outside attacks on `sentinel spend`'s output, through the real command in a
subprocess over both stores: a caller-chosen conversation id or model name must not
become a spreadsheet formula in --csv, and unicode survives every format."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spend_support import store_env

from sentinel.models import CallRecord

T0 = datetime(2026, 12, 5, 2, tzinfo=UTC)
HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\tx=1", "报告-対話-😀"]


def _spend(store: Any, *args: str) -> str:
    cmd = [str(Path(sys.executable).with_name("sentinel")), "spend", "--since", "2026-12-01",
           "--until", "2026-12-08", *args]  # fmt: skip
    done = subprocess.run(cmd, env=store_env(store), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_csv_never_hands_a_spreadsheet_a_formula(store: Any) -> None:
    records = [
        CallRecord(
            request_id=f"h{i}", timestamp=T0 + timedelta(minutes=i), app="bot",
            model=name, conversation_id=name, input_tokens=10, cache_hit_tokens=0,
            cache_miss_tokens=10, output_tokens=5, cost=0.01 * (i + 1), cost_currency="USD",
            cache_savings=0.0,
        )
        for i, name in enumerate(HOSTILE)
    ]  # fmt: skip
    store.write_records(records)
    store.refresh()
    for by in ("conversation", "model"):
        rows = list(csv.reader(io.StringIO(_spend(store, "--by", by, "--csv"))))
        keys = [r[0] for r in rows[1:]]
        assert sorted(keys) == sorted(("'" + k if k[0] in "=+-@\t" else k) for k in HOSTILE)
        for row in rows[1:]:
            assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in row), row
        # JSON is data, not a spreadsheet: the ids come back exactly
        data = json.loads(_spend(store, "--by", by, "--json"))
        assert sorted(r["key"] for r in data["rows"]) == sorted(HOSTILE)
    table = _spend(store, "--by", "conversation")
    assert "报告-対話-😀" in table


def test_a_report_on_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "no-such-dir" / "sentinel.db"
    env = {**os.environ, "SENTINEL_STORE": f"sqlite:///{typo}", "HOME": str(tmp_path)}
    cmd = [str(Path(sys.executable).with_name("sentinel")), "spend", "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert f"no SQLite database at {typo}" in done.stderr and "Traceback" not in done.stderr
    assert not typo.parent.exists()
