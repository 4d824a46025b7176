"""How spool entries are laid out on disk: pure encoding and decoding, no I/O.

Each entry is `MAGIC | length (u32 BE) | crc32(length bytes + payload) (u32 BE) | payload`.
The checksum covers the length too, so a bit flip there is caught instead of sending the
reader off into the middle of another entry; the magic lets the reader find the next
intact entry after damage in the middle of a segment instead of giving up on the rest.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

MAGIC = b"\xa5S"
_HEADER = struct.Struct(">2sII")
HEADER_SIZE = _HEADER.size
MAX_PAYLOAD = 64 * 1024 * 1024  # a record bigger than this is not a record but damage


def encode(payload: bytes) -> bytes:
    """One framed entry ready to be appended."""
    length = len(payload)
    crc = zlib.crc32(payload, zlib.crc32(length.to_bytes(4, "big")))
    return _HEADER.pack(MAGIC, length, crc) + payload


@dataclass(frozen=True)
class Frame:
    start: int  # offset of the header in the buffer
    end: int  # offset just past the payload
    payload: bytes


@dataclass
class Damage:
    """Bytes that were not a valid entry; counted and logged by the reader, never raised."""

    corrupt: int = 0  # damaged entries skipped in the middle of a segment
    torn_tail: bool = False  # the segment ends inside an entry (a crash during append)
    skipped_bytes: int = 0
    offsets: list[int] = field(default_factory=list)  # where each damaged run starts


def _valid_at(buf: bytes | memoryview, pos: int) -> int | None:
    """End offset of a valid entry starting at pos, or None."""
    if len(buf) - pos < HEADER_SIZE:
        return None
    magic, length, crc = _HEADER.unpack_from(buf, pos)
    if magic != MAGIC or length > MAX_PAYLOAD:
        return None
    end = pos + HEADER_SIZE + length
    if end > len(buf):
        return None
    payload = buf[pos + HEADER_SIZE : end]
    if zlib.crc32(payload, zlib.crc32(length.to_bytes(4, "big"))) != crc:
        return None
    return end


def decode(buf: bytes, damage: Damage, start: int = 0) -> Iterator[Frame]:
    """Valid entries of buf from `start`, in order. Damage is resynchronised past (the
    next offset where a valid entry starts) and recorded in `damage`; an incomplete
    entry at the very end is a torn tail."""
    view = memoryview(buf)
    pos = start
    size = len(buf)
    while pos < size:
        end = _valid_at(view, pos)
        if end is not None:
            yield Frame(pos, end, bytes(view[pos + HEADER_SIZE : end]))
            pos = end
            continue
        nxt = buf.find(MAGIC, pos + 1)
        while nxt != -1 and _valid_at(view, nxt) is None:
            nxt = buf.find(MAGIC, nxt + 1)
        damage.offsets.append(pos)
        if nxt == -1:
            damage.torn_tail = True
            damage.skipped_bytes += size - pos
            return
        damage.corrupt += 1
        damage.skipped_bytes += nxt - pos
        pos = nxt
