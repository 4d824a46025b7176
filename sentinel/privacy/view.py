"""The text the analyzers see, and the way back from a finding to the original text.

Invisible or decomposed characters inside a value hid it from every recognizer: an
e-mail address with a zero-width space in it, a phone number with a NUL or a soft
hyphen between its digits, "Jose\u0301" in NFD, a card number wrapped in bidi controls,
full-width letters, Arabic-Indic digits, mathematical bold letters. The analyzers
therefore see a view of each text: NFC, with format and control characters removed,
Unicode spaces as ASCII spaces (a no-break space between a given name and a surname),
full-width, small and mathematical letters and digits and the address punctuation as
ASCII ("jane\ufe6bexample.com"), every decimal digit of any script as an ASCII digit, VT
and FF as spaces, CR, CRLF and the Unicode line and paragraph separators as "\n", and
a typed doubled space between two words as one, and
the Cyrillic and Greek look-alikes inside a Latin word as Latin letters
(sentinel.privacy.confusables: only in words that mix scripts, so Russian and Greek text
is read as written). Each view character remembers the original span it came from, so a
finding in the view redacts the whole original value, the invisible characters inside
it included, and never half of a combining sequence or of a surrogate pair.

JSON string escapes (`\\u5f20\\u4f1f`, what `json.dumps` writes for 张伟) are decoded
first (sentinel.privacy.escapes), each decoded character mapped to its whole escape.

A text holding none of those characters (nearly all of them) costs two substring checks,
one regex search, an NFC quick check and an ASCII check (a search of the look-alikes when
it is not ASCII), and its view is the text itself.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from sentinel.invisibles import FORMAT_ASTRAL, FORMAT_BMP, char_class
from sentinel.privacy.confusables import unconfused
from sentinel.privacy.entities import Entity
from sentinel.privacy.escapes import decoded

# Removed from the view: every character that renders as nothing (sentinel.invisibles,
# the set the content-safety normaliser drops too: zero-width and bidi controls, soft
# hyphen, variation selectors, tags, Hangul fillers, format controls, "john\u3164smith@...")
# and the C0 and C1 controls but tab and the ones that separate (below). The normaliser
# also drops combining marks, which NFC composes here instead (stray ones: _STRAY_MARKS).
_CONTROLS = "\x00-\x08\x0e-\x1f\x7f-\x9f"
_REMOVED_BMP = _CONTROLS + char_class(FORMAT_BMP)
_REMOVED = _REMOVED_BMP + char_class(FORMAT_ASTRAL)
# Folded to an ASCII space: every Unicode space but the ideographic one (Chinese text's
# own, which its recognizers expect), and the vertical tab and form feed, which a
# document's own layout puts between words: removed, they glued "Anne\x0bLynch" into one.
_SPACES = "\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f"
# Folded to "\n", the line break the recognizers read (a table row's or a field's end):
# CR, and the line and paragraph separators a word processor pastes. CR before LF is
# removed (one break). (Next line, U+0085, is a C1 control: removed like the others.)
_LINE_BREAKS = "\r\u2028\u2029"
# Folded to ASCII: full-width + - . @ _, digits and letters. Other full-width punctuation
# (，：（）) is ordinary Chinese writing the zh recognizers are written for.
_FULL_WIDTH = "\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff3f\uff41-\uff5a"
# And the rest of what NFKC writes as the address punctuation + . @ _ (small and
# superscript forms: "jane\ufe6bexample.com", the small commercial at, is an address).
ADDRESS_MARKS = "\u207a\u208a\u2024\ufb29\ufe33\ufe34\ufe4d-\ufe4f\ufe52\ufe62\ufe6b"
_SURROGATES = "\ud800-\udfff"
# Folded to "-": hyphen, non-breaking hyphen, figure and en dash, minus sign, small
# hyphen-minus, which smart punctuation puts into a typed SSN or phone number. Not the
# em dash and horizontal bar: Chinese punctuation (——), which the zh recognizers read.
_DASHES = "\u2010-\u2013\u2212\ufe63"
_DASH_CHAR = re.compile(f"[{_DASHES}]")
# Letterlike symbols that are one ASCII letter (ℎ ℯ ℊ ℴ ℬ ℋ ℒ ℂ ℝ ...): the mathematical
# alphabets leave holes where these already existed, so a math italic "john" is
# "𝑗𝑜ℎ𝑛" and a script "o" is ℴ; folded like the letters of the math block.
_LETTERLIKE = "".join(
    c
    for c in map(chr, range(0x2100, 0x2150))
    if len(k := unicodedata.normalize("NFKC", c)) == 1 and k.isascii() and k.isalpha()
)
# The generic combining marks (diacritical marks, their extended and supplement blocks,
# marks for symbols, half marks) that NFC left on their own: nothing composes with them,
# so they only break a value up ("zalgo": `4\u03341\u03355-...`, `Ly\u0334nch`), and
# are dropped from the view as the safety normaliser drops them. A script's own marks
# (Devanagari vowel signs, Hebrew points) stay.
_STRAY_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# The digit 0 of every other script's decimal digits (Unicode 15; each block holds 0-9),
# spelled out because one character class searches several times faster than `\d`
# behind a lookahead excluding 0-9 (tests/privacy/test_analysis_view.py checks the list).
DIGIT_ZEROS = (
    *(0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66),
    *(0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80),
    *(0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0),
    *(0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0),
    *(0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50),
    *(0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC),
    *(0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0),
)
_BMP_DIGITS = "".join(f"{chr(z)}-{chr(z + 9)}" for z in DIGIT_ZEROS if z < 0x10000)
# One search decides whether a text needs a view at all. Astral ranges slow a character
# class down several times, so the class takes every character beyond the BMP (an emoji)
# and the few of them that matter (tags, digits) are told apart per match.
_HOSTILE = re.compile(
    f"[{_REMOVED_BMP}{_SPACES}{_LINE_BREAKS}{_FULL_WIDTH}{ADDRESS_MARKS}{_SURROGATES}{_BMP_DIGITS}"
    f"{_STRAY_MARKS}{_LETTERLIKE}{_DASHES}"
    "\U00010000-\U0010ffff]"
)
_STRAY_MARK_RUN = re.compile(f"[{_STRAY_MARKS}]+")
# NFC sorts a run of marks by insertion (CPython), quadratic in its length: a base with
# 100,000 marks took 18 s. No text needs more than 30 marks on one base (UAX 15's
# stream-safe limit), so a longer run is garbage that leaves the view before NFC.
MAX_MARKS = 30
MARKS_BELOW = 0x20000  # every character of a nonzero combining class is below this
# A typed doubled (or tripled) space between two words: "Anne  Lynch" read as two
# clauses (a run of spaces ends one, sentinel.privacy.language), so every recognizer
# found "Anne" and the surname left unmasked. The extra spaces leave the view; four or
# more, or one beside a lone letter or a digit, are a layout's columns and stay.
_EXTRA_SPACES = re.compile(r"(?<=[^\W\d_]{2} ) {1,2}(?=[^\W\d_]{2})")
_REMOVED_CHAR = re.compile(f"[{_REMOVED}]")
_SPACE_CHAR = re.compile(f"[{_SPACES}]")
_ADDRESS_MARK = re.compile(f"[{ADDRESS_MARKS}]")

# Characters of combining class 0 that still compose with the character before them
# (NFC_Quick_Check=Maybe): Hangul vowel and trailing jamo, and these vowel signs and
# length marks (Unicode 15: every canonical pair whose second character is a starter).
_COMPOSING_STARTERS = frozenset(
    [
        *range(0x1161, 0x1176),
        *range(0x11A8, 0x11C3),
        *(0x9BE, 0x9D7, 0xB3E, 0xB56, 0xB57, 0xBBE, 0xBD7, 0xCC2, 0xCD5, 0xCD6, 0xD3E, 0xD57),
        *(0xDCF, 0xDDF, 0xFB5, 0xFB7, 0x102E, 0x1B35, 0x11127, 0x1133E, 0x11357, 0x114B0),
        *(0x114BA, 0x114BD, 0x115AF, 0x11930),
    ]
)


@dataclass(frozen=True)
class View:
    """`text` as the analyzers see it; view character i came from the original span
    `starts[i]:ends[i]` (no arrays: the view is the original, offsets unchanged)."""

    original: str
    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the view span `start:end`, widened to whole combining
        sequences and surrogate pairs."""
        if self.starts is not None and self.ends is not None and start < end:
            start, end = self.starts[start], self.ends[end - 1]
        return _whole(self.original, start, end)

    def entities(self, found: Sequence[Entity]) -> list[Entity]:
        """`found` (sorted view spans that do not overlap) as original spans."""
        out: list[Entity] = []
        for e in found:
            start, end = self.span(e.start, e.end)
            kept = Entity(e.type, start, end, e.score)
            if out and start < out[-1].end:  # two findings widened into one sequence
                last = out.pop()
                longer = last if last.end - last.start >= end - start else kept
                kept = Entity(longer.type, last.start, max(last.end, end), longer.score)
            out.append(kept)
        return out


