"""The dead-letter file: records a store refused for good (mapping errors), one JSON
line each with the reason, kept so an operator can fix and re-send them.

Those lines are full records, raw subject ids included, so GDPR export and erasure
must reach them like any other copy (`iter_subject`, `purge_subject`, the same shape
as the spool's). Several processes may share the file (every app's sink appends, the
daemon or the CLI erases), so appends and rewrites take an `fcntl.flock` on a
`.lock` file next to it: a rewrite replaces the file atomically, and an appender that
opens the file only once it holds the lock always appends to the current one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentinel.privatedirs import private_dir


def _opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)  # raw records: readable by the owner only


def _matches(record: Any, subject_id: str | None, subject_key: str) -> bool:
    if not isinstance(record, dict):
        return False
    if record.get("subject_key") == subject_key:
        return True
    return bool(subject_id) and record.get("subject_id") == subject_id


class DeadLetterFile:
    """One JSONL dead-letter file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()  # flock is per open file: threads need their own lock

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            private_dir(self.path.parent)
            lock = self.path.with_name(self.path.name + ".lock")
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the lock

    def append(self, line: dict[str, Any]) -> None:
        """Add one rejected record (`line["record"]`) with its reason. ASCII JSON, so
        text that is not valid Unicode (a lone surrogate) is kept escaped, not lost."""
        text = json.dumps(line, ensure_ascii=True, default=str) + "\n"
        with self._locked(), open(self.path, "a", encoding="utf-8", opener=_opener) as f:
            f.write(text)

    def reject(self, record: Any, reason: str, **where: Any) -> None:
        """Dead-letter one record (a pydantic model) with why it was set aside; `where`
        adds context such as the index or the HTTP status."""
        line = {"time": datetime.now(UTC).isoformat(), **where, "reason": reason}
        line["record"] = record.model_dump(mode="json")
        self.append(line)

    def count(self) -> int:
        """Lines in the file (for `sentinel doctor` and `sentinel spool inspect`)."""
        return len(self._lines())

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        except FileNotFoundError:
            return []

    def iter_subject(self, subject_id: str | None, subject_key: str) -> Iterator[dict[str, Any]]:
        """The subject's rejected records (by key, or by raw id on conversations)."""
        for text in self._lines():
            record = _record(text)
            if _matches(record, subject_id, subject_key):
                yield record

    def purge_subject(self, subject_id: str | None, subject_key: str) -> int:
        """Rewrite the file without the subject's lines (and without unreadable lines,
        which might hold the subject too); returns how many records were removed."""
        with self._locked():
            lines = self._lines()
            keep, removed = [], 0
            for text in lines:
                record = _record(text)
                if record is None:
                    continue
                if _matches(record, subject_id, subject_key):
                    removed += 1
                else:
                    keep.append(text)
            if len(keep) == len(lines):
                return 0
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w", encoding="utf-8", opener=_opener) as f:
                f.writelines(keep)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        return removed


def _record(text: str) -> dict[str, Any] | None:
    """The record of one line, or None if the line is not a readable dead letter."""
    try:
        line = json.loads(text)
    except ValueError:
        return None
    record = line.get("record") if isinstance(line, dict) else None
    return record if isinstance(record, dict) else None
