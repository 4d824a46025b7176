"""The literal strings every match of a recognizer's patterns must contain.

A pattern recognizer that finds nothing still costs one regex scan per pattern, and the
type gates open for whole types (every address recognizer runs once any address gate
matched). Read off the patterns themselves, a *need* is a set of literals of which every
match holds at least one ("Sokak", "Blvd", "号楼"): when a text holds none, the
recognizer cannot find anything there and is skipped. Because the need is computed
from the patterns when the registry is built, a pattern added or changed later moves
its need along; nothing is declared twice. A construct this reading does not follow (a
back reference, a syntax only the `regex` module parses) makes the recognizer needless,
so it always runs, as before.

Case: a literal under IGNORECASE (global or scoped) is searched case-insensitively by
the same `regex` engine Presidio matches with, so the two agree on every character.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse

import regex
from presidio_analyzer import PatternRecognizer

from sentinel.privacy.entities import _ASCII_OR_CASELESS

# (text, case-insensitive) literals; None: no literal is required.
Literals = frozenset[tuple[str, bool]] | None
_MAX_CLASS = 8  # a character class of at most this many plain characters is an alternation
# A need of more literals than this costs more substring tests than it can save: the
# recognizer then simply runs (an address recognizer's hundreds of street types).
_MAX_NEED = 64
# Flags both engines read alike; another `regex` flag (FULLCASE, V1 ...) makes no need.
_SHARED_FLAGS = int(re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE)
# `regex`-only syntax that `re` would read as plain characters: POSIX classes, fuzzy counts.
_REGEX_ONLY = re.compile(r"\[:|\{\s*[eisd]\s*[<=]")


class Need:
    """Matches a text holding at least one of the literals."""

    def __init__(self, literals: frozenset[tuple[str, bool]]) -> None:
        self.exact = tuple(sorted(s for s, icase in literals if not icase))
        folded = sorted(s for s, icase in literals if icase)
        self.folded = (
            regex.compile("|".join(map(regex.escape, folded)), regex.IGNORECASE) if folded else None
        )

    def search(self, text: str) -> bool:
        if any(s in text for s in self.exact):
            return True
        return self.folded is not None and self.folded.search(text) is not None


def recognizer_need(recognizer: object) -> Need | None:
    """The need of a plain PatternRecognizer (its own `analyze` is Presidio's: only the
    patterns find); None for any other recognizer or when a pattern needs nothing."""
    if not isinstance(recognizer, PatternRecognizer):
        return None
    if type(recognizer).analyze is not PatternRecognizer.analyze:
        return None  # finds by more than its patterns
    found: set[tuple[str, bool]] = set()
    for pattern in recognizer.patterns:
        literals = pattern_literals(pattern.regex, recognizer.global_regex_flags or 0)
        if not literals:
            return None
        found |= literals
    return Need(frozenset(found)) if 0 < len(found) <= _MAX_NEED else None


def pattern_literals(pattern: str, flags: int = 0) -> Literals:
    """Literals of which every match of `pattern` (compiled with `flags`) holds one."""
    if int(flags) & ~_SHARED_FLAGS or _REGEX_ONLY.search(pattern):
        return None
    try:
        parsed = sre_parse.parse(pattern, flags)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    icase = bool((flags | parsed.state.flags) & re.IGNORECASE)
    return _sequence(list(parsed), icase)


def _sequence(items: list, icase: bool) -> Literals:
    """The most selective requirement among the parts of a sequence: a run of adjacent
    literals, or one required part's own literals."""
    candidates: list[frozenset[tuple[str, bool]]] = []
    run: list[str] = []
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            candidates.append(frozenset({("".join(run), icase)}))
            run = []
        found = _node(op, arg, icase)
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({("".join(run), icase)}))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(s) for s, _ in c), -len(c)))


def _node(op: object, arg: object, icase: bool) -> Literals:
    if op is sre.SUBPATTERN:
        _, add, remove, body = arg  # type: ignore[misc]
        scoped = (icase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
        return _sequence(list(body), scoped)
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(arg), icase)  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, body = arg  # type: ignore[misc]
        return _sequence(list(body), icase) if low >= 1 else None
    if op is sre.BRANCH:
        out: set[tuple[str, bool]] = set()
        for branch in arg[1]:  # type: ignore[index]
            found = _sequence(list(branch), icase)
            if not found:
                return None
            out |= found
        return frozenset(out)
    if op is sre.IN:
        chars = [chr(a) for o, a in arg if o is sre.LITERAL]  # type: ignore[union-attr]
        if len(chars) == len(arg) and 0 < len(chars) <= _MAX_CLASS:  # type: ignore[arg-type]
            return frozenset((c, icase) for c in chars)
    return None  # a class, any character, an assertion, a back reference: no literal


# Characters re.IGNORECASE matches to an ASCII letter although they are not ASCII.
_MIN_KEY = 3
_ASCII_CASE_MATES = frozenset("\u0130\u0131\u017f\u212a")  # İ ı ſ K (Kelvin)
# ASCII and characters without case: `entities`' set, with Hangul syllables and kana.
_PLAIN_RUN = re.compile(_ASCII_OR_CASELESS.pattern.replace("]*", "\u3040-\u30ff\uac00-\ud7a3]+"))


class Prefilter:
    """A quick necessary test for a case-insensitive stdlib `re` gate: one of its
    literals present. (`re` skips ahead to a case-sensitive alternation's first
    characters, but scans every position of a case-insensitive one.)

    A case-insensitive literal is reduced to its longest run of ASCII or caseless
    characters, which IGNORECASE matches exactly where the run occurs in the lower-cased
    text, unless the text holds one of the four non-ASCII case-mates of ASCII letters
    (then the gate itself is searched)."""

    def __init__(self, exact: frozenset[str], folded: frozenset[str]) -> None:
        self.exact = tuple(sorted(exact))
        self.folded = tuple(sorted(folded))

    @classmethod
    def of(cls, gate: re.Pattern[str]) -> Prefilter | None:
        """None where it would not pay: a case-sensitive gate, a literal reduced to
        fewer than _MIN_KEY characters (present in most texts)."""
        if not gate.flags & re.IGNORECASE:
            return None
        literals = pattern_literals(gate.pattern, gate.flags)
        if not literals:
            return None
        exact, folded = set(), set()
        for text, icase in literals:
            if not icase:
                exact.add(text)
                continue
            key = max(_PLAIN_RUN.findall(text), key=len, default="")
            if len(key) < _MIN_KEY:
                return None
            folded.add(key.lower())
        return cls(frozenset(exact), frozenset(folded))

    def may_match(self, text: str) -> bool:
        if any(k in text for k in self.exact):
            return True
        if not self.folded:
            return False
        if not _ASCII_CASE_MATES.isdisjoint(text):
            return True
        low = text.lower()
        return any(k in low for k in self.folded)
