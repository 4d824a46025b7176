"""The one text form both the term lists and the scanned text are matched in.

Case, width and look-alike forms are folded character for character (so a match's
position in the folded text is its position in the original): full-width letters and
digits, accented letters (`é` is `e`), Kangxi radicals and CJK compatibility
ideographs (`⼤` is `大`, as NFKC has it) and every Unicode space (NBSP, thin space...,
a space). Spaces, punctuation or symbols between two CJK characters are dropped ("敏 感",
"敏.感", "敏​感", "敏😀感" read as "敏感"): a filter that such padding defeats is no
filter. Invisible characters and combining diacritical marks are dropped anywhere
(`i\u0301d\u0301iot` is `idiot`). Dropping characters shifts positions, so `Folded` keeps
the few shift points needed to map a match back onto the original text. Pure.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from operator import sub

from sentinel.invisibles import FORMAT_ASTRAL, FORMAT_RANGES, char_class, characters
from sentinel.safety.compattable import COMPAT_FROM, COMPAT_TO, EXPAND
from sentinel.safety.foldtable import FOLD_FROM, FOLD_TO
from sentinel.safety.symbols import SYMBOL_RANGES, SYMBOL_SET, SYMBOLS


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """A regex character class of the code point ranges (first, last)."""
    return "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]"


# CJK ideographs (incl. extension A and compatibility), kana, hangul syllables; and the
# ideographs above U+FFFF (extensions B-H and the compatibility supplement, planes 2 and
# 3: Cantonese and names use them), or `𠮶idiot` was one word and hid the term.
_CJK_BMP = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
CJK = _CJK_BMP + "\U00020000-\U0003ffff"
# What padding between CJK characters may consist of, after width folding: whitespace,
# ASCII and CJK punctuation, zero-width characters; then symbols and emoji. (Whitespace
# spelled out, not `\s`: a category in a class is one more test of every character.)
_WHITESPACE = "".join(f"\\u{cp:04x}" for cp in range(0x10000) if chr(cp).isspace())
_PUNCTUATION = _WHITESPACE + (
    r"!-/:-@\[-`{-~\u00a0\u00b7\u2000-\u206f\u3000-\u303f\u30fb\ufeff"
    r"\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
SEPARATORS = _PUNCTUATION + SYMBOLS
# The longest padding between two CJK characters: a longer run is not one word padded
# but two apart, and a stream holds back at most this much trailing padding.
MAX_PADDING = 256
# Invisible characters (sentinel.invisibles: soft hyphen, zero-width space/joiners, word
# joiner, BOM, bidirectional marks, embeddings and isolates, variation selectors, tag
# characters, Hangul fillers, format controls...): a reader sees "id\u200biot" (or
# "id\u200eiot", "id\ufe01iot", "id\U000e0100iot", "id\u3164iot") as "idiot" in any
# script, so they are dropped everywhere, not only between CJK characters. A character
# class, as one regex search: ranges make `in` tests too many.
# Combining diacritical marks (and their extended and supplement blocks, and the half
# marks) are dropped the same way: "i\u0301d\u0301i\u0301o\u0301t\u0301" reads "idiot", and
# precomposed accented letters fold to their base letter below, so both spellings agree.
# (Marks that are letters' vowels in other scripts, Devanagari or Thai, are kept.)
_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0xFE20, 0xFE2F))
_INVISIBLE_RANGES = FORMAT_RANGES + _MARK_RANGES
_TAGS = FORMAT_ASTRAL[-1]  # tags and variation selectors supplement: plane 14
WORD_JOINER = "\u2060"
INVISIBLE = characters(_INVISIBLE_RANGES)
MARKS = characters(_MARK_RANGES)
# Regexes take the ranges, not the characters: a class listing characters above U+FFFF
# one by one is tried character by character (fold_light on a KB of Chinese: 2-5x).
_INVISIBLE_RANGES_RE = _char_class(_INVISIBLE_RANGES)[1:-1]
PAD = f"[{SEPARATORS}]{{1,{MAX_PADDING}}}"
_CJK_RE = re.compile(f"[{CJK}]")
# a CJK character, then the padding (group 1) before the next one: cheaper than a
# lookbehind, which the regex engine would try at every position
_PAD_RE = re.compile(f"[{CJK}]({PAD})(?=[{CJK}])")
_PUNCT_RE = re.compile(f"[{_PUNCTUATION}]")
_MARK_RE = re.compile(_char_class(_MARK_RANGES))
# A run of them is dropped up to MAX_PADDING long, like padding: a longer one is kept
# (no reader's typo), so a stream never holds back an unbounded run of invisible text.
# Invisible characters inside padding are padding too: "笨 \u180b 蛋" is "笨蛋" (dropped
# one by one, they left the spaces around them, which then joined nothing). Only here:
# the other padding searches run on texts without invisible characters.
# A run of spaces keeps its first and drops the rest, invisible characters among them.
_PAD_OR_INVISIBLE_RE = re.compile(
    f"[{CJK}]([{SEPARATORS}{_INVISIBLE_RANGES_RE}]{{1,{MAX_PADDING}}})(?=[{CJK}])"
    f"| ([ {_INVISIBLE_RANGES_RE}]{{1,{MAX_PADDING}}})"
    f"|(?<![{_INVISIBLE_RANGES_RE}])([{_INVISIBLE_RANGES_RE}]{{1,{MAX_PADDING}}})(?![{_INVISIBLE_RANGES_RE}])"
)
# The ideographic space is the full-width space ("ｆｒｅｅ　ｍｏｎｅｙ" is "free money"):
# common in Chinese text, so replaced by one C call rather than sent down the wide path.
IDEOGRAPHIC_SPACE = "\u3000"
# Where a character's canonical decomposition (NFD) is one character once its
# combining marks are dropped, it folds to that one (`é` to `e`, a CJK compatibility
# ideograph to the ideograph), and so do the radicals NFKC maps to an ideograph (`⼤`
# to `大`): sentinel.safety.foldtable. (The compatibility supplement above U+FFFF is
# left out: a class range up there costs every text a check.) Each accented letter is
# one substitution (~0.35 us): a KB of French adds ~10 us, of Vietnamese ~100 us.
# Every Unicode space (Zs) but the ideographic one (its own C call above) is a space,
# and so are newline, tab and CR (by C calls of their own: `_spaces`; ASCII text skips
# the table) and the line separators: a run of them (up to MAX_PADDING + 1) reads as
# the one space a multi-word term is written with ("free\n\nmoney", "free \t money").
SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
    "\x85\u2028\u2029"  # (and the next line, paragraph separators: not Zs, but lines)
)
# what NFKC writes as two or three letters or digits (ligatures): written out by
# normalize (so never by fold_light, which keeps lengths)
_EXPAND = {ord(k): v for k, v in EXPAND.items()}


def _spaces(low: str) -> str:
    if "\n" in low:
        low = low.replace("\n", " ")
    if "\t" in low:
        low = low.replace("\t", " ")
    if "\r" in low:
        low = low.replace("\r", " ")
    return low


def _lower_1to1(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # rare (e.g. U+0130 lowers to two characters): fold one by one, keeping length
    return "".join(c if len(lc := c.lower()) != 1 else lc for c in text)


def _fold_table() -> dict[int, str]:
    """Every character `fold` replaces, to what: 1:1, so folding never moves a
    character. The decomposed and radicals as above, Unicode spaces (Zs) to a space,
    full-width letters and digits to ASCII (full-width punctuation, common in Chinese
    text, is padding above, so folding it would only cost time), and the invisible
    format controls of planes 1 (hieroglyph, shorthand, musical) to the word joiner, an
    invisible character of the BMP, so the searches for those need no range of their own
    up there (see _ASTRAL_RE)."""
    table = {ord(a): b for a, b in zip(FOLD_FROM, FOLD_TO, strict=True)}
    table.update({ord(a): b for a, b in zip(COMPAT_FROM, COMPAT_TO, strict=True)})
    table.update(dict.fromkeys(map(ord, SPACES), " "))
    wide = (cp for cp in range(0xFF10, 0xFF5B) if chr(cp).isalnum())
    table.update({cp: chr(cp - 0xFEE0).lower() for cp in wide})
    plane1 = (c for lo, hi in FORMAT_ASTRAL if hi < _TAGS[0] for c in range(lo, hi + 1))
    table.update(dict.fromkeys(plane1, WORD_JOINER))
    return table


_WIDE = _fold_table()


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    """Consecutive code points as (first, last) ranges."""
    out: list[list[int]] = []
    for cp in sorted(codes):
        if out and cp == out[-1][1] + 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return [(lo, hi) for lo, hi in out]


# The keys below U+10000 are one bitmap test per character however many ranges they
# make. Above it each range is a test of its own for every character (the keys' own
# ~40 ranges cost a KB of Chinese 44 us, the two blocks they lie in 2.5 us, as much
# as the rest of the search): those are searched for only in a text that holds a
# character above U+FFFF at all (`_has_astral`, one C call). The blocks' few
# unassigned code points fold to themselves, and so do the rare scripts and symbols
# between the plane-1 format controls and the mathematical letters (Tangut, hentaigana,
# Duployan, musical symbols): one range from the first to the last costs less than four.
_WIDE_RE = re.compile(_char_class(_ranges([k for k in _WIDE if k <= 0xFFFF])))
_ASTRAL_RE = re.compile(_char_class(((FORMAT_ASTRAL[0][0], 0x1D7FF), (0x1F100, 0x1F1E5))))
# CPython keeps a string with any character above U+FFFF at 4 bytes a character
# (PEP 393), which its size tells without reading it (~0.2 us): a base of its own,
# so a version whose string header differs still tells the same.
_UCS4_BASE = sys.getsizeof("\U00010000") - 4


def _has_astral(text: str) -> bool:
    return sys.getsizeof(text) - 4 * len(text) >= _UCS4_BASE


_EXPAND_CLASS = _char_class(_ranges(list(_EXPAND)))[1:-1]
_EXPAND_RE = re.compile(f"[{_EXPAND_CLASS}]")


def _half(m: re.Match[str]) -> str:
    c = m.group()
    return _WIDE.get(ord(c), c)


def fold_chars(text: str) -> str:
    """`text` with the characters `fold` replaces replaced, case left alone: for a list
    regex's source, matched against folded text (`café` there must read `cafe`)."""
    text = _WIDE_RE.sub(_half, text) if _WIDE_RE.search(text) else text
    return _ASTRAL_RE.sub(_half, text) if _has_astral(text) else text