def analysis_view(text: str) -> View:
    """The view of `text` the analyzers see (see the module docstring), starting from
    its JSON `\\uXXXX` escapes decoded (sentinel.privacy.escapes)."""
    unescaped = decoded(text)
    if unescaped is None:
        return _plain_view(text)
    inner = _plain_view(unescaped[0])
    starts, ends = unescaped[1], unescaped[2]
    if inner.starts is None or inner.ends is None:
        return View(text, inner.text, starts, ends)
    return View(
        text,
        inner.text,
        array("q", (starts[i] for i in inner.starts)),
        array("q", (ends[i - 1] for i in inner.ends)),
    )


def _plain_view(text: str) -> View:
    if not _HOSTILE.search(text) and unicodedata.is_normalized("NFC", text):
        view = View(text, text)
    else:
        view = _unmarked(_composed(text, *_folded(text)))
    if "  " in view.text and _EXTRA_SPACES.search(view.text):
        view = View(view.original, *_without(_EXTRA_SPACES, view.text, view.starts, view.ends))
    if view.text.isascii():  # (no look-alike: one C call, no Python call)
        return view
    seen = unconfused(view.text)  # one for one: the map stays
    return view if seen is view.text else View(view.original, seen, view.starts, view.ends)


def fold(value: str) -> str:
    """The view text of a value alone: how one value written two ways is one value."""
    return analysis_view(value).text


