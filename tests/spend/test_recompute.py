"""Outside attacks on `sentinel prices recompute`, through the real command over
both stores: a fleet where some hosts price in CNY and the operator's shell says USD.
Re-deriving a call's cost keeps the currency it was priced in (a CNY call re-priced in
USD would leave the app's CNY budget at zero spend, and a call with no USD row would
lose its cost); the fields beside the cost are untouched."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spend_support import store_env

from sentinel.models import CallRecord

T0 = datetime(2026, 12, 5, 2, tzinfo=UTC)  # a Saturday: off-peak all day


def _env(store: Any, tmp_path: Path) -> dict[str, str]:
    return {**store_env(store), "SENTINEL_AUDIT_KEY": "k" * 40, "HOME": str(tmp_path),
            "SENTINEL_CURRENCY": "USD"}  # fmt: skip


def _call(rid: str, i: int, currency: str, cost: float) -> CallRecord:
    return CallRecord(
        request_id=rid, timestamp=T0 + timedelta(minutes=i), app="bot", model="deepseek-flash",
        input_tokens=1_000_000, cache_hit_tokens=0, cache_miss_tokens=1_000_000,
        output_tokens=1_000_000, cost=cost, cost_currency=currency, cache_savings=0.0,
        conversation_id="conv-1", metadata={"k": "v"},
    )  # fmt: skip


def test_recompute_keeps_each_calls_currency(store: Any, tmp_path: Path) -> None:
    # both stale: the real off-peak prices are 0.15 + 0.60 USD and 1 + 4 CNY per 1M
    store.write_records([_call("usd", 0, "USD", 9.0), _call("cny", 1, "CNY", 9.0)])
    store.refresh()
    cmd = [str(Path(sys.executable).with_name("sentinel")), "prices", "recompute",
           "--since", "2026-12-05"]  # fmt: skip
    done = subprocess.run(cmd, env=_env(store, tmp_path), capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 re-priced" in done.stdout
    store.refresh()
    usd, cny = store.get_call("usd"), store.get_call("cny")
    assert (usd.cost_currency, usd.cost) == ("USD", 0.75)
    assert (cny.cost_currency, cny.cost) == ("CNY", 5.0)
    for record in (usd, cny):  # nothing else rewritten
        assert record.conversation_id == "conv-1" and record.metadata == {"k": "v"}
        assert record.output_tokens == 1_000_000