def fold(text: str) -> str:
    """Lower case, half width, accents, radicals and spaces folded, same length as
    `text`. (A substitution of the few such characters, not str.translate: that costs
    ~60 us per KB of CJK text.)"""
    return _widened(_lowered(text))


def _lowered(text: str) -> str:
    low = _spaces(_lower_1to1(text))
    return low.replace(IDEOGRAPHIC_SPACE, " ") if IDEOGRAPHIC_SPACE in low else low


def _widened(low: str) -> str:
    if _WIDE_RE.search(low):
        low = _WIDE_RE.sub(_half, low)
    return _ASTRAL_RE.sub(_half, low) if _has_astral(low) else low


def is_cjk(char: str) -> bool:
    return bool(_CJK_RE.match(char))


def is_word(char: str) -> bool:
    """A letter or digit of a script that separates words (so a term must not start or
    end inside one: "ass" is not in "class")."""
    return char.isalnum() and not is_cjk(char)


@dataclass(frozen=True, slots=True)
class Folded:
    """`text` folded and unpadded; `raw(i)` is where its character i came from."""

    text: str
    starts: tuple[int, ...] = ()  # folded index where each shift begins
    shifts: tuple[int, ...] = ()  # characters dropped before that index, cumulative
    # original index of a dropped run that starts with combining marks: how many
    marks: dict[int, int] | None = None

    def raw(self, i: int) -> int:
        if not self.starts:
            return i
        k = bisect.bisect_right(self.starts, i)
        return i + (self.shifts[k - 1] if k else 0)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end) (end exclusive), with the
        combining marks of its last character (a mask covers the letters it matched,
        their accents included, and nothing after them)."""
        stop = self.raw(end - 1) + 1
        if self.marks:
            stop += self.marks.get(stop, 0)
        return self.raw(start), stop


# Each range above U+FFFF in a class is one more test for every character searched, so
# a text with no character up there (`_has_astral`, one C call) is searched with the
# invisible characters of the BMP only, and the others with the tags' plane too (the
# plane-1 format controls are word joiners by then: _fold_table).
_BMP_INVISIBLE = _char_class(r for r in _INVISIBLE_RANGES if r[1] <= 0xFFFF)[1:-1]
_INVISIBLE_RE = re.compile(f"[{_BMP_INVISIBLE}]")
_INVISIBLE_ALL_RE = re.compile(f"[{_BMP_INVISIBLE}{char_class([_TAGS])}]")
_RARE_RE = re.compile(f"[{_BMP_INVISIBLE}{_EXPAND_CLASS}]")
_RARE_ALL_RE = re.compile(f"[{_BMP_INVISIBLE}{char_class([_TAGS])}{_EXPAND_CLASS}]")
# What sends an astral text from fold_light to normalize: mathematical or enclosed
# letters, plane-1 format controls (_ASTRAL_RE's ranges, as one: Adlam, Mende Kikakui
# and playing cards lie between them too) and the tags' plane.
_ASTRAL_RARE_RE = re.compile(_char_class(((FORMAT_ASTRAL[0][0], 0x1F1E5), _TAGS)))
# What `fold_light` looks for, in one search: wide letters and digits or invisible
# characters (rare: they move or drop characters anywhere, so `normalize` takes over),
# or padding between CJK characters, which _UNPAD_RE then drops (a lookbehind: a sub
# with a group template instead is ~10x slower on Python 3.11).
_LIGHT_RE = re.compile(f"({_WIDE_RE.pattern}|[{_BMP_INVISIBLE}{_EXPAND_CLASS}])|{_PAD_RE.pattern}")
_UNPAD_RE = re.compile(f"(?<=[{CJK}]){PAD}(?=[{CJK}])")
_HEAVY_RE = re.compile(f"{_WIDE_RE.pattern}|[{_BMP_INVISIBLE}{_EXPAND_CLASS}]")
# a run of spaces: the first kept, the rest (group) dropped, MAX_PADDING at a time
_RUN_RE = re.compile(f" ( {{1,{MAX_PADDING}}})")
_LONG_RUN_RE = re.compile(f" {{{MAX_PADDING + 2}}}")
# A text with no character above U+FFFF (most) is searched with classes that leave out
# the ranges up there: re tests those one by one after the bitmap (the padding search
# over 1 KB of mixed text: 7 us, 9 us with them). One search tells whether it holds
# anything but padding and runs of spaces to fold or drop (`_BMP_RARE_RE`, for both
# fold's and normalize's: ~2.5 us a KB each).
_BMP_RARE_RE = re.compile(f"[{_WIDE_RE.pattern[1:-1]}{_BMP_INVISIBLE}{_EXPAND_CLASS}]")
_BMP_PAD = f"[{_PUNCTUATION}{_char_class(r for r in SYMBOL_RANGES if r[1] <= 0xFFFF)[1:-1]}]"
_BMP_PAD_RE = re.compile(f"[{_CJK_BMP}]({_BMP_PAD}{{1,{MAX_PADDING}}})(?=[{_CJK_BMP}])")
# The punctuation of SEPARATORS, for str.rstrip (every one is below U+3100 or in the
# U+FE00-U+FFFF block, and no whitespace lies above U+3000); the symbols are a set of
# their own: rstrip with all ~9,000 separators costs ~4 us, with these ~0.2 us.
_PUNCTUATION_CHARS = "".join(
    c for c in map(chr, (*range(0x3100), *range(0xFE00, 0x10000))) if _PUNCT_RE.match(c)
)
SEPARATOR_SET = frozenset(_PUNCTUATION_CHARS) | SYMBOL_SET  # every separator


def strip_separators(text: str) -> str:
    """`text` without its trailing separators (`text.rstrip` of every one of them)."""
    stripped = text.rstrip(_PUNCTUATION_CHARS)
    while stripped[-1:] in SYMBOL_SET:  # rare: a trailing symbol
        stripped = stripped[:-1].rstrip(_PUNCTUATION_CHARS)
    return stripped


def fold_light(text: str) -> str | None:
    """`normalize(text).text` in a few C calls, for the usual text (lower-casing keeps
    its length, no wide letters or invisible characters, CJK padding allowed); None for
    the rest, which only `normalize` maps back. A stream's pieces are tens of
    characters, where normalize's Python bookkeeping costs more than the searching."""
    low = text.lower()
    if len(low) != len(text):
        return None
    low = _spaces(low)
    if IDEOGRAPHIC_SPACE in low:
        low = low.replace(IDEOGRAPHIC_SPACE, " ")
    if _has_astral(low) and _ASTRAL_RARE_RE.search(low):
        return None  # (mathematical or enclosed letters, tags: rare)
    if low.isascii() or (found := _LIGHT_RE.search(low)) is None:
        return _unrun(low) if "  " in low else low
    if found.group(1) or _HEAVY_RE.search(low, found.start()):
        return None
    low = _UNPAD_RE.sub("", low)
    return _unrun(low) if "  " in low else low