def _folded(text: str) -> tuple[str, array[int] | None, array[int] | None]:
    """Removals and one-for-one folds, visiting only the characters they apply to
    (no map when there were none: only emoji, say)."""
    pieces: list[str] = []
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    pos = 0
    for m in _HOSTILE.finditer(text):
        i, c = m.start(), m.group()
        if i < pos:
            continue  # the low half of a pair taken with its high half
        if c > "\uffff" and not _REMOVED_CHAR.match(c) and _fold_char(c) == c:
            continue  # kept as it is, inside the run of unchanged characters
        pieces.append(text[pos:i])
        starts.extend(range(pos, i))
        ends.extend(range(pos + 1, i + 1))
        pos = i + 1
        if _REMOVED_CHAR.match(c) or (c == "\r" and text.startswith("\n", pos)):
            continue
        if _high(c) and pos < len(text) and _low(text[pos]):
            pieces.append(chr(0x10000 + ((ord(c) - 0xD800) << 10) + ord(text[pos]) - 0xDC00))
            pos += 1
        else:
            pieces.append(_fold_char(c))
        starts.append(i)
        ends.append(pos)
    if not pieces:
        return text, None, None
    pieces.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(pieces), starts, ends


def _fold_char(c: str) -> str:
    if _SPACE_CHAR.match(c):
        return " "
    if c in _LINE_BREAKS:
        return "\n"
    if _ADDRESS_MARK.match(c):
        return unicodedata.normalize("NFKC", c)
    if _DASH_CHAR.match(c):
        return "-"
    if _high(c) or _low(c):
        return "\ufffd"  # a lone surrogate, which no analyzer step could encode
    digit = unicodedata.decimal(c, None)
    if digit is not None:
        return str(digit)
    if "\uff01" <= c <= "\uff5e":
        return chr(ord(c) - 0xFEE0)  # full width to ASCII
    if "\U0001d400" <= c <= "\U0001d7ff" or c in _LETTERLIKE:  # math bold / italic / script
        plain = unicodedata.normalize("NFKC", c)
        return plain if len(plain) == 1 else c
    return c


