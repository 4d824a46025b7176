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
    real_open, real_unlink, real_fsync = os.open, os.unlink, os.fdatasync

    def watched_open(path: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(("open", Path(path).name, j._mutex.locked()))
        return real_open(path, *args, **kwargs)

    def watched_unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(("unlink", Path(path).name, j._mutex.locked()))
        real_unlink(path, *args, **kwargs)

    def watched_fsync(fd: int) -> None:
        seen.append(("fsync", str(fd), j._mutex.locked()))
        real_fsync(fd)

    monkeypatch.setattr(journal.os, "open", watched_open)
    monkeypatch.setattr(journal.os, "unlink", watched_unlink)
    monkeypatch.setattr(journal.os, "fdatasync", watched_fsync)
    j.settle({gen: n})  # all stored: the full file is replaced and deleted
    monkeypatch.undo()

    created = [name for op, name, _ in seen if op == "open" and name.startswith("wal-")]
    assert created and ("unlink", first.name, False) in seen
    assert [s for s in seen if s[2]] == []  # nothing under the mutex
    assert [s for s in seen if s[0] == "fsync"] == []  # settled: nothing to make durable
    (second,) = _files(spool)
    assert second != first and second.name == created[0] and second.stat().st_size == 0
    assert j.append([_frame(0)]) != gen  # the next append goes to the new file
    assert _entries(second) == 1
    j.close()


def test_an_append_while_the_spare_is_made_defers_the_replacement(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record journaled while the writer makes the next file stays in the current one
    (nothing is moved, synced or deleted under it); the replacement happens at the next
    settle, with the spare made the first time, and deletes the file only then."""
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

    assert late == [gen]  # it went to the current file, which stays current
    files = _files(spool)
    assert first in files and len(files) == 2  # and the spare waits beside it
    assert _entries(first) == n + 1
    assert j.append([_frame(1)]) == gen
    created: list[int] = []
    monkeypatch.setattr(j, "_create", lambda: created.append(1) or real_create())
    j.settle({gen: 2})  # the late records are stored too: now the spare takes over
    assert created == [] and not first.exists()
    (second,) = _files(spool)
    assert _entries(second) == 0 and j.append([_frame(2)]) != gen
    j.settle({j.append([_frame(3)]): 2})
    j.close()
    assert _files(spool) == []  # nothing unsettled: close leaves no journal behind


def test_close_removes_an_unused_spare(spool: Spool, monkeypatch: pytest.MonkeyPatch) -> None:
    j = spool.journal()
    gen, n = _fill(j)
    real_create = j._create

    def create_with_a_call_arriving() -> tuple[int, int]:
        made = real_create()
        j.append([_frame(99_999)])
        return made

    monkeypatch.setattr(j, "_create", create_with_a_call_arriving)
    j.settle({gen: n})  # deferred: a spare is left waiting
    monkeypatch.undo()
    assert len(_files(spool)) == 2
    j.close()  # one record is not settled: its file stays for a replay, the spare goes
    (left,) = _files(spool)
    assert _entries(left) == n + 1
    assert spool.adopt_orphans() == 1  # the process is gone (closed): a replay takes it


def test_a_full_file_is_fsynced_by_the_writer_not_the_appending_call(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal file that fills up while its records are still unsettled (the store is
    slow) is retired by the append that found it full: that append runs inside
    `create()`, so the file's fsync waits for the writer's next turn, and until then the
    file stays open and locked (no replay adopts records that are not yet durable)."""
    j = Journal(spool.path, spool._locked, file_bytes=8 * 1024)
    synced: list[int] = []
    real_fsync = os.fdatasync
    monkeypatch.setattr(journal.os, "fdatasync", lambda fd: synced.append(fd) or real_fsync(fd))
    gen = j.append([_frame(0)])
    while j.append([_frame(1)]) == gen:  # unsettled: the store has not taken them
        pass
    (first, second) = _files(spool)  # the last append retired the full one
    assert synced == [] and spool.adopt_orphans() == 0  # still ours, and not synced yet
    j.sync_due()  # the writer's turn (the interval has not passed: only the full file)
    assert len(synced) == 1
    monkeypatch.undo()
    assert spool.adopt_orphans() == 1  # closed now: like any retired file, a replay's
    (segment,) = spool.segments()
    assert not first.exists() and _entries(spool.path / segment) > 1
    assert second.exists()  # the current file is not touched
    j.close()
