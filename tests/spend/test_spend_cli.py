"""`sentinel spend` (table, --json, --csv) and `sentinel prices recompute` over both
stores, through the real command: a corrected price row re-prices past calls only when
asked, and the rewrite is in the audit log."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.client import prices
from sentinel.client.cost import Pricer
from sentinel.models import CallRecord

runner = CliRunner()
T0 = datetime(2026, 12, 5, 2, tzinfo=UTC)  # a Saturday: off-peak all day
RANGE = ["--since", "2026-12-01", "--until", "2026-12-08"]


@pytest.fixture
def cli_store(store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`store` (SQLite or Elasticsearch) as SENTINEL_STORE for the command."""
    if store.name == "sqlite":
        monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{store.path}")
    else:
        monkeypatch.setenv("SENTINEL_STORE", store._url)
        monkeypatch.setenv("SENTINEL_ES_INDEX_PREFIX", store.prefix)
    return store


def priced(i: int, app: str, hit: int, miss: int, out: int) -> CallRecord:
    when = T0 + timedelta(minutes=i)
    cost = Pricer(prices.load(), "USD").price(
        "deepseek-flash", when, input_tokens=hit + miss, output_tokens=out,
        cache_hit_tokens=hit, cache_miss_tokens=miss,
    )  # fmt: skip
    assert cost is not None
    return CallRecord(
        request_id=f"r{i}", timestamp=when, app=app, model="deepseek-flash",
        input_tokens=hit + miss, cache_hit_tokens=hit, cache_miss_tokens=miss,
        output_tokens=out, cost=float(cost.amount), cost_currency="USD",
        cache_savings=float(cost.cache_savings),
    )  # fmt: skip


def seed(store: Any) -> None:
    # bot: 20 calls x (1M hit, 1M miss, 1M out) off-peak = 20 x (0.003 + 0.15 + 0.60)
    records = [priced(i, "bot", 1_000_000, 1_000_000, 1_000_000) for i in range(20)]
    # search: 10 calls x 1M miss = 10 x 0.15
    records += [priced(100 + i, "search", 0, 1_000_000, 0) for i in range(10)]
    store.write_records(records)
    store.refresh()


def test_spend_json_csv_and_table(cli_store: Any) -> None:
    seed(cli_store)
    result = runner.invoke(app, ["spend", "--json", *RANGE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {r["key"]: r for r in data["rows"]}
    assert round(rows["bot"]["cost"], 2) == 15.06  # 20 x 0.753
    assert round(rows["bot"]["cache_savings"], 2) == 2.94  # 20 x (0.15 - 0.003)
    assert rows["bot"]["cache_hit_ratio"] == 0.5
    assert round(rows["search"]["cost"], 2) == 1.50 and rows["search"]["calls"] == 10
    assert [r["key"] for r in data["rows"]] == ["bot", "search"]  # costliest first
    assert round(data["totals"]["USD"]["cost"], 2) == 16.56
    out = runner.invoke(app, ["spend", "--csv", "--by", "day", *RANGE])
    assert out.exit_code == 0, out.output
    (row,) = list(csv.DictReader(io.StringIO(out.output)))
    assert row["day"] == "2026-12-05" and row["calls"] == "30"
    assert round(float(row["cost"]), 2) == 16.56
    table = runner.invoke(app, ["spend", "--by", "model", *RANGE])
    assert table.exit_code == 0 and "deepseek-flash" in table.output and "16.56" in table.output
    bad = runner.invoke(app, ["spend", "--by", "colour"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_recompute_reprices_past_calls_only_when_asked_and_audits_it(
    cli_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(cli_store)
    # the operator corrects the off-peak row: output was 0.70, not 0.60
    fix = tmp_path / "prices.yml"
    fix.write_text(
        "prices:\n  deepseek-flash:\n"
        "    - {effective_from: 2026-09-10T04:00:00Z, currency: USD, input_cache_hit: 0.003,"
        " input_cache_miss: 0.15, output: 0.70}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SENTINEL_PRICES_FILE", str(fix))
    before = json.loads(runner.invoke(app, ["spend", "--json", *RANGE]).output)
    assert round(before["totals"]["USD"]["cost"], 2) == 16.56  # nothing changed by itself
    result = runner.invoke(app, ["prices", "recompute", "--since", "2026-12-05T02:10:00"])
    assert result.exit_code == 0, result.output
    # r10..r19 of bot (after 02:10) and all of search; search has no output: unchanged
    assert "20 calls since 2026-12-05 02:10 UTC: 10 re-priced, 0 without a cost" in result.output
    cli_store.refresh()
    after = json.loads(runner.invoke(app, ["spend", "--json", *RANGE]).output)
    assert round(after["totals"]["USD"]["cost"], 2) == round(16.56 + 10 * 0.10, 2)
    assert cli_store.get_call("r0").cost == before_cost(cli_store, "r0")
    assert abs(cli_store.get_call("r15").cost - 0.853) < 1e-12
    entries = list(cli_store.iter_audit())
    assert entries[-1].action == "prices.recompute"
    assert entries[-1].counts == {"calls": 20, "changed": 10, "no_cost": 0}
    assert entries[-1].details["since"].startswith("2026-12-05T02:10:00")
    verify = runner.invoke(app, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def before_cost(store: Any, request_id: str) -> float:
    """r0 is before --since: still priced at 0.60 for output."""
    record = store.get_call(request_id)
    assert record is not None
    return 0.753 if abs(record.cost - 0.753) < 1e-12 else -1.0


def test_recompute_with_a_bad_since_is_a_usage_error() -> None:
    result = runner.invoke(app, ["prices", "recompute", "--since", "yesterday-ish"])
    assert result.exit_code == 2 and "Traceback" not in result.output
