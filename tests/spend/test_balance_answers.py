"""Outside attacks on the balance poller: a loopback shim stands in for DeepSeek's
GET /user/balance and answers what a broken gateway, a captive portal or a changed API
would. Only an answer that really says `is_available` may count as a successful poll:
anything else is a failed poll, which changes nothing (calls go on, or keep failing fast,
as the last good poll said)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loopback import QuietHandler, http_server

from sentinel.balance_poll import BalancePoller
from sentinel.client import Sentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.errors import SentinelAPIError
from sentinel.store.balance_state import balance_series, latest_balance
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)
HI = [{"role": "user", "content": "hi"}]
GOOD = {"is_available": True, "balance_infos": [{"currency": "USD", "total_balance": "7.50"}]}


class BalanceShim(QuietHandler):
    status = 200
    body: bytes = b""

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def shim() -> Iterator[tuple[type[BalanceShim], str]]:
    handler = type("Shim", (BalanceShim,), {})
    with http_server(handler) as url:
        yield handler, url


def _poller(store: SQLiteStore, url: str, tmp_path: Path) -> BalancePoller:
    settings = Settings(api_key="sk-att18-secret-key-0000", base_url=url,
                        spool_dir=tmp_path / "spool")  # fmt: skip
    return BalancePoller(
        store, settings, FakeClock(NOW),
        lambda: Sentinel(settings=settings, store=store), lambda: True,
    )  # fmt: skip


GARBAGE = [
    b"[]",  # JSON, but not an object
    b"null",
    b'"ok"',
    b"{}",  # an object that says nothing
    b'{"error": "gateway says hi"}',
    b'{"balance_infos": [{"currency": "USD", "total_balance": "7.50"}]}',  # no is_available
    b'{"is_available": "maybe", "balance_infos": []}',
    b'{"is_available": true, "balance_infos": [{"currency": "USD"}]}',  # no total
    b'{"is_available": true, "balance_infos": "lots"}',
    b"<html>captive portal</html>",
]


@pytest.mark.parametrize("body", GARBAGE)
def test_a_garbage_answer_is_a_failed_poll_not_an_unavailable_account(
    shim: tuple[type[BalanceShim], str], sqlite_store: SQLiteStore, tmp_path: Path, body: bytes
) -> None:
    handler, url = shim
    handler.body = json.dumps(GOOD).encode()
    poller = _poller(sqlite_store, url, tmp_path)
    try:
        assert poller.poll() is not None
        handler.body = body
        assert poller.poll() is None  # failed: nothing stored
        latest = latest_balance(sqlite_store)
        assert latest is not None and latest.is_available
        assert len(balance_series(sqlite_store)) == 1
    finally:
        poller.close()


@pytest.mark.parametrize("body", GARBAGE)
def test_client_balance_on_garbage_raises_a_sentinel_error(
    shim: tuple[type[BalanceShim], str], sqlite_store: SQLiteStore, tmp_path: Path, body: bytes
) -> None:
    """`client.balance()` never answers "not available" for an answer that did not say
    so, and never lets a pydantic ValidationError out."""
    handler, url = shim
    handler.body = body
    settings = Settings(api_key="sk-att18-secret-key-0000", base_url=url,
                        spool_dir=tmp_path / "spool")  # fmt: skip
    with (
        Sentinel(settings=settings, store=sqlite_store) as client,
        pytest.raises(SentinelAPIError) as caught,
    ):
        client.balance()
    assert "sk-att18-secret-key-0000" not in str(caught.value)


def test_a_poll_that_says_unavailable_still_counts(
    shim: tuple[type[BalanceShim], str], sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    handler, url = shim
    handler.body = json.dumps({"is_available": False, "balance_infos": []}).encode()
    poller = _poller(sqlite_store, url, tmp_path)
    try:
        sample = poller.poll()
        assert sample is not None and not sample.is_available
        latest = latest_balance(sqlite_store)
        assert latest is not None and not latest.is_available
    finally:
        poller.close()


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e400", "sNaN"])
def test_a_non_finite_amount_is_left_out_not_stored(
    shim: tuple[type[BalanceShim], str], sqlite_store: SQLiteStore, tmp_path: Path, amount: str
) -> None:
    handler, url = shim
    info = {"currency": "USD", "total_balance": amount, "granted_balance": "1.00"}
    handler.body = json.dumps({"is_available": True, "balance_infos": [info]}).encode()
    poller = _poller(sqlite_store, url, tmp_path)
    try:
        sample = poller.poll()
        assert sample is not None and sample.amounts == {"USD": {"granted": 1.0}}
        (stored,) = balance_series(sqlite_store)
        assert stored.total("USD") is None
    finally:
        poller.close()


@pytest.mark.parametrize("status", [401, 403, 503])
def test_a_refused_poll_never_logs_the_key_and_changes_nothing(
    shim: tuple[type[BalanceShim], str],
    sqlite_store: SQLiteStore,
    tmp_path: Path,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, url = shim
    handler.body = json.dumps({"is_available": False, "balance_infos": []}).encode()
    poller = _poller(sqlite_store, url, tmp_path)
    try:
        assert poller.poll() is not None  # unavailable, for real
        handler.status = status  # an upstream that echoes the credential it was sent
        handler.body = json.dumps(
            {"error": {"message": "bad key Bearer sk-att18-secret-key-0000"}}
        ).encode()
        with caplog.at_level(logging.DEBUG):
            assert poller.poll() is None
        assert "balance poll failed" in caplog.text
        assert "sk-att18-secret-key-0000" not in caplog.text
        latest = latest_balance(sqlite_store)
        assert latest is not None and not latest.is_available  # still failing fast
    finally:
        poller.close()


def test_the_async_client_fails_fast_too_and_recovers(
    shim: tuple[type[BalanceShim], str], sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    import asyncio

    from sentinel.client import AsyncSentinel
    from sentinel.errors import InsufficientBalanceError
    from sentinel.testing import FakeDeepSeek

    handler, url = shim
    handler.body = json.dumps({"is_available": False, "balance_infos": []}).encode()
    poller = _poller(sqlite_store, url, tmp_path)
    with FakeDeepSeek() as fake:
        settings = Settings(api_key=fake.api_key, base_url=fake.url, spool_dir=tmp_path / "sp",
                            spend_cache_ttl="1s")  # fmt: skip
        try:
            assert poller.poll() is not None

            async def calls() -> None:
                client = AsyncSentinel(settings=settings, store=sqlite_store)
                try:
                    with pytest.raises(InsufficientBalanceError):
                        await client.chat.completions.create(model="deepseek-flash", messages=HI)
                    handler.body = json.dumps(GOOD).encode()
                    assert poller.poll() is not None
                    for _ in range(100):  # within the 1 s TTL, plus the background read
                        try:
                            await client.chat.completions.create(
                                model="deepseek-flash", messages=HI
                            )
                            return
                        except InsufficientBalanceError:
                            await asyncio.sleep(0.1)
                    raise AssertionError("still failing fast after a good poll")
                finally:
                    await client.aclose()

            asyncio.run(calls())
        finally:
            poller.close()
        assert sum(1 for r in fake.requests if r.endpoint == "chat") == 1
