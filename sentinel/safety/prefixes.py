"""Where a stream's held-back tail begins: only the text that could still be the start
of a match is held back, everything before it is final.

A term can only still be completed by text yet to come if the window's tail, from
where it would start, spells the beginning of it: so the loaded terms' folded
prefixes (each term's own text too, whose right word boundary or trailing accents
are not known yet) are kept in one set, and the earliest tail found in it is where
holding starts. A list regex is asked the same question of the `regex` module
(a partial match: one that reaches the end of the text and could go on), from its
longest match back. Without either, the text is released at once, where holding
back the last `longest term` characters kept every piece one or two chunks late at
a model's pace (README "Content safety"). Pure; built once per list load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import regex as regex_engine

from sentinel.safety.lists import Pattern
from sentinel.safety.normalize import is_word
from sentinel.safety.pause import Pauser, never

# Python lowers a capital sigma to the final form at a word's end ("ΟΔΟΣ" is "οδος"):
# the last one seen may turn into a medial sigma once the next letter arrives, so
# both read as one here (a tail is held if it could start a term either way)
_FINAL_SIGMA, _SIGMA = "\u03c2", "\u03c3"
# letters and digits that are words, no call needed (a term's neighbour; a context)
ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# where a term may start in ASCII text: a word's first letter (a term that starts with
# one needs a word boundary) or any other character (the text is folded: lower case)
_BATCH = 50  # terms between two pauses of a reload (well under its 1 ms of work)
_ASCII_STARTS = re.compile(r"(?<![a-z0-9])[a-z0-9]|[^a-z0-9]")


class Starts:
    """The folded prefixes of the lists' terms, and their regexes."""

    __slots__ = (
        "_bounded",
        "_first",
        "_pairs",
        "_patterns",
        "_prefixes",
        "_reach",
        "_timeout",
        "_widest",
        "longest",
    )

    def __init__(
        self,
        texts: Iterable[str],
        patterns: Sequence[Pattern],
        timeout: float,  # a regex search's budget (the matcher's)
        pause: Pauser = never,
    ) -> None:
        folded = [t.replace(_FINAL_SIGMA, _SIGMA) if _FINAL_SIGMA in t else t for t in texts]
        reach: dict[str, int] = {}  # per first character: its longest term
        for text in folded:
            if reach.get(text[0], 0) < len(text):
                reach[text[0]] = len(text)
        prefixes: set[str] = set()
        pairs: set[str] = set()  # every two characters in a row in a term
        for k in range(0, len(folded), _BATCH):  # (in batches: a reload pauses between)
            pause()
            batch = folded[k : k + _BATCH]
            prefixes.update({t[:i] for t in batch for i in range(1, len(t) + 1)})
            pairs.update({t[i : i + 2] for t in batch for i in range(len(t) - 1)})
        self._prefixes = prefixes  # (only read from here on)
        self._pairs = pairs
        self._reach = reach
        # first characters of the terms that need a word boundary before them
        self._bounded = frozenset(c for c in reach if is_word(c))
        # each regex with the characters its matches start with, and all of them in
        # one class: a tail without any (most) asks no regex (None: always ask)
        firsts = [first_chars(p.regex.pattern) for p in patterns]
        self._patterns = tuple(zip(patterns, map(_class, firsts), strict=True))
        known = None if None in firsts else set().union(*firsts)
        self._first = _class(known)
        self._widest = max((p.width for p in patterns), default=0)
        self._timeout = timeout
        self.longest = max(reach.values(), default=0)

    def held_from(self, text: str, kept: int) -> int:
        """The first index of `text` (a folded window) that must be held back, or its
        length if none: the earliest start of a tail that may still become a match.
        `text[kept:]` are trailing separators that may yet be padding between two CJK
        characters (dropped when matching): a match through them starts before them,
        so they are released unless one could start in them, in which case the CJK
        character before them is held too (their neighbour decides what they are)."""
        size = len(text)
        held = self._term_start(text, 0, kept)
        patterns = self._patterns
        first = self._first
        if (
            patterns
            and first is not None
            and not first.search(text, max(kept - self._widest, 0), size)
        ):
            patterns = ()
        for p, first in patterns:
            start = self._regex_start(p, first, text, max(kept - p.width, 0), kept)
            if start < held:
                held = start
        if held < kept:
            return held
        if kept < size and self._starts_in(text, kept, size, patterns):
            return max(kept - 1, 0)
        return size

    def _starts_in(
        self, text: str, start: int, end: int, patterns: Sequence[tuple[Pattern, Any]]
    ) -> bool:
        """Whether a match could start within text[start:end] (a run of separators)."""
        if self._term_start(text, max(start, end - self.longest), end) < end:
            return True
        return any(
            self._regex_start(p, first, text, max(start, end - p.width), end) < end
            for p, first in patterns
        )

    def _term_start(self, text: str, lo: int, end: int) -> int:
        """The first i in [lo, end) (at most `longest` back) with text[i:end] the
        start of a term, else `end`. (Per chunk: each test is cheap before the next.)"""
        lo = max(lo, end - self.longest)
        tail = text[lo:end]
        if _FINAL_SIGMA in tail:
            tail = tail.replace(_FINAL_SIGMA, _SIGMA)
        reach = self._reach.get
        if tail[-2:] not in self._pairs:
            # no term holds the last two characters in a row (most CJK windows): only
            # the last one alone may start one
            return end - 1 if tail and reach(tail[-1], 0) else end
        prefixes = self._prefixes
        if tail.isascii():  # (an English window: only where a word or a non-letter starts)
            for found in _ASCII_STARTS.finditer(text, lo, end):
                i = found.start()
                if reach(text[i], 0) >= end - i and text[i:end] in prefixes:
                    return i
            return end
        bounded = self._bounded
        before = text[lo - 1] if lo else ""  # (the window's start: no neighbour known)
        n = len(tail)
        for i, c in enumerate(tail):
            if reach(c, 0) < n - i:
                continue  # no term from c is that long
            if c in bounded:  # a term starting with a letter must start a word
                p = tail[i - 1] if i else before
                if p in ASCII_WORD or (p > "\x7f" and is_word(p)):
                    continue
            if tail[i:] in prefixes:
                return lo + i
        return end

    def _regex_start(
        self, p: Pattern, first: regex_engine.Pattern[str] | None, text: str, lo: int, end: int
    ) -> int:
        """Where the first match or partial match of `p` in text[lo:end] starts (`end`:
        none). A search that runs out of time holds back all the regex could match."""
        if first is not None:  # a partial search costs 3-10 us, this one 0.3
            found = first.search(text, lo, end)
            if found is None:
                return end
            lo = found.start()
        regex, timeout = p.regex, self._timeout
        try:
            found = regex.search(text, lo, end, partial=True, timeout=timeout)
            if found is None:
                return end
            start = found.start()
            if not found.partial:
                # the search prefers a whole match to a partial one further left: those
                # positions are asked one by one (only a window holding a match of the
                # regex, which the automaton found its plain characters in, gets here)
                for i in range(lo, start):
                    if regex.match(text, i, end, partial=True, timeout=timeout) is not None:
                        return i
        except TimeoutError:
            return lo
        return min(start, end)


