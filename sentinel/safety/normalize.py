"""The one text form both the term lists and the scanned text are matched in.

Case and width are folded character for character (so a match's position in the folded
text is its position in the original), and spaces or punctuation between two CJK
characters are dropped ("敏 感", "敏.感", "敏​感" read as "敏感"): a filter that such
padding defeats is no filter. Dropping characters shifts positions, so `Folded` keeps
the few shift points needed to map a match back onto the original text. Pure.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# CJK ideographs (incl. extension A and compatibility), kana, hangul syllables.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
# What padding between CJK characters may consist of, after width folding: whitespace,
# ASCII and CJK punctuation, zero-width characters.
SEPARATORS = (
    r"\s!-/:-@\[-`{-~\u00a0\u00b7\u2000-\u206f\u3000-\u303f\u30fb\ufeff"
    r"\uff5f-\uff65\ufe30-\ufe4f"
)
_CJK_RE = re.compile(f"[{CJK}]")
_PAD_RE = re.compile(f"(?<=[{CJK}])[{SEPARATORS}]+(?=[{CJK}])")
_SEP_RE = re.compile(f"[{SEPARATORS}]")
_WIDE_RE = re.compile("[\u3000\uff01-\uff5e]")


def _fold_table() -> dict[int, str]:
    """Full-width ASCII to ASCII, then every character whose lower case is one
    character to it: a 1:1 map, so folding never moves a character."""
    table: dict[int, str] = {0x3000: " "}
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0).lower()
    return table


_WIDE = _fold_table()


def _lower_1to1(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # rare (e.g. U+0130 lowers to two characters): fold one by one, keeping length
    return "".join(c if len(lc := c.lower()) != 1 else lc for c in text)


def fold(text: str) -> str:
    """Lower case and half width, same length as `text`."""
    low = _lower_1to1(text)
    return low.translate(_WIDE) if _WIDE_RE.search(low) else low


def is_cjk(char: str) -> bool:
    return bool(_CJK_RE.match(char))


def is_separator(char: str) -> bool:
    return bool(_SEP_RE.match(char))


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

    def raw(self, i: int) -> int:
        if not self.starts:
            return i
        k = bisect.bisect_right(self.starts, i)
        return i + (self.shifts[k - 1] if k else 0)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end) (end exclusive)."""
        return self.raw(start), self.raw(end - 1) + 1


def normalize(text: str) -> Folded:
    folded = fold(text)
    if _PAD_RE.search(folded) is None:
        return Folded(folded)
    parts: list[str] = []
    starts: list[int] = []
    shifts: list[int] = []
    pos = dropped = 0
    for m in _PAD_RE.finditer(folded):
        parts.append(folded[pos : m.start()])
        dropped += m.end() - m.start()
        starts.append(m.end() - dropped)
        shifts.append(dropped)
        pos = m.end()
    parts.append(folded[pos:])
    return Folded("".join(parts), tuple(starts), tuple(shifts))
