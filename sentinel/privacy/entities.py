"""What the analysis returns: typed spans without values, overlaps already resolved.

Shared by the Redactor and its worker processes, so it depends on nothing heavy.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
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


# At most this many distinct values are looked for again: one alternation per text,
# so a text full of distinct values cannot make the pass quadratic.
MAX_REPEATED_VALUES = 100
_CJK = re.compile(r"[\u3400-\u9fff]")
# ASCII and characters without case (CJK ideographs, CJK and full-width punctuation and
# digits): in a text made only of these, re.IGNORECASE matches a value exactly where the
# value occurs in text.lower(), which keeps every offset.
_ASCII_OR_CASELESS = re.compile(
    r"[\x00-\x7f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\uff01-\uff20\uff3b-\uff40\uff5b-\uff65]*"
)


def every_occurrence(
    text: str, entities: Sequence[Entity], known: Mapping[str, Entity] | None = None
) -> list[Entity]:
    """`entities` plus every other occurrence of a value they found in `text`, or of a
    `known` one (casefolded value -> a finding of it: found in another text of the
    same request).

    A recognizer sees a value in one context and not another ("Mr. Lynch called.
    Lynch said ..."): left there, the second occurrence leaks the value the first one
    redacted. Latin values match as whole words, case-insensitively; Chinese ones (no
    word boundaries) as they are, from two characters; shorter values are not looked for."""
    own = {text[e.start : e.end].casefold(): e for e in entities}
    values = {
        v: e
        for v, e in {**(known or {}), **own}.items()
        if len(v.strip()) >= (2 if _CJK.search(v) else 3)
    }
    if not values or len(values) > MAX_REPEATED_VALUES:
        return list(entities)
    spans = sorted((e.start, e.end) for e in entities)
    starts = [s for s, _ in spans]
    max_end = list(itertools.accumulate((e for _, e in spans), max))
    if _ASCII_OR_CASELESS.fullmatch(text) and not _elsewhere(text.lower(), values, starts, max_end):
        return sorted(entities, key=lambda e: e.start)  # what the search would find: nothing
    ordered = sorted(values, key=len, reverse=True)
    latin = [re.escape(v) for v in ordered if not _CJK.search(v)]
    cjk = [re.escape(v) for v in ordered if _CJK.search(v)]
    parts = ([r"(?<!\w)(?:" + "|".join(latin) + r")(?!\w)"] if latin else []) + cjk
    taken = list(entities)
    for m in re.finditer("|".join(parts), text, re.IGNORECASE):
        i = bisect.bisect_left(starts, m.end())
        if i > 0 and max_end[i - 1] > m.start():
            continue  # inside or touching a finding already made
        found = values.get(m.group().casefold())
        if found is not None:
            taken.append(Entity(found.type, m.start(), m.end(), found.score))
    return sorted(taken, key=lambda e: e.start)


def _elsewhere(
    lowered: str, values: Iterable[str], starts: Sequence[int], max_end: Sequence[int]
) -> bool:
    """Whether a value occurs in `lowered` anywhere not overlapping a finding.

    Most values occur once, where they were found; a few substring searches then say
    so, where the case-insensitive alternation every_occurrence would compile per text
    costs more than the rest of the pass."""
    for value in values:
        at = lowered.find(value)
        while at != -1:
            i = bisect.bisect_left(starts, at + len(value))
            if not (i > 0 and max_end[i - 1] > at):
                return True
            at = lowered.find(value, at + 1)
    return False