def first_chars(source: str) -> set[str] | None:
    """The character class items (`a`, `0-9`, `\\d`) every match of the regex `source`
    starts with one of (what a stream's tail is searched for before the regex itself
    is asked), or None where that is not worked out here (negated sets, any
    character, a syntax only the `regex` module knows)."""
    import re._parser as sre_parse  # type: ignore[import-not-found]  # Python >= 3.11

    try:
        items, empty = _firsts(sre_parse.parse(source, re.IGNORECASE), sre_parse)
    except (re.error, RecursionError, _Unknown):
        return None
    return None if empty or not items else items


def _class(items: set[str] | None) -> regex_engine.Pattern[str] | None:
    # (the `regex` module's: its case-insensitive matching is the one the regex uses)
    if not items:  # (none worked out, or no regexes at all)
        return None
    return regex_engine.compile("[" + "".join(sorted(items)) + "]", regex_engine.IGNORECASE)


class _Unknown(Exception):
    """A node whose first character `first_chars` does not work out."""


def _firsts(nodes: Any, sp: Any) -> tuple[set[str], bool]:
    """(class items the first character of a match of `nodes` is one of, whether they
    can match the empty string)."""
    items: set[str] = set()
    for op, arg in nodes:
        if op is sp.LITERAL:
            items.add(_escape(arg))
            return items, False
        if op is sp.IN:
            for kind, value in arg:
                if kind is sp.LITERAL:
                    items.add(_escape(value))
                elif kind is sp.RANGE:
                    items.add(f"{_escape(value[0])}-{_escape(value[1])}")
                elif kind is sp.CATEGORY and (shorthand := _category(value, sp)):
                    items.add(shorthand)
                else:
                    raise _Unknown
            return items, False
        if op in (sp.AT, sp.ASSERT, sp.ASSERT_NOT):
            continue  # zero width: the first character comes after it
        if op is sp.SUBPATTERN:
            inner, empty = _firsts(arg[-1], sp)
        elif op is sp.ATOMIC_GROUP:
            inner, empty = _firsts(arg, sp)
        elif op is sp.BRANCH:
            inner, empty = set(), False
            for alternative in arg[1]:
                more, maybe = _firsts(alternative, sp)
                inner |= more
                empty = empty or maybe
        elif op in (sp.MAX_REPEAT, sp.MIN_REPEAT, sp.POSSESSIVE_REPEAT):
            inner, empty = _firsts(arg[2], sp)
            empty = empty or arg[0] == 0
        else:
            raise _Unknown
        items |= inner
        if not empty:
            return items, False
    return items, True


def _category(value: Any, sp: Any) -> str | None:
    return {
        sp.CATEGORY_DIGIT: r"\d", sp.CATEGORY_NOT_DIGIT: r"\D", sp.CATEGORY_SPACE: r"\s",
        sp.CATEGORY_NOT_SPACE: r"\S", sp.CATEGORY_WORD: r"\w", sp.CATEGORY_NOT_WORD: r"\W",
    }.get(value)  # fmt: skip


def _escape(code: int) -> str:
    return f"\\U{code:08x}"
