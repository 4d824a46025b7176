"""Multi-pattern search over normalized text: every term of every list in one
Aho-Corasick automaton, plus the lists' regular expressions. Built once per list
load; a scan is pure and thread-safe (the automaton is only read).

The automaton is ahocorasick-rs (Rust), chosen by measurement: with 50,000 terms it
finds every overlapping match in 1 KB of text in ~10 us where pyahocorasick's
iterator takes ~100-180 us (benchmarks/bench_safety.py --libraries; README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ahocorasick_rs

from sentinel.safety.lists import Policy, SafetyLists
from sentinel.safety.normalize import Folded, is_word, normalize
from sentinel.safety.pause import Pauser, never
from sentinel.safety.prefixes import Starts
from sentinel.safety.timeouts import RegexTimeouts

# A list's regex may backtrack catastrophically on some text ((a{1,10}){1,20}$ on a run
# of a's takes seconds per hundred characters): the sender of that text must not be
# able to hang a call, so each search has this budget and is skipped when it runs out
# (sentinel.safety.timeouts counts it and rate-limits the warning).
REGEX_TIMEOUT = 0.05  # seconds


@dataclass(frozen=True, slots=True)
class Match:
    """A match in the folded text: [start, end) and the category it belongs to."""

    start: int
    end: int
    category: str


class Matcher:
    def __init__(
        self, lists: SafetyLists, timeouts: RegexTimeouts | None = None, pause: Pauser = never
    ) -> None:
        self.lists = lists
        self.timeouts = timeouts or RegexTimeouts()  # the filter's, shared across reloads
        self.policies: dict[str, Policy] = lists.policies
        self.longest = lists.longest
        # one automaton pattern per normalized text: (left, right, categories)
        entries: dict[str, tuple[bool, bool, list[str]]] = {}
        for t in lists.terms:
            pause()
            entries.setdefault(t.text, (t.left, t.right, []))[2].append(t.category)
        # each regex's plain characters too, as entries of no category: a text in which
        # the automaton finds nothing needs no regex scan either (may_match)
        literals = {p.literal for p in lists.patterns}
        for literal in literals - {""}:
            entries.setdefault(literal, (False, False, []))
        self._always = "" in literals  # a regex without plain characters: every text
        self._keys = [(left, right, tuple(cats)) for left, right, cats in entries.values()]
        # fed one by one, so the trie is built between pauses; only the automaton's last
        # step (failure links, ~0.1-0.3 s for 50,000 terms) holds the GIL throughout
        patterns = (pause() or text for text in entries)
        self._automaton = ahocorasick_rs.AhoCorasick(patterns) if entries else None
        self._patterns = lists.patterns
        # what a stream holds back: only a tail that could still start a match
        self.starts = Starts({t.text for t in lists.terms}, lists.patterns, REGEX_TIMEOUT, pause)

    @property
    def empty(self) -> bool:
        return self._automaton is None and not self._patterns

    def may_match(self, folded: str) -> bool:
        """False only if `scan_folded(folded)` finds nothing: no term occurs (word
        boundaries not yet checked) and no regex's plain characters do. One automaton
        call, so a stream's piece that holds no match costs no more than that."""
        # (non-overlapping: it finds a match whenever an overlapping search would)
        if self._always:
            return True
        if self._automaton is None:
            return False
        try:
            return bool(self._automaton.find_matches_as_indexes(folded))
        except UnicodeEncodeError:
            return bool(self._automaton.find_matches_as_indexes(_no_surrogates(folded)))

    def scan_folded(self, folded: str) -> list[Match]:
        """Every match in `folded`, overlapping ones included."""
        out: list[Match] = []
        if self._automaton is not None:
            size = len(folded)
            keys = self._keys
            try:
                found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
            except UnicodeEncodeError:
                found = self._automaton.find_matches_as_indexes(
                    _no_surrogates(folded), overlapping=True
                )
            for index, start, end in found:
                left, right, cats = keys[index]
                if left and start > 0 and is_word(folded[start - 1]):
                    continue
                if right and end < size and is_word(folded[end]):
                    continue
                out.extend(Match(start, end, c) for c in cats)
        for p in self._patterns:
            if p.literal not in folded:
                continue
            try:
                found = list(p.regex.finditer(folded, timeout=REGEX_TIMEOUT))
            except TimeoutError:
                # A block list fails closed: padding a text until its regex gives up
                # must not be a way past it (the whole text counts as the match).
                closed = self.policies[p.category].action == "block"
                self.timeouts.report(p.where, p.category, closed, len(folded), REGEX_TIMEOUT)
                if closed:
                    out.append(Match(0, len(folded), p.category))
                continue
            out.extend(Match(m.start(), m.end(), p.category) for m in found if m.end() > m.start())
        return out

    def scan(self, text: str) -> tuple[Folded, list[Match]]:
        folded = normalize(text)
        return folded, self.scan_folded(folded.text)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _no_surrogates(folded: str) -> str:
    """`folded` with each lone surrogate as U+FFFD (same length, so the same indexes).
    A Python string may hold one (a prompt built from undecodable bytes) but the
    automaton takes only valid UTF-8: its error reached the app as a bare
    UnicodeEncodeError, no call made and none recorded, where with the filter off the
    call goes ahead. Called only on that error, so the usual text pays nothing."""
    return _SURROGATE_RE.sub("\ufffd", folded)
