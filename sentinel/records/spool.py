"""Spool: records the store could not take yet, on local disk, until a replay delivers them.

Layout: append-only segment files `seg-<creation ns>.spool` in SENTINEL_SPOOL_DIR (mode 0700),
each a run of checksummed entries (`sentinel.records.frames`), one record's JSON each.
Why it is shaped like this:

* **Several processes share one directory** (client processes append, a client or
  `sentinel serve` replays), so two `fcntl.flock` lock files serialise them: `spool.lock`
  for the short critical sections (append, rotate, delete, rewrite), `replay.lock` so at
  most one replay runs at a time; appends never wait for a slow store.
* **A process appends only to segments it created** (a new one on first use and whenever
  the current one is full or was deleted by a replay), so a crash-torn entry is always
  the tail of a segment nobody writes to again; the reader skips (counts and logs) it.
* **A segment is deleted only when the store acknowledged every entry in it** and it did
  not grow meanwhile (checked under the lock). A crash mid-replay re-sends the segment;
  stores upsert by `request_id`, so nothing is duplicated.
* **fsync policy** (SENTINEL_SPOOL_FSYNC): `interval` (default) syncs at most once per
  `fsync_interval` (1 s) and on flush/close, so a power loss costs at most about a second
  of spooled records while a process crash (even SIGKILL) costs nothing that was written;
  `always` syncs every append (one append is one batch from the sink); `never` leaves it
  to the OS.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from sentinel.durations import parse_duration
from sentinel.models import CallRecord, Conversation, Feedback, Record
from sentinel.privatedirs import private_dir
from sentinel.records import frames, spool_subjects
from sentinel.records.journal import Journal, adopt_orphans
from sentinel.records.segments import (
    Appended,
    encode,
    fsync_dir,
    note_drop,
    quarantine,
    read_range,
    segment_name,
    seq_of,
    write_frames,
)

log = logging.getLogger("sentinel.spool")

FSYNC_POLICIES = ("always", "interval", "never")
SEGMENT_BYTES = 8 * 1024 * 1024
FSYNC_INTERVAL = 1.0
QUARANTINE = "quarantine"
# Parsing straight from JSON bytes by `kind` is ~3x faster than json.loads + validate,
# which is most of a replay's cost besides the store itself.
_RECORD = TypeAdapter[Record](
    Annotated[CallRecord | Conversation | Feedback, Field(discriminator="kind")]
)


@dataclass
class ReplayResult:
    replayed: int = 0  # records handed to `deliver` and acknowledged
    segments_deleted: int = 0
    corrupt: int = 0  # damaged entries skipped
    torn_tails: int = 0
    quarantined: int = 0  # unreadable segments moved to quarantine/
    busy: bool = False  # another replay holds the lock; nothing was done
    empty: bool = False  # no segment is left


class Spool:
    """The spool directory of one machine (see the module docstring)."""

    def __init__(
        self,
        path: str | Path,
        *,
        fsync: str = "interval",
        fsync_interval: float = FSYNC_INTERVAL,
        segment_bytes: int = SEGMENT_BYTES,
    ) -> None:
        if fsync not in FSYNC_POLICIES:  # a duration: the interval policy at that pace
            try:
                fsync_interval = parse_duration(fsync).total_seconds()
            except ValueError:
                raise ValueError(
                    f"spool fsync policy must be one of {FSYNC_POLICIES} or a duration "
                    f"such as 1s or 200ms, got {fsync!r}"
                ) from None
            fsync = "interval"
        if segment_bytes <= 0:
            raise ValueError(f"segment_bytes must be positive, got {segment_bytes}")
        self.path = Path(path)
        private_dir(self.path)
        self.fsync = fsync
        self.fsync_interval = fsync_interval
        self.segment_bytes = segment_bytes
        self._mutex = threading.Lock()  # flock is per open file: threads need their own lock
        self._replay_mutex = threading.Lock()
        self._lock_fd = os.open(self.path / "spool.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._replay_fd = os.open(self.path / "replay.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._fd: int | None = None  # the segment this process appends to
        self._dirty = False
        self._last_sync = time.monotonic()
        self._progress: dict[tuple[str, int], int] = {}  # (segment, inode) → acked offset
        self.corrupt = 0
        self.torn_tails = 0
        self._damaged: set[tuple[str, int, int]] = set()  # (segment, inode, offset) logged

    # locking --------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _replaying(self, blocking: bool) -> Iterator[bool]:
        if not self._replay_mutex.acquire(blocking=blocking):
            yield False
            return
        try:
            try:
                fcntl.flock(self._replay_fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(self._replay_fd, fcntl.LOCK_UN)
        finally:
            self._replay_mutex.release()

    # appending ------------------------------------------------------------

    def segments(self) -> list[str]:
        """Segment file names, oldest first."""
        names = [n for n in os.listdir(self.path) if seq_of(n) is not None]
        return sorted(names, key=lambda n: seq_of(n) or 0)

    @staticmethod
    def inspect(path: Path, dead_letters: Sequence[Path] = ()) -> dict[str, Any]:
        """What the spool at `path` holds, read without a lock or creating anything, so
        it is safe while apps append (`sentinel.records.spool_inspect`)."""
        from sentinel.records.spool_inspect import inspect

        return inspect(path, list(dead_letters))

    def _active_fd(self) -> int:
        if self._fd is not None:
            st = os.fstat(self._fd)
            if st.st_nlink == 0 or st.st_size >= self.segment_bytes:
                if st.st_nlink and self._dirty and self.fsync != "never":
                    os.fdatasync(self._fd)
                os.close(self._fd)
                self._fd, self._dirty = None, False
        if self._fd is None:
            # Never reuse a name: a replayer's progress is keyed by (name, inode), and
            # inodes of deleted segments are recycled.
            existing = self.segments()
            seq = max(time.time_ns(), (seq_of(existing[-1]) or 0) + 1 if existing else 0)
            self._fd = os.open(
                self.path / segment_name(seq),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                0o600,
            )
            if self.fsync != "never":
                fsync_dir(self.path)
        return self._fd

    def append(self, records: Sequence[Record]) -> Appended:
        """Append records as one write. Never raises: the caller dead-letters the records
        that cannot be serialised and counts the ones the disk refused (full, read-only),
        told apart exactly from those that reached it."""
        chunks, bad = encode(records)
        out = Appended(unserialisable=bad)
        if not chunks:
            return out
        try:
            with self._locked():
                fd = self._active_fd()
                out.spooled, out.error = write_frames(fd, chunks)
                self._dirty = True
                if self.fsync == "always" or (
                    self.fsync == "interval"
                    and time.monotonic() - self._last_sync >= self.fsync_interval
                ):
                    self._sync_locked()
        except OSError as exc:
            out.error = out.error or exc
        out.lost = len(chunks) - out.spooled
        out.size = sum(map(len, chunks[: out.spooled]))
        return out

    def _sync_locked(self) -> None:
        if self._fd is not None and self._dirty:
            os.fdatasync(self._fd)
        self._dirty = False
        self._last_sync = time.monotonic()

    def sync(self) -> None:
        """Make every appended record durable now (flush, close, and the sink's idle tick)."""
        if self.fsync == "never" or not self._dirty:
            return
        with self._locked():
            self._sync_locked()

    def size_bytes(self) -> int:
        total = 0
        for name in self.segments():
            with contextlib.suppress(FileNotFoundError):
                total += (self.path / name).stat().st_size
        return total

    def close(self) -> None:
        """Idempotent: a client closed twice (explicitly, then by its context manager)
        must not trip over its own released lock files."""
        if self._lock_fd < 0:
            return
        with self._locked():
            if self._fd is not None:
                if self.fsync != "never" and self._dirty:
                    os.fdatasync(self._fd)
                os.close(self._fd)
                self._fd, self._dirty = None, False
        with self._mutex:
            for fd in (self._lock_fd, self._replay_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._lock_fd = self._replay_fd = -1

    # reading --------------------------------------------------------------

    @staticmethod
    def _parse(frame: frames.Frame, damage: frames.Damage) -> Record | None:
        try:
            return _RECORD.validate_json(frame.payload)
        except ValidationError:  # checksum fine, content not a record: damage too
            damage.corrupt += 1
            damage.offsets.append(frame.start)
            return None

    def _note_damage(
        self, name: str, ino: int, base: int, damage: frames.Damage, result: ReplayResult
    ) -> None:
        """Count and log each damaged entry once, with its segment and offset, although a
        replay the store interrupted reads the same bytes again next time."""
        tail = base + damage.offsets[-1] if damage.torn_tail else None
        new = [base + o for o in damage.offsets if (name, ino, base + o) not in self._damaged]
        if not new:
            return
        self._damaged.update((name, ino, o) for o in new)
        corrupt = len([o for o in new if o != tail])
        torn = int(tail in new)
        self.corrupt += corrupt
        self.torn_tails += torn
        result.corrupt += corrupt
        result.torn_tails += torn
        if corrupt:  # a skipped entry is a lost record: leave the trace doctor reports
            note_drop(self.path, corrupt, "spool_damaged")
        log.warning("spool %s: skipped %d damaged entr(y/ies) at offset(s) %s, torn tail: %s",
                    name, corrupt, ", ".join(map(str, new[:10])), bool(torn))  # fmt: skip

    def _quarantine(self, name: str, exc: OSError, result: ReplayResult) -> None:
        with self._locked():
            result.quarantined += quarantine(self.path, name, self.path / QUARANTINE, exc)

    def quarantined(self) -> list[str]:
        """Segments set aside as unreadable (for `sentinel doctor` and `spool inspect`)."""
        try:
            return sorted(os.listdir(self.path / QUARANTINE))
        except OSError:
            return []

    def journal(self) -> Journal:
        """This process's write-ahead journal in this directory, at this fsync pace."""
        return Journal(
            self.path, self._locked, fsync=self.fsync, fsync_interval=self.fsync_interval
        )

    def adopt_orphans(self) -> int:
        """Journals of processes that died become segments (see `journal.adopt_orphans`)."""
        return adopt_orphans(self.path, self._locked)

    def _snapshot(self, name: str) -> tuple[int, int] | None:
        """(inode, size) of a segment; appends happen under the lock, so every byte
        below `size` belongs to a complete write."""
        with self._locked():
            try:
                st = (self.path / name).stat()
            except FileNotFoundError:
                return None
        return st.st_ino, st.st_size

    def replay(
        self,
        deliver: Callable[[list[Record]], object],
        *,
        batch_size: int = 500,
        max_batches: int | None = None,
        blocking: bool = False,
    ) -> ReplayResult:
        """Hand spooled records to `deliver` in order, in batches, deleting each segment
        once all of it was delivered. `deliver` raises (e.g. StoreUnavailable) to stop: the
        exception propagates and the undelivered rest stays for the next replay."""
        result = ReplayResult()
        with self._replaying(blocking) as acquired:
            if not acquired:
                result.busy = True
                return result
            self.adopt_orphans()
            budget = [max_batches]  # batches left, None: no limit
            for name in self.segments():
                while True:
                    snap = self._snapshot(name)
                    if snap is None:
                        break
                    ino, size = snap
                    offset = self._progress.get((name, ino), 0)
                    if offset < size:
                        try:
                            buf = read_range(self.path / name, offset, size)
                        except OSError as exc:
                            self._quarantine(name, exc, result)
                            break
                        args = (name, ino, offset, size, buf)
                        if not self._deliver_buffer(*args, deliver, batch_size, budget, result):
                            return result
                    if self._delete_if_unchanged(name, ino, size):
                        self._progress.pop((name, ino), None)
                        result.segments_deleted += 1
                        break
                    if budget[0] is not None and budget[0] <= 0:
                        return result
            result.empty = not self.segments()
        return result

    def _deliver_buffer(
        self,
        name: str,
        ino: int,
        offset: int,
        size: int,
        buf: bytes,
        deliver: Callable[[list[Record]], object],
        batch_size: int,
        budget: list[int | None],
        result: ReplayResult,
    ) -> bool:
        """Deliver the records of one read; False when the batch budget ran out first.
        Progress moves only past what `deliver` acknowledged; damage is noted either way."""
        damage = frames.Damage()
        batch: list[Record] = []
        try:
            for frame in frames.decode(buf, damage):
                record = self._parse(frame, damage)
                if record is not None:
                    batch.append(record)
                if len(batch) >= batch_size:
                    deliver(batch)
                    result.replayed += len(batch)
                    self._progress[(name, ino)] = offset + frame.end
                    batch = []
                    if budget[0] is not None:
                        budget[0] -= 1
                        if budget[0] <= 0:
                            return False
            if batch:
                deliver(batch)
                result.replayed += len(batch)
                if budget[0] is not None:
                    budget[0] -= 1
            self._progress[(name, ino)] = size
            return True
        finally:
            self._note_damage(name, ino, offset, damage, result)

    def _delete_if_unchanged(self, name: str, ino: int, size: int) -> bool:
        with self._locked():
            try:
                st = (self.path / name).stat()
            except FileNotFoundError:
                return True
            if st.st_ino != ino or st.st_size != size:
                return False
            os.unlink(self.path / name)
            return True

    # GDPR -----------------------------------------------------------------

    def iter_subject(self, subject_id: str | None, subject_key: str) -> Iterator[Record]:
        """Spooled records of one subject (by key, or raw id on conversations)."""
        return spool_subjects.iter_subject(self, subject_id, subject_key)

    def purge_subject(self, subject_id: str | None, subject_key: str) -> int:
        """Rewrite the segments holding the subject's records without them; returns how
        many were removed (`sentinel.records.spool_subjects`)."""
        return spool_subjects.purge_subject(self, subject_id, subject_key)
