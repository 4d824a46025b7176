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
from typing import Annotated

from pydantic import Field, TypeAdapter, ValidationError

from sentinel.privatedirs import private_dir
from sentinel.records import frames
from sentinel.records.models import CallRecord, Conversation, Feedback, Record

log = logging.getLogger("sentinel.spool")

FSYNC_POLICIES = ("always", "interval", "never")
SEGMENT_BYTES = 8 * 1024 * 1024
FSYNC_INTERVAL = 1.0
_PREFIX, _SUFFIX = "seg-", ".spool"
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
    busy: bool = False  # another replay holds the lock; nothing was done
    empty: bool = False  # no segment is left


def _segment_name(seq: int) -> str:
    return f"{_PREFIX}{seq:020d}{_SUFFIX}"


def _seq(name: str) -> int | None:
    if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
        return None
    digits = name[len(_PREFIX) : -len(_SUFFIX)]
    return int(digits) if digits.isdigit() else None


def _matches(record: Record, subject_id: str | None, subject_key: str) -> bool:
    if record.subject_key == subject_key:
        return True
    return bool(subject_id) and isinstance(record, Conversation) and record.subject_id == subject_id


def _read(path: Path, start: int, end: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(end - start)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        if fsync not in FSYNC_POLICIES:
            raise ValueError(f"spool fsync policy must be one of {FSYNC_POLICIES}, got {fsync!r}")
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
        names = [n for n in os.listdir(self.path) if _seq(n) is not None]
        return sorted(names, key=lambda n: _seq(n) or 0)

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
            seq = max(time.time_ns(), (_seq(existing[-1]) or 0) + 1 if existing else 0)
            self._fd = os.open(
                self.path / _segment_name(seq),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                0o600,
            )
            if self.fsync != "never":
                _fsync_dir(self.path)
        return self._fd

    def append(self, records: Sequence[Record]) -> int:
        """Append records as one write; returns the bytes written. Raises OSError if the
        disk refuses (the caller counts those records as lost)."""
        data = b"".join(frames.encode(r.model_dump_json().encode()) for r in records)
        if not data:
            return 0
        with self._locked():
            fd = self._active_fd()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            self._dirty = True
            if self.fsync == "always" or (
                self.fsync == "interval"
                and time.monotonic() - self._last_sync >= self.fsync_interval
            ):
                self._sync_locked()
        return len(data)

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

    def _parse(self, payload: bytes, where: str) -> Record | None:
        try:
            return _RECORD.validate_json(payload)
        except ValidationError as exc:  # checksum fine, content not a record: damage too
            self.corrupt += 1
            log.warning("spool %s: skipped an entry that is not a record (%s)", where,
                        type(exc).__name__)  # fmt: skip
            return None

    def _note_damage(self, name: str, damage: frames.Damage, result: ReplayResult) -> None:
        if not (damage.corrupt or damage.torn_tail):
            return
        self.corrupt += damage.corrupt
        self.torn_tails += int(damage.torn_tail)
        result.corrupt += damage.corrupt
        result.torn_tails += int(damage.torn_tail)
        log.warning("spool %s: skipped %d damaged entr(y/ies), torn tail: %s (%d bytes)",
                    name, damage.corrupt, damage.torn_tail, damage.skipped_bytes)  # fmt: skip

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
            batches = 0
            for name in self.segments():
                while True:
                    snap = self._snapshot(name)
                    if snap is None:
                        break
                    ino, size = snap
                    key = (name, ino)
                    offset = self._progress.get(key, 0)
                    if offset < size:
                        buf = _read(self.path / name, offset, size)
                        damage = frames.Damage()
                        batch: list[Record] = []
                        for frame in frames.decode(buf, damage):
                            record = self._parse(frame.payload, name)
                            if record is not None:
                                batch.append(record)
                            if len(batch) >= batch_size:
                                deliver(batch)
                                result.replayed += len(batch)
                                self._progress[key] = offset + frame.end
                                batch = []
                                batches += 1
                                if max_batches is not None and batches >= max_batches:
                                    return result
                        if batch:
                            deliver(batch)
                            result.replayed += len(batch)
                            batches += 1
                        self._progress[key] = size
                        self._note_damage(name, damage, result)
                    if self._delete_if_unchanged(name, ino, size):
                        self._progress.pop(key, None)
                        result.segments_deleted += 1
                        break
                    if max_batches is not None and batches >= max_batches:
                        return result
            result.empty = not self.segments()
        return result

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
        for name in self.segments():
            try:
                buf = (self.path / name).read_bytes()
            except FileNotFoundError:
                continue
            for frame in frames.decode(buf, frames.Damage()):
                record = self._parse(frame.payload, name)
                if record is not None and _matches(record, subject_id, subject_key):
                    yield record

    def purge_subject(self, subject_id: str | None, subject_key: str) -> int:
        """Rewrite the segments holding the subject's records without them (damaged bytes,
        which might hold the subject too, go as well); returns how many were removed.
        Waits for a running replay, so none is halfway through a segment it rewrites."""
        removed = 0
        with self._replaying(blocking=True):
            for name in self.segments():
                with self._locked():
                    removed += self._rewrite_without(name, subject_id, subject_key)
        return removed

    def _rewrite_without(self, name: str, subject_id: str | None, subject_key: str) -> int:
        path = self.path / name
        try:
            buf = path.read_bytes()
        except FileNotFoundError:
            return 0
        damage = frames.Damage()
        keep: list[bytes] = []
        removed = 0
        for frame in frames.decode(buf, damage):
            record = self._parse(frame.payload, name)
            if record is not None and _matches(record, subject_id, subject_key):
                removed += 1
            else:
                keep.append(buf[frame.start : frame.end])
        if not removed and not (damage.corrupt or damage.torn_tail):
            return 0
        if not keep:
            path.unlink()
        else:
            tmp = path.with_name(name + ".tmp")
            with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as f:
                f.write(b"".join(keep))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # an appender holding the old file sees nlink 0 and moves on
        _fsync_dir(self.path)
        return removed
