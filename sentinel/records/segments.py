"""Segment file I/O shared by the spool and the write-ahead journal: framing records
one by one (so one that cannot be serialised is set aside, not its batch) and appending
them so that a disk that refuses part of a write leaves no torn entry behind."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from sentinel.models import CallRecord, Record
from sentinel.records import frames

log = logging.getLogger("sentinel.spool")


@dataclass
class Appended:
    """What one append did: every record it was given is in exactly one bucket."""

    spooled: int = 0  # on disk (in the page cache at least)
    unserialisable: list[tuple[Record, str]] = field(default_factory=list)  # to dead-letter
    lost: int = 0  # the disk refused them; `error` says why
    size: int = 0  # bytes of the spooled records
    error: OSError | None = None


def _clean(value: object) -> object:
    """`value` with every string's surrogates made valid: a pair as the character it
    encodes, a lone one as U+FFFD (the same object when there were none)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, list | tuple):
        items = [_clean(v) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if isinstance(value, dict):
        pairs = [(_clean(k), _clean(v)) for k, v in value.items()]
        changed = any(
            a is not k or b is not v for (a, b), (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            if (new := _clean(old)) is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    return value


_CALL_TEXTS = ("params", "tool_call_names")  # a call record's fields the call's texts fill


def made_valid(record: Record) -> Record | None:
    """A conversation (or feedback) that cannot be serialised because a text holds a
    lone surrogate (a broken client's "\\ud800": Python strings may, UTF-8 and JSON may
    not) as one that can, each such surrogate U+FFFD (a pair: its character); None if
    that was not why. So what a person wrote is stored, not dead-lettered (README
    "Content safety"). A call record's texts the call carried (its parameters, such as
    a stop sequence, and the answer's tool names) are made valid the same way; one with
    such an id or metadata is still set aside, escaped, as the app's own bug."""
    if isinstance(record, CallRecord):
        update = {
            name: new
            for name in _CALL_TEXTS
            if (new := _clean(old := getattr(record, name))) is not old
        }
        return record.model_copy(update=update) if update else None
    clean = _clean(record)
    return clean if clean is not record else None  # type: ignore[return-value]


def encode_one(record: Record) -> tuple[bytes, bytes] | None:
    """The record's JSON (UTF-8, what `model_dump_json` returns encoded) and its framed
    entry, or None if it cannot be serialised. Straight from pydantic's serializer as
    bytes: this runs on the app's thread inside `create()`, and the str round trip cost
    ~2 us a record there."""
    try:
        doc = record.__pydantic_serializer__.to_json(record)
        return doc, frames.encode(doc)
    except Exception:
        return None


def encode(records: Sequence[Record]) -> tuple[list[bytes], list[tuple[Record, str]]]:
    """Framed entries of the records that serialise, and the others with the reason, so
    one bad record (a lone surrogate in a message) never takes its batch down."""
    chunks, bad = [], []
    for record in records:
        try:
            chunks.append(frames.encode(record.model_dump_json().encode()))
        except Exception as exc:
            valid = made_valid(record)
            found = encode_one(valid) if valid is not None else None
            if found is not None:
                chunks.append(found[1])
            else:
                bad.append((record, f"cannot serialise: {type(exc).__name__}: {exc}"))
    return chunks, bad


def write_frames(fd: int, chunks: Sequence[bytes]) -> tuple[int, OSError | None]:
    """Append the chunks in one write; (how many are complete on disk, the error). A
    write the disk cut short is truncated back to the last complete entry, so the count
    is exact and the file holds no torn entry."""
    data = b"".join(chunks)
    done = 0
    try:
        while done < len(data):
            done += os.write(fd, memoryview(data)[done:])
        return len(chunks), None
    except OSError as exc:
        whole = kept = 0
        for chunk in chunks:
            if kept + len(chunk) > done:
                break
            whole, kept = whole + 1, kept + len(chunk)
        if kept < done:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, os.fstat(fd).st_size - (done - kept))
        return whole, exc


def read_range(path: Path, start: int, end: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(end - start)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


SEGMENT_PREFIX, JOURNAL_PREFIX, SUFFIX = "seg-", "wal-", ".spool"
DROPPED_LOG = "dropped.jsonl"  # one line per loss, for `sentinel doctor` in another process


def quarantine(spool_dir: Path, name: str, target: Path, exc: OSError) -> bool:
    """Move a segment that cannot be read out of the replay's way (to `target`), so one
    bad file does not stall every later segment; an operator can inspect it there."""
    try:
        target.mkdir(mode=0o700, exist_ok=True)
        os.replace(spool_dir / name, target / name)
    except OSError as move:
        log.error("spool %s is unreadable (%s) and cannot be moved aside (%s); skipped",
                  name, exc, move)  # fmt: skip
        return False
    log.error("spool %s is unreadable (%s): moved to %s, replay goes on with the rest",
              name, exc, target / name)  # fmt: skip
    return True


def note_drop(spool_dir: Path, n: int, reason: str) -> None:
    """Leave a trace of lost records where `sentinel doctor` can see it; best effort (the
    disk that refused the records may refuse this too: the log line is still there)."""
    line = json.dumps({"time": time.time(), "pid": os.getpid(), "records": n, "reason": reason})
    with contextlib.suppress(OSError):
        fd = os.open(spool_dir / DROPPED_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


def dropped_so_far(spool_dir: Path) -> dict[str, int]:
    """Records lost per reason, as `note_drop` recorded them."""
    totals: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for text in (spool_dir / DROPPED_LOG).read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = json.loads(text)
                totals[entry["reason"]] = totals.get(entry["reason"], 0) + int(entry["records"])
    return totals


def segment_name(seq: int, prefix: str = SEGMENT_PREFIX) -> str:
    return f"{prefix}{seq:020d}{SUFFIX}"


def seq_of(name: str, prefix: str = SEGMENT_PREFIX) -> int | None:
    """The creation time in a segment's (or journal's) name; None for other files."""
    if not (name.startswith(prefix) and name.endswith(SUFFIX)):
        return None
    digits = name[len(prefix) : -len(SUFFIX)]
    return int(digits) if digits.isdigit() else None