def _unrun(low: str) -> str | None:
    """Each run of spaces as one (None for a run longer than MAX_PADDING + 1, which
    normalize splits: tail_start reads runs whole)."""
    if _LONG_RUN_RE.search(low):
        return None
    return _RUN_RE.sub(" ", low)


def _has_invisible(folded: str, astral: bool) -> bool:
    return (_INVISIBLE_ALL_RE if astral else _INVISIBLE_RE).search(folded) is not None


def normalize(text: str) -> Folded:
    low = _lowered(text)
    if _has_astral(low) or _BMP_RARE_RE.search(low):
        return _normalize_rare(_widened(low))
    spans = _pads_and_runs(low, low.isascii(), _BMP_PAD_RE)
    return _dropped(low, spans, False) if spans else Folded(low)


def _normalize_rare(folded: str) -> Folded:
    """`normalize` of a folded text with characters above U+FFFF, or with any to fold
    or drop besides padding and runs of spaces."""
    marked = expand = False  # combining marks are dropped; ligatures are written out
    ascii_ = folded.isascii()
    astral = not ascii_ and _has_astral(folded)
    if not ascii_ and (_RARE_ALL_RE if astral else _RARE_RE).search(folded):  # (usually none)
        expand = _EXPAND_RE.search(folded) is not None
        if _has_invisible(folded, astral):
            spans = [m.span(m.lastindex or 1) for m in _PAD_OR_INVISIBLE_RE.finditer(folded)]
            marked = _MARK_RE.search(folded) is not None
        else:
            spans = _pads_and_runs(folded, ascii_)
    else:
        spans = _pads_and_runs(folded, ascii_)
    if expand:
        return _edited(folded, spans, marked)
    return _dropped(folded, spans, marked) if spans else Folded(folded)


