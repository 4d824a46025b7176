"""The explorer's pages in real headless Chromium over loopback: they render, filters
and paging change what is shown, every number shown equals the JSON API's, placeholders
are highlighted and stored markup stays text. Screenshots are kept under
test-artifacts/explorer/ (gitignored; CI uploads it)."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import Texts, run_chromium
from explore_data import CONVERSATION, FAILED, NOW, seed
from loopback import serve

from sentinel.api.app import create_app
from sentinel.api.state import api_state
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "explorer"
pytestmark = pytest.mark.chromium


@pytest.fixture
def served(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    seed(sqlite_store)
    app = create_app(sqlite_store, Settings(), clock=FakeClock(NOW), exports_dir=tmp_path / "x")
    server, thread, url = serve(app)
    yield url, app
    server.should_exit = True
    thread.join(10)


def _dom(binary: str, url: str) -> tuple[str, Texts]:
    result = run_chromium(binary, "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'data-loaded="true"' in result.stdout, result.stdout[-3000:]
    page = Texts()
    page.feed(result.stdout)
    assert page.by_id["error"] == ""
    return result.stdout, page


def _shot(binary: str, url: str, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    result = run_chromium(binary, "--window-size=1280,1000", f"--screenshot={shot}", url)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 1000)
    return shot


def _money(x: float, currency: str) -> str:
    return f"{x:.4f} {currency}"


def test_list_page_shows_the_api_numbers(served: tuple[str, Any], require_chromium: str) -> None:
    url, _ = served
    query = "since=3h"
    api = httpx.get(f"{url}/v1/calls?{query}", timeout=10).json()
    charts = httpx.get(f"{url}/v1/calls/charts?{query}", timeout=10).json()
    dom, page = _dom(require_chromium, f"{url}/explore?{query}")
    assert [r["request-id"] for r in page.rows["calls"]] == [c["request_id"] for c in api["calls"]]
    assert len(api["calls"]) == 50 and api["next_cursor"]  # one full page, more behind it
    assert page.by_id["call-count"] == "50+"
    calls = sum(b["calls"] for b in charts["buckets"])
    errors = sum(b["errors"] for b in charts["buckets"])
    assert (page.by_id["total-calls"], page.by_id["total-errors"]) == (str(calls), str(errors))
    assert calls == 61
    assert [(r["model"], r["calls"]) for r in page.rows["models"]] == [
        (m["model"], str(m["calls"])) for m in charts["models"]
    ]
    # one bar per bucket, each carrying that bucket's numbers
    bars = re.findall(r'data-calls="(\d+)" data-errors="(\d+)"', dom)
    assert bars == [(str(b["calls"]), str(b["errors"])) for b in charts["buckets"]]
    assert dom.count("<polyline") >= 4  # error rate and three percentile lines
    _shot(require_chromium, f"{url}/explore?{query}", "calls")

    # the "older" link leads to the API's second page
    older = re.search(r'id="older" href="([^"]+)"', dom)
    assert older and "cursor=" in older.group(1)
    second = httpx.get(f"{url}/v1/calls?{query}&cursor={api['next_cursor']}", timeout=10).json()
    _, page2 = _dom(require_chromium, url + older.group(1).replace("&amp;", "&"))
    assert [r["request-id"] for r in page2.rows["calls"]] == [
        c["request_id"] for c in second["calls"]
    ]
    assert len(second["calls"]) == 11


def test_filters_change_what_is_shown(served: tuple[str, Any], require_chromium: str) -> None:
    url, _ = served
    query = "since=3h&outcome=failure&app=shop"
    api = httpx.get(f"{url}/v1/calls?{query}", timeout=10).json()
    _, page = _dom(require_chromium, f"{url}/explore?{query}")
    rows = page.rows["calls"]
    assert [r["request-id"] for r in rows] == [c["request_id"] for c in api["calls"]]
    assert rows and all(r["outcome"] == "failure" for r in rows)
    assert FAILED in [r["request-id"] for r in rows]
    assert len(rows) < 20
    _, pro = _dom(require_chromium, f"{url}/explore?since=3h&model=deepseek-v4-pro")
    assert {r["model"] for r in pro.rows["calls"]} == {"deepseek-v4-pro"}


def test_call_page_tells_the_story(served: tuple[str, Any], require_chromium: str) -> None:
    url, _ = served
    api = httpx.get(f"{url}/v1/calls/{FAILED}", timeout=10).json()
    _, page = _dom(require_chromium, f"{url}/explore/calls/{FAILED}")
    call, summary = api["call"], api["summary"]
    assert page.by_id["outcome"] == call["outcome"] == "failure"
    assert page.by_id["http-status"] == str(call["http_status"])
    assert page.by_id["request-id"] == FAILED
    assert page.by_id["trace-id"] == call["trace_id"]
    assert page.by_id["retries"] == str(summary["retries"]) == "1"
    assert page.by_id["failovers"] == str(summary["failovers"]) == "1"
    assert page.by_id["attempts"] == "3"
    assert page.by_id["breaker"] == summary["breaker"]
    assert page.by_id["duration"] == "2450 ms"
    assert [(r["attempt"], r["status"], r["then"]) for r in page.rows["timeline"]] == [
        (str(t["attempt"]), str(t["status"]), t["then"] or "") for t in api["timeline"]
    ]
    shot = _shot(require_chromium, f"{url}/explore/calls/{FAILED}", "call")
    assert shot.stat().st_size > 10_000


def test_conversation_page_highlights_placeholders(
    served: tuple[str, Any], require_chromium: str
) -> None:
    url, _ = served
    dom, page = _dom(require_chromium, f"{url}/explore/conversations/{CONVERSATION}")
    assert page.by_id["turn-count"] == "2"
    turns = dom.split('id="turns"', 1)[1]
    assert re.findall(r'<mark class="pii">&lt;([A-Z_]+_\d)&gt;</mark>', turns) == [
        "PERSON_1", "EMAIL_ADDRESS_1", "PERSON_1",
    ]  # fmt: skip
    assert 'data-anonymized="true"' in dom and 'data-anonymized="false"' in dom
    body_tag = re.search(r"<body[^>]*>", dom)
    assert "&lt;img src=x" in turns and body_tag and "pwned" not in body_tag.group(0)
    _shot(require_chromium, f"{url}/explore/conversations/{CONVERSATION}", "conversation")


def test_a_token_is_asked_for_once_tokens_exist(
    served: tuple[str, Any], require_chromium: str
) -> None:
    url, app = served
    token = api_state(app).tokens.create("ops", ["explore"])[0]
    result = run_chromium(require_chromium, "--dump-dom", f"{url}/explore")
    page = Texts()
    page.feed(result.stdout)
    assert "401" in page.by_id["error"] and 'id="token-form" class="token"' in result.stdout
    assert 'data-loaded="true"' not in result.stdout
    _, page = _dom(require_chromium, f"{url}/explore?since=3h#token={token}")
    assert len(page.rows["calls"]) == 50