def _composed(original: str, text: str, starts: array[int] | None, ends: array[int] | None) -> View:
    """NFC, cluster by cluster (a starter and what composes with it), each output
    character spanning its whole cluster when normalisation changed the cluster."""
    if unicodedata.is_normalized("NFC", text):
        return View(original, text, starts, ends)
    if _long_mark_run().search(text):
        text, starts, ends = _without(_long_mark_run(), text, starts, ends)
    if starts is None or ends is None:
        starts, ends = array("q", range(len(text))), array("q", range(1, len(text) + 1))
    out: list[str] = []
    out_starts: array[int] = array("q")
    out_ends: array[int] = array("q")
    first = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and not _starter(text[i]):
            continue
        nfc = unicodedata.normalize("NFC", text[first:i])
        if nfc == text[first:i]:  # else composed or reordered: each is the whole cluster
            out_starts.extend(starts[first:i])
            out_ends.extend(ends[first:i])
        else:
            out_starts.extend([starts[first]] * len(nfc))
            out_ends.extend([ends[i - 1]] * len(nfc))
        out.append(nfc)
        first = i
    view = "".join(out)
    if view != unicodedata.normalize("NFC", text):
        return View(original, text, starts, ends)  # a composition the clusters missed
    return View(original, view, out_starts, out_ends)


def _unmarked(view: View) -> View:
    """`view` without the combining marks NFC left uncomposed (see _STRAY_MARKS)."""
    if not _STRAY_MARK_RUN.search(view.text):
        return view
    return View(view.original, *_without(_STRAY_MARK_RUN, view.text, view.starts, view.ends))


@functools.cache
def _long_mark_run() -> re.Pattern[str]:
    """More than MAX_MARKS characters of a nonzero combining class in a row (built on
    the first text that needs it: a scan of planes 0 and 1)."""
    marks = [c for c in map(chr, range(MARKS_BELOW)) if unicodedata.combining(c)]
    return re.compile(f"[{''.join(marks)}]{{{MAX_MARKS + 1},}}")


def _without(
    pattern: re.Pattern[str], text: str, starts: Sequence[int] | None, ends: Sequence[int] | None
) -> tuple[str, array[int], array[int]]:
    """`text` and its map without `pattern`'s matches (a finding around them still
    covers them: a span runs from its first character's start to its last one's end)."""
    n = len(text)
    starts = starts if starts is not None else range(n)
    ends = ends if ends is not None else range(1, n + 1)
    pieces: list[str] = []
    out_starts: array[int] = array("q")
    out_ends: array[int] = array("q")
    pos = 0
    for m in (*pattern.finditer(text), None):
        cut = m.start() if m else n
        pieces.append(text[pos:cut])
        out_starts.extend(starts[pos:cut])
        out_ends.extend(ends[pos:cut])
        pos = m.end() if m else n
    return "".join(pieces), out_starts, out_ends


def _starter(c: str) -> bool:
    return unicodedata.combining(c) == 0 and ord(c) not in _COMPOSING_STARTERS


def _whole(text: str, start: int, end: int) -> tuple[int, int]:
    """`start:end` widened so that it cuts neither a combining sequence (a base and its
    marks, invisible characters between them included) nor a surrogate pair."""
    if 0 < start < len(text) and _low(text[start]) and _high(text[start - 1]):
        start -= 1
    if 0 < start < len(text) and _mark(text[start]):
        while start > 0 and (_mark(text[start]) or _REMOVED_CHAR.match(text, start)):
            start -= 1  # back to the base, over the invisibles between it and its marks
    if 0 < end < len(text) and _low(text[end]) and _high(text[end - 1]):
        end += 1
    scan = end
    while scan < len(text):
        if _mark(text[scan]):
            end = scan = scan + 1
        elif _REMOVED_CHAR.match(text, scan):
            scan += 1
        else:
            break
    return start, end


def _mark(c: str) -> bool:
    return unicodedata.category(c)[0] == "M"


def _high(c: str) -> bool:
    return "\ud800" <= c <= "\udbff"


def _low(c: str) -> bool:
    return "\udc00" <= c <= "\udfff"