def _dropped(folded: str, spans: list[tuple[int, int]], marked: bool) -> Folded:
    """`folded` without the characters of `spans`, and the map back (built in C calls
    over the spans: a KB of mixed text has a dozen padding spans)."""
    begins, ends = zip(*spans, strict=True)
    shifts = tuple(accumulate(map(sub, ends, begins)))
    kept = "".join(map(folded.__getitem__, map(slice, (0, *ends), (*begins, None))))
    marks = _leading_marks(folded, spans) if marked else None
    return Folded(kept, tuple(map(sub, ends, shifts)), shifts, marks)


def _pads_and_runs(
    folded: str, ascii_: bool, pad_re: re.Pattern[str] = _PAD_RE
) -> list[tuple[int, int]]:
    """What is dropped from a text without invisible characters: CJK padding, and all
    but the first space of each run outside it. Two searches, not one alternation: a
    regex that starts with one character class skips ahead to it in C (~8 us a KB of
    Chinese), an alternation tries every position (~13 us)."""
    spans = [] if ascii_ else [m.span(1) for m in pad_re.finditer(folded)]
    if "  " not in folded:
        return spans
    runs = [m.span(1) for m in _RUN_RE.finditer(folded)]
    if not spans:
        return runs
    # a run inside padding is dropped with it (a run is spaces only: inside or apart)
    kept = [r for r in runs if not _inside(r, spans)]
    return sorted(spans + kept) if kept else spans


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(spans, span) - 1
    return i >= 0 and spans[i][1] >= span[1]


