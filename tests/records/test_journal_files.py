"""The write-ahead journal's file turnover (issue 23): the writer replaces and deletes
journal files without holding the mutex the app's `append` takes inside `create()`, and
an append that lands while a file is being replaced is neither lost nor deleted."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sentinel.records import frames, journal
from sentinel.records.journal import SETTLED_ROTATE_BYTES, Journal
from sentinel.records.spool import Spool


@pytest.fixture
def spool(tmp_path: Path) -> Any:
    s = Spool(tmp_path / "spool")
    yield s
    s.close()


def _frame(i: int) -> bytes:
    return frames.encode(b'{"n": %d, "pad": "%s"}' % (i, b"x" * 1000))


def _files(spool: Spool) -> list[Path]:
    return sorted(spool.path.glob("wal-*.spool"))


def _entries(path: Path) -> int:
    return len(list(frames.decode(path.read_bytes(), frames.Damage())))


def _fill(j: Journal) -> tuple[int, int]:
    """Append past the settled-rotation size; (generation, records appended)."""
    n, gen = 0, 0
    while n * 1000 < SETTLED_ROTATE_BYTES + 4096:
        gen = j.append([_frame(n)])
        n += 1
    return gen, n


def test_files_are_created_and_deleted_outside_the_append_mutex(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = spool.journal()
    gen, n = _fill(j)
    (first,) = _files(spool)
    seen: list[tuple[str, str, bool]] = []
    real_open, real_unlink = os.open, os.unlink

    def watched_open(path: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(("open", Path(path).name, j._mutex.locked()))
        return real_open(path, *args, **kwargs)

    def watched_unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(("unlink", Path(path).name, j._mutex.locked()))
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(journal.os, "open", watched_open)
    monkeypatch.setattr(journal.os, "unlink", watched_unlink)
    j.settle({gen: n})  # all stored: the full file is replaced and deleted
    monkeypatch.undo()

    created = [name for op, name, _ in seen if op == "open" and name.startswith("wal-")]
    assert created and ("unlink", first.name, False) in seen
    assert [s for s in seen if s[2]] == []  # nothing under the mutex
    (second,) = _files(spool)
    assert second != first and second.name == created[0] and second.stat().st_size == 0
    assert j.append([_frame(0)]) != gen  # the next append goes to the new file
    assert _entries(second) == 1
    j.close()


def test_an_append_while_the_file_is_replaced_stays_until_settled(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = spool.journal()
    gen, n = _fill(j)
    (first,) = _files(spool)
    real_create = j._create
    late: list[int] = []

    def create_with_a_call_arriving() -> tuple[int, int]:
        made = real_create()
        late.append(j.append([_frame(99_999)]))  # the app's thread, meanwhile
        return made

    monkeypatch.setattr(j, "_create", create_with_a_call_arriving)
    j.settle({gen: n})
    monkeypatch.undo()

    assert late == [gen]  # it went to the old file, which must now stay
    assert first.exists() and _entries(first) == n + 1
    j.settle({gen: 1})  # the late record is stored too: now the old file goes
    assert not first.exists()
    (second,) = _files(spool)
    assert _entries(second) == 0
    j.close()
    assert _files(spool) == []  # nothing unsettled: close leaves no journal behind


def test_an_unsettled_replaced_file_is_adopted_after_the_process_ends(spool: Spool) -> None:
    """A record journaled into a file the writer replaced survives a crash: the file is
    closed, not deleted, so the next replay adopts it."""
    j = spool.journal()
    gen, n = _fill(j)
    real_create = j._create

    def create_with_a_call_arriving() -> tuple[int, int]:
        made = real_create()
        j.append([_frame(99_999)])
        return made

    j._create = create_with_a_call_arriving  # type: ignore[method-assign]
    j.settle({gen: n})
    j._create = real_create  # type: ignore[method-assign]
    # The process "dies" here: the old file's lock was released when it was replaced.
    assert spool.adopt_orphans() == 1
    (segment,) = spool.segments()
    assert _entries(spool.path / segment) == n + 1
    j.close()
