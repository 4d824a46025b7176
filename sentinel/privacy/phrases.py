"""Lists of names (characters, firms) found around a finding by lookup, not by regex.

An alternation of 1,500 names costs a try of each name at each position; a text of
thousands of findings then paid that for every one of them. Here the words near the
finding are looked up as runs of whitespace tokens (folded, outer punctuation and a
possessive stripped), extended only while the run begins some listed phrase, and
Chinese as substrings, so a window costs a few dozen set lookups however long the
list is.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.script import fold_traditional

V = TypeVar("V")
_HAN = regex.compile(r"\p{Han}")
_TOKEN = regex.compile(r"[^\s\p{Han}]+")
_OUTER = regex.compile(r"^[(\[\"'“‘«]+|(?:['’]s)?[)\]\"'”’»,.;:!?]*$")


def phrase_key(phrase: str) -> str:
    """The lookup key of a phrase: folded, traditional script as simplified, words
    stripped of outer punctuation and a possessive, joined by one space."""
    words = (_OUTER.sub("", w) for w in fold(fold_traditional(phrase)).split())
    return " ".join(w for w in words if w)


class PhraseTable(Generic[V]):
    """Phrase -> value, for finding the phrases written near a span of a text."""

    def __init__(self, phrases: Mapping[str, V]) -> None:
        self.latin: dict[str, V] = {}
        self.han: dict[str, V] = {}
        for phrase, value in phrases.items():
            key = phrase_key(phrase)
            if key:
                (self.han if _HAN.search(key) else self.latin)[key] = value
        words = [k.split(" ") for k in self.latin]
        # every leading run of words of a phrase: an n-gram that is none ends the search
        self.prefixes = {" ".join(w[:n]) for w in words for n in range(1, len(w) + 1)}
        self.max_han = max((len(k) for k in self.han), default=1)

    def occurrences(self, text: str, lo: int, hi: int) -> list[tuple[int, int, V]]:
        """(start, end, value) of every listed phrase inside text[lo:hi]."""
        window = fold(fold_traditional(text[lo:hi]))
        if len(window) != hi - lo:  # folding changed the length (ß, ligatures): no offsets
            window = text[lo:hi].lower()
        out: list[tuple[int, int, V]] = []
        tokens = []
        for m in _TOKEN.finditer(window):
            word = m.group()
            head = len(word) - len(word.lstrip("([\"'“‘«"))
            key = _OUTER.sub("", word)
            if key:
                tokens.append((m.start() + head, m.start() + head + len(key), key))
        for i, (begin, _, first) in enumerate(tokens):
            key, j = first, i
            while key in self.prefixes:
                if key in self.latin:
                    out.append((begin + lo, tokens[j][1] + lo, self.latin[key]))
                j += 1
                if j == len(tokens):
                    break
                key = f"{key} {tokens[j][2]}"
        if self.han and _HAN.search(window):
            for i in range(len(window)):
                for size in range(2, min(self.max_han, len(window) - i) + 1):
                    value = self.han.get(window[i : i + size])
                    if value is not None:
                        out.append((i + lo, i + size + lo, value))
        return out


class SpanIndex:
    """The spans of one analysis's findings that pass `keep`, sorted, with the furthest
    end so far: whether one overlaps a range is a bisection, not a walk over every
    finding (thousands of findings in one text would make that quadratic)."""

    def __init__(
        self, results: Sequence[RecognizerResult], keep: Callable[[RecognizerResult], bool]
    ) -> None:
        spans = sorted((r.start, r.end) for r in results if keep(r))
        self.starts = [s for s, _ in spans]
        self.max_end = list(itertools.accumulate((e for _, e in spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a kept span starting before `end` ends after `start`."""
        i = bisect.bisect_left(self.starts, end)
        return i > 0 and self.max_end[i - 1] > start


def read_sections(lines: Iterable[str]) -> dict[str, set[str]]:
    """Entries of a `[section]`-headed list file -> the sections they stand under."""
    out: dict[str, set[str]] = {}
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        out.setdefault(line, set()).add(section)
    return out
