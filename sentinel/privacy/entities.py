"""What the analysis returns: typed spans without values, overlaps already resolved.

Shared by the Redactor and its worker processes, so it depends on nothing heavy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from presidio_analyzer import RecognizerResult


@dataclass(frozen=True)
class Entity:
    """One redacted span of the original text; deliberately holds no value."""

    type: str
    start: int
    end: int
    score: float


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[Entity]:
    """Merge overlapping findings into one span covering all of them.

    Overlaps come from different recognizers seeing the same PII differently (NER
    "Baker Street, London" vs the address pattern "221B Baker Street, London"); the
    union leaks nothing either saw. The type is that of the longest finding (the
    password@host inside a URL is part of the URL), then of the highest score.
    """
    merged: list[Entity] = []
    best: RecognizerResult | None = None
    for r in sorted(results, key=lambda r: (r.start, -r.end)):
        if merged and r.start < merged[-1].end and best is not None:
            last = merged[-1]
            if (r.end - r.start, r.score) > (best.end - best.start, best.score):
                best = r
            merged[-1] = Entity(best.entity_type, last.start, max(last.end, r.end), best.score)
        else:
            best = r
            merged.append(Entity(r.entity_type, r.start, r.end, r.score))
    return merged
