"""The async client's first call waits for the first balance-and-budgets snapshot off
the event loop: with the store's file locked by another process (every read blocks in
SQLite's busy wait), other tasks keep running while the call waits its FIRST_READ_WAIT,
and the call still goes through."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from sentinel.client import AsyncSentinel
from sentinel.client.spend_guard import FIRST_READ_WAIT
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]


async def test_the_first_call_does_not_hold_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    SQLiteStore(path).setup()  # then closed: the client's store opens its own connection
    store = SQLiteStore(path)
    with FakeDeepSeek() as fake:
        client = AsyncSentinel(api_key=fake.api_key, base_url=fake.url, store=store,
                               settings=Settings(spool_dir=tmp_path / "spool"))  # fmt: skip
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("PRAGMA locking_mode=EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")  # now every read of the file waits
        gaps: list[float] = []

        async def ticker() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        try:
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            reply = await client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
            took = time.perf_counter() - started
        finally:
            ticking.cancel()
            lock.execute("ROLLBACK")
            lock.close()
        assert reply.choices[0].message.content
        assert took >= FIRST_READ_WAIT * 0.9  # it did wait for the (hung) first read
        assert max(gaps) < FIRST_READ_WAIT / 2, max(gaps)  # but the loop never did
        assert len(gaps) >= 10
        await client.aclose()
