"""A budget in another currency than its app's calls counts none of them (Sentinel never
converts currencies), so it never stops a call: `budgets set` refuses it (unless
--other-currency says it is meant) and otherwise takes the calls' currency, `budgets
list` and `sentinel doctor` warn with the amount it misses, and a client whose calls a
budget cannot count counts a warning on every call. Real CLI in a subprocess, SQLite
and the real Elasticsearch, FakeDeepSeek over loopback."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from spend_support import store_env

from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.store.budget_state import Budget, get_budget, list_budgets, put_budget
from sentinel.telemetry.semconv import METRIC_WARNINGS, SENTINEL_WARNING_KIND

HI = [{"role": "user", "content": "hi"}]


def _run(store: Any, tmp_path: Path, *args: str, currency: str = "USD") -> Any:
    env = {**store_env(store), "SENTINEL_AUDIT_KEY": "k" * 40, "HOME": str(tmp_path),
           "SENTINEL_CURRENCY": currency}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("sentinel")), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _calls(store: Any, app: str, currency: str, cost: float, n: int = 2) -> None:
    now = datetime.now(UTC)
    store.write_records([
        CallRecord(request_id=f"{app}-{currency}-{i}", timestamp=now - timedelta(seconds=i + 1),
                   app=app, model="deepseek-flash", cost=cost, cost_currency=currency)
        for i in range(n)
    ])  # fmt: skip
    store.refresh()


def _set(*extra: str) -> list[str]:
    return ["budgets", "set", "--app", "bot", "--per", "day", "--limit", "20", *extra]


def test_a_budget_in_a_currency_the_calls_are_not_priced_in_is_refused(
    store: Any, tmp_path: Path
) -> None:
    _calls(store, "bot", "USD", 1.25)
    done = _run(store, tmp_path, *_set("--currency", "cny"), currency="CNY")
    assert done.returncode == 2, done.stderr
    assert "--currency" in done.stderr and "priced in USD, none in CNY" in done.stderr
    assert "Traceback" not in done.stderr
    assert list_budgets(store) == []
    # meant (the app is about to be priced in CNY): set, with the amount it misses
    done = _run(store, tmp_path, *_set("--currency", "CNY", "--other-currency"))
    assert done.returncode == 0, done.stderr
    assert "warning: the CNY budget of app 'bot' does not count 2.50 USD" in done.stderr
    assert get_budget(store, "bot").currency == "CNY"  # type: ignore[union-attr]


def test_without_currency_the_budget_takes_the_calls_currency(store: Any, tmp_path: Path) -> None:
    _calls(store, "bot", "CNY", 3.0)
    # this host prices in USD, the app's calls are in CNY: the calls decide
    done = _run(store, tmp_path, *_set(), currency="USD")
    assert done.returncode == 0, done.stderr
    assert "20 CNY per day" in done.stderr and "warning" not in done.stderr
    # no calls to go by: this host's SENTINEL_CURRENCY
    done = _run(store, tmp_path, "budgets", "set", "--app", "new", "--per", "day",
                "--limit", "5", currency="CNY")  # fmt: skip
    assert done.returncode == 0 and get_budget(store, "new").currency == "CNY"  # type: ignore[union-attr]
    # an explicit other currency with nothing to check it against: kept, with a warning
    done = _run(store, tmp_path, "budgets", "set", "--app", "new", "--per", "day",
                "--limit", "5", "--currency", "USD", currency="CNY")  # fmt: skip
    assert done.returncode == 0
    assert "no priced call of app 'new'" in done.stderr and "prices calls in CNY" in done.stderr


def test_list_and_doctor_warn_when_the_currency_changed_since(store: Any, tmp_path: Path) -> None:
    _calls(store, "bot", "USD", 1.0, n=1)
    assert _run(store, tmp_path, *_set()).returncode == 0  # USD, like its calls
    listed = _run(store, tmp_path, "budgets", "list", "--json")
    assert json.loads(listed.stdout)["uncounted"] == {} and "warning" not in listed.stderr
    assert _doctor(store, tmp_path)["status"] == "ok"
    _calls(store, "bot", "CNY", 7.0, n=3)  # SENTINEL_CURRENCY=CNY since
    listed = _run(store, tmp_path, "budgets", "list", "--json")
    row = json.loads(listed.stdout)
    assert (row["currency"], row["spent"], row["uncounted"]) == ("USD", 1.0, {"CNY": 21.0})
    assert "does not count 21.00 CNY its calls cost this period" in listed.stderr
    table = _run(store, tmp_path, "budgets", "list")
    assert "21.00 CNY" in table.stdout and "not counted" in table.stdout
    check = _doctor(store, tmp_path)
    assert check["status"] == "warn" and "21.00 CNY" in check["detail"]


def _doctor(store: Any, tmp_path: Path) -> dict[str, Any]:
    skip = ["secrets", "spool", "tombstones", "upstream", "rules", "redaction", "privacy", "data"]
    args = ["doctor", "--json", *(a for name in skip for a in ("--skip", name))]
    done = _run(store, tmp_path, *args)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    (row,) = [r for r in rows if r["name"] == "budgets"]
    return row


def test_a_client_counts_a_warning_on_every_call_its_budget_cannot_count(
    harness: Any, store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = f"bot-{store.name}"  # the log line is once per process and message
    put_budget(store, Budget(app=app, per="day", limit=20, currency="USD"))
    store.refresh()
    client = harness.client(store=store, app=app, settings=Settings(currency="CNY"))
    client._core.guard.refresh()  # the budget is in the snapshot before the first call
    with caplog.at_level(logging.WARNING, logger="sentinel.client"):
        for _ in range(3):
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
    points = [p for p in harness.metric_points(METRIC_WARNINGS)
              if p.attributes.get(SENTINEL_WARNING_KIND) == "budget_currency"]  # fmt: skip
    assert sum(p.value for p in points) == 3
    mine = f"USD budget of app '{app}'"
    logged = [r.getMessage() for r in caplog.records if mine in r.getMessage()]
    assert len(logged) == 1 and "priced in CNY" in logged[0]
    # a budget in the calls' own currency: no warning
    put_budget(store, Budget(app=app, per="day", limit=20, currency="CNY"))
    store.refresh()
    client._core.guard.refresh()
    client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
    points = [p for p in harness.metric_points(METRIC_WARNINGS)
              if p.attributes.get(SENTINEL_WARNING_KIND) == "budget_currency"]  # fmt: skip
    assert sum(p.value for p in points) == 3