def _edited(folded: str, spans: list[tuple[int, int]], marked: bool) -> Folded:
    """`normalize` of a text with ligatures: each written out, every character of it
    mapped to the ligature (a mask covers that one character), spans dropped."""
    found = ((m.start(), m.end(), _EXPAND[ord(m.group())]) for m in _EXPAND_RE.finditer(folded))
    edits = sorted([*((start, end, "") for start, end in spans), *found])
    parts: list[str] = []
    starts: list[int] = []
    shifts: list[int] = []
    pos = dropped = 0  # original index minus folded index (< 0 after a ligature)
    for start, end, written in edits:
        parts.append(folded[pos:start])
        at = start - dropped  # where `written` begins in the folded text
        for j in range(1, len(written)):
            starts.append(at + j)
            shifts.append(dropped - j)
        parts.append(written)
        dropped += end - start - len(written)
        starts.append(at + len(written))
        shifts.append(dropped)
        pos = end
    parts.append(folded[pos:])
    marks = _leading_marks(folded, spans) if marked else None
    return Folded("".join(parts), tuple(starts), tuple(shifts), marks)


def _leading_marks(folded: str, spans: list[tuple[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start, end in spans:
        n = 0
        while start + n < end and folded[start + n] in MARKS:
            n += 1
        if n:
            out[start] = n
    return out
