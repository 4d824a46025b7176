"""A daily calls index closed by hand (an operator's archive step, a mistaken `_close`):
every search skips it as it skips a day with no calls, so `sentinel spend` answered
without that day's calls and said nothing. Now the report refuses, naming the index:
exit 1 and one line from the CLI, 503 (never 500) from `GET /v1/spend`; a range that
does not reach that day still answers, and reopening it brings its calls back."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from spend_support import store_env
from test_es_spend_cache import CUT, T0, WHOLE, assert_reports_are_the_calls, calls

from sentinel.api.app import create_app
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.store.base import StoreUnavailable
from sentinel.web.state import web_state


@pytest.fixture
def es(es_store_factory: Any) -> Any:
    store = es_store_factory()
    assert not store.write_records(calls(5)).rejected
    store.refresh()
    assert_reports_are_the_calls(store)  # with a cache built over the day to close
    return store


def test_a_closed_day_is_refused_by_name_not_left_out(es: Any, tmp_path: Path) -> None:
    day = es._daily((T0 + timedelta(days=2)).date())
    es.client.indices.close(index=day)
    for by in ("app", "conversation", "day"):
        for span in (WHOLE, CUT):
            with pytest.raises(StoreUnavailable, match=day):
                es.spend(*span, by, limit=5)
    assert es.spend(T0, T0 + timedelta(days=2), "app")  # before that day: answered

    cmd = [str(Path(sys.executable).with_name("sentinel")), "spend", "--since",
           f"{T0:%Y-%m-%d}", "--until", f"{T0 + timedelta(days=5):%Y-%m-%d}"]  # fmt: skip
    done = subprocess.run(cmd, env=store_env(es), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert day in done.stderr and "Traceback" not in done.stderr and done.stdout == ""

    app = create_app(es, Settings(), clock=FakeClock(T0 + timedelta(days=5)),
                     exports_dir=tmp_path / "exports")  # fmt: skip
    token = web_state(app).tokens.create("reader", ["spend:read"])[0]
    with TestClient(app) as client:
        res = client.get("/v1/spend", params={"since": "7d"},
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert res.status_code == 503, res.text

    es.client.indices.open(index=day, wait_for_active_shards="all")
    assert_reports_are_the_calls(es)
