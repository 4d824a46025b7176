"""Safety fixtures: real list files (Chinese and English) in a temp dir, and real
clients over loopback HTTP to FakeDeepSeek, storing into SQLite, with the lists on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_support import Harness, Replies, write_lists

from sentinel.client import Sentinel
from sentinel.testing import FakeDeepSeek


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    return write_lists(tmp_path / "lists")


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def fake(replies: Replies) -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(reply=replies) as server:
        yield server


@pytest.fixture
def harness(tmp_path: Path, fake: FakeDeepSeek, lists_dir: Path) -> Iterator[Harness]:
    h = Harness(tmp_path, fake, lists_dir)
    yield h
    for c in h.clients:
        if isinstance(c, Sentinel):
            c.close()
        else:
            asyncio.run(c.aclose())
    h.store.close()
