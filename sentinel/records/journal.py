"""Write-ahead journal: every record a sink accepts is on disk before `create()` returns.

The sink keeps records in memory until its writer stores them; a process killed in
between (SIGKILL, OOM) would lose them. So `Sink.submit` first appends them to this
process's journal, `wal-<creation ns>.spool` in the spool directory (same framing as
segments), with one `write` and no fsync: once the call returns, its record survives the
death of the process (the page cache holds it). The writer fsyncs every
SENTINEL_SPOOL_FSYNC interval, which bounds what a machine crash can cost.

* Records leave the journal once they are safe elsewhere (the store acknowledged them,
  or they went to the spool or the dead-letter file): a journal file is deleted when all
  of its records are settled and a newer file took over.
* The owner holds an `flock` on its journal for its whole life; a journal whose lock is
  free belongs to a process that died, and `adopt_orphans` (run by every replay) renames
  it into an ordinary segment. Its records may already be in the store: stores upsert by
  request_id, so replaying them duplicates nothing.
* The journal is this process's own file, so appends take only a thread lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path

from sentinel.records.segments import JOURNAL_PREFIX, fsync_dir, segment_name, seq_of

log = logging.getLogger("sentinel.spool")

JOURNAL_BYTES = 4 * 1024 * 1024  # a new file after this much, so settled ones can go
# A fully settled file is replaced once it holds this much, so records of an erased
# subject do not linger in a journal long after the store took them.
SETTLED_ROTATE_BYTES = 64 * 1024


def adopt_orphans(path: Path, locked: Callable[[], AbstractContextManager[None]]) -> int:
    """Rename the journals of processes that died (their lock is free) into segments.
    Runs under the spool lock, which journal creation also holds, so a journal being
    created is never mistaken for an orphan."""
    adopted = 0
    with locked():
        for name in os.listdir(path):
            seq = seq_of(name, JOURNAL_PREFIX)
            if seq is None:
                continue
            try:
                fd = os.open(path / name, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its process is alive and owns it
                while (path / segment_name(seq)).exists():
                    seq += 1
                os.replace(path / name, path / segment_name(seq))
                adopted += 1
            finally:
                os.close(fd)
    if adopted:
        fsync_dir(path)
        log.info("spool: %d journal(s) of ended processes will be replayed", adopted)
    return adopted


class Journal:
    """This process's write-ahead journal files (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        locked: Callable[[], AbstractContextManager[None]],
        *,
        fsync: str = "interval",
        fsync_interval: float = 1.0,
        file_bytes: int = JOURNAL_BYTES,
    ) -> None:
        self.path = path
        self._locked = locked
        self.fsync = fsync
        self.fsync_interval = fsync_interval
        self.file_bytes = file_bytes
        self._mutex = threading.Lock()
        self._fd: int | None = None
        self._gen = 0  # the current file's sequence number (its name)
        self._size = 0
        self._dirty = False
        self._last_sync = time.monotonic()
        self._appended: dict[int, int] = {}  # gen -> records written
        self._settled: dict[int, int] = {}  # gen -> records safe elsewhere
        self._spare: tuple[int, int] | None = None  # (fd, gen): the next file, made ahead
        self._unsynced: list[int] = []  # retired full files the writer still fsyncs

    def _create(self) -> tuple[int, int]:
        """A new journal file, locked: (descriptor, its sequence number)."""
        with self._locked():  # see adopt_orphans
            seq = time.time_ns()
            while (self.path / segment_name(seq, JOURNAL_PREFIX)).exists():
                seq += 1
            fd = os.open(
                self.path / segment_name(seq, JOURNAL_PREFIX),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                0o600,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        return fd, seq

    def _open(self) -> None:
        if self._fd is not None:
            self._retire(self._gen, defer=True)
        made, self._spare = self._spare or self._create(), None  # the spare is older: first
        self._install(*made)

    def _install(self, fd: int, seq: int) -> None:
        self._fd, self._gen, self._size, self._dirty = fd, seq, 0, False
        self._appended[seq] = self._settled[seq] = 0

    def _retire(self, gen: int, *, defer: bool = False) -> None:
        """Close the current file (it stays until all of its records are settled). A
        file with unsynced, unsettled records is fsynced first, or with `defer` (a full
        file, retired by `append` on the app's thread under the mutex: an fsync there
        took milliseconds) left open and locked for the writer's next `sync_due`."""
        if self._fd is not None:
            unsettled = self._settled.get(gen, 0) < self._appended.get(gen, 0)
            if unsettled and self._dirty and self.fsync != "never":
                if defer:
                    self._unsynced.append(self._fd)
                else:
                    os.fdatasync(self._fd)
                    os.close(self._fd)
            else:
                os.close(self._fd)  # releases the flock: a replay may adopt what is left
            self._fd, self._dirty = None, False
        self._drop_if_settled(gen)

    def _sync_retired(self) -> None:
        """fsync and close the files `append` retired (see `_retire`), off the mutex."""
        with self._mutex:
            fds, self._unsynced = self._unsynced, []
        try:
            for fd in fds:
                os.fdatasync(fd)
        finally:
            for fd in fds:
                os.close(fd)  # releases the flock: a replay may adopt what is left

    def _drop_if_settled(self, gen: int) -> None:
        if self._forget_if_settled(gen):
            self._unlink(gen)

    def _forget_if_settled(self, gen: int) -> bool:
        """True (and forgotten) if `gen` is not the file appended to and fully settled:
        its file may go."""
        live = gen == self._gen and self._fd is not None
        if not live and gen in self._appended and self._settled[gen] >= self._appended[gen]:
            del self._appended[gen], self._settled[gen]
            return True
        return False

    def append(self, chunks: list[bytes]) -> int:
        """Write framed records in one `write`; returns the generation to settle them
        with later. Raises OSError when the disk refuses (the records then live only in
        memory, as without a journal: the caller logs it, nothing is lost yet)."""
        data = b"".join(chunks)
        with self._mutex:
            if self._fd is None or self._size >= self.file_bytes:
                self._open()
            assert self._fd is not None
            view, done = memoryview(data), 0
            while done < len(data):
                done += os.write(self._fd, view[done:])
            self._size += len(data)
            self._appended[self._gen] += len(chunks)
            self._dirty = True
            if self.fsync == "always":
                self._sync()
            return self._gen

    def settle(self, counts: Mapping[int, int]) -> None:
        """Records of these generations are stored, spooled or dead-lettered.

        Runs on the sink's writer. Files are created and deleted with the mutex released:
        `append` takes it inside `create()`, and creating or deleting a file waits on the
        file system's journal (a delete took 7 ms on average here under load), which a
        call arriving meanwhile would wait for. So a fully settled current file is
        replaced by a spare made beforehand, swapped in under the mutex only if nothing
        was appended meanwhile (else at a later settle: no fsync of a half-settled file,
        whose fsyncs made every append wait on the disk), and the settled file is
        unlinked while still open and locked, so no replay adopts it, then closed."""
        with self._mutex:
            for gen, n in counts.items():
                if gen in self._settled:
                    self._settled[gen] += n
            gone = [g for g in list(self._appended) if self._forget_if_settled(g)]
            due = self._rotation_due()
        for g in gone:
            self._unlink(g)
        if due:
            self._rotate()

    def _rotation_due(self) -> bool:
        gen = self._gen
        return (
            self._fd is not None
            and self._size >= SETTLED_ROTATE_BYTES
            and self._settled[gen] >= self._appended[gen]
        )

    def _rotate(self) -> None:
        """Replace the current, fully settled file, so no copy of stored records lingers
        (erased subjects' data)."""
        if self._spare is None:
            made = self._create()
            with self._mutex:
                made, self._spare = (made, None) if self._spare else (None, made)
            self._discard(made)
        with self._mutex:
            if not self._rotation_due() or self._spare is None:  # an append came in
                return  # meanwhile: at a later settle
            old_fd, old_gen = self._fd, self._gen
            self._install(*self._spare)
            self._spare = None
            del self._appended[old_gen], self._settled[old_gen]
        self._unlink(old_gen)
        if old_fd is not None:
            os.close(old_fd)  # its blocks are freed here, outside the mutex

    def _discard(self, spare: tuple[int, int] | None) -> None:
        """Delete an unused (empty) spare file: unlinked first, while still locked."""
        if spare is not None:
            self._unlink(spare[1])
            os.close(spare[0])

    def _unlink(self, gen: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path / segment_name(gen, JOURNAL_PREFIX))

    def _sync(self) -> None:
        if self._fd is not None and self._dirty:
            os.fdatasync(self._fd)
        self._dirty = False
        self._last_sync = time.monotonic()

    def sync_due(self, *, force: bool = False) -> None:
        """fsync if the interval has passed (the sink's writer calls this each turn) or
        `force` (flush).

        The fsync runs on a duplicate of the descriptor, outside the mutex: `append` runs
        on the app's thread inside `create()`, and a disk fsync takes milliseconds (here
        p50 2.8 ms, p90 12 ms, max 128 ms), which a call arriving meanwhile would wait for.
        What was appended before the duplicate was taken is covered; later appends set
        `_dirty` again for the next turn. Full files `append` retired are fsynced and
        closed first, at every turn (see `_retire`)."""
        if self._unsynced:
            self._sync_retired()
        if self.fsync == "never" or not self._dirty:
            return
        if not force and time.monotonic() - self._last_sync < self.fsync_interval:
            return
        with self._mutex:
            if self._fd is None or not self._dirty:
                return
            fd = os.dup(self._fd)
            self._dirty = False
            self._last_sync = time.monotonic()
        try:
            os.fdatasync(fd)
        except OSError:
            with self._mutex:
                self._dirty = True  # not synced: the next turn tries again
            raise
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close; the file goes if everything in it is settled (else a replay adopts it
        once this process has ended)."""
        with self._mutex:
            self._retire(self._gen)
            spare, self._spare = self._spare, None
        self._discard(spare)
        self._sync_retired()
        if self.fsync != "never":
            with contextlib.suppress(OSError):
                fsync_dir(self.path)
