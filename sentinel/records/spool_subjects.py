"""A subject's records in the spool: found for an export, cut out for an erasure.

Kept apart from `sentinel.records.spool` (appending and replaying, the hot path) since
it reads and rewrites whole segments, under the spool's own locks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sentinel.models import Conversation, Record
from sentinel.records import frames
from sentinel.records.segments import fsync_dir

if TYPE_CHECKING:
    from sentinel.records.spool import Spool


def _matches(record: Record, subject_id: str | None, subject_key: str) -> bool:
    if record.subject_key == subject_key:
        return True
    return bool(subject_id) and isinstance(record, Conversation) and record.subject_id == subject_id


def iter_subject(spool: Spool, subject_id: str | None, subject_key: str) -> Iterator[Record]:
    """Spooled records of one subject (by key, or raw id on conversations)."""
    for name in spool.segments():
        try:
            buf = (spool.path / name).read_bytes()
        except FileNotFoundError:
            continue
        for frame in frames.decode(buf, frames.Damage()):
            record = spool._parse(frame, frames.Damage())
            if record is not None and _matches(record, subject_id, subject_key):
                yield record


def purge_subject(spool: Spool, subject_id: str | None, subject_key: str) -> int:
    """Rewrite the segments holding the subject's records without them (damaged bytes,
    which might hold the subject too, go as well); returns how many were removed.
    Waits for a running replay, so none is halfway through a segment it rewrites."""
    removed = 0
    with spool._replaying(blocking=True):
        spool.adopt_orphans()  # a dead process's journal holds the subject's records too
        for name in spool.segments():
            with spool._locked():
                removed += _rewrite_without(spool, name, subject_id, subject_key)
    return removed


def _rewrite_without(spool: Spool, name: str, subject_id: str | None, subject_key: str) -> int:
    path = spool.path / name
    try:
        buf = path.read_bytes()
    except FileNotFoundError:
        return 0
    damage = frames.Damage()
    keep: list[bytes] = []
    removed = 0
    for frame in frames.decode(buf, damage):
        record = spool._parse(frame, frames.Damage())
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
    fsync_dir(spool.path)
    return removed
