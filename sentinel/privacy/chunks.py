"""Texts of any length through an NLP model with a length limit: overlapping windows.

spaCy refuses texts over `nlp.max_length` (1,000,000 characters, error E088), and one
such text used to fail the anonymization of everything around it. Long texts are cut
into windows of `size` characters, each overlapping the next by `overlap`; every entity
no longer than `overlap` then lies whole inside at least one window (a window starts
at most `size - overlap` after any position and reaches `overlap` past the next start).
The findings of all windows, shifted back to text offsets, are merged by union, so an
entity that one window saw cut at its edge and the next saw whole is one full span.
Smaller windows also spread one huge text over the analyzer's worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from presidio_analyzer import RecognizerResult

from sentinel.privacy.entities import Entity, resolve_overlaps

WINDOW_CHARS = 50_000
# Longer than any entity the recognizers find (addresses, URLs, keys are < 300).
OVERLAP_CHARS = 1_000


def windows(length: int, size: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS) -> list[int]:
    """Start offsets of the windows covering a text of `length` characters."""
    if not 0 <= overlap < size:
        raise ValueError("overlap must be >= 0 and smaller than the window")
    if length <= size:
        return [0]
    step = size - overlap
    return list(range(0, length - overlap, step))


def split(
    texts: Sequence[str], size: int = WINDOW_CHARS, overlap: int = OVERLAP_CHARS
) -> tuple[list[str], list[list[int]]]:
    """The windows of every text, flat, and each text's window start offsets."""
    pieces: list[str] = []
    layout: list[list[int]] = []
    for text in texts:
        starts = windows(len(text), size, overlap)
        layout.append(starts)
        pieces += [text[s : s + size] for s in starts] if len(starts) > 1 else [text]
    return pieces, layout


def join(layout: Sequence[Sequence[int]], found: Sequence[list[Entity]]) -> list[list[Entity]]:
    """Per text, the entities of its windows at text offsets, overlaps merged."""
    out: list[list[Entity]] = []
    pos = 0
    for starts in layout:
        parts = found[pos : pos + len(starts)]
        pos += len(starts)
        if len(starts) == 1:
            out.append(parts[0])
            continue
        shifted = [
            RecognizerResult(e.type, e.start + start, e.end + start, e.score)
            for start, entities in zip(starts, parts, strict=True)
            for e in entities
        ]
        out.append(resolve_overlaps(shifted))
    return out
