"""The characters that render as nothing, declared once for every reader of hostile text.

A reader sees "id\\u200biot" as "idiot" and "john\\u2060@example.com" as an address, so
both the content-safety normaliser (sentinel/safety/normalize.py) and the privacy
analysis view (sentinel/privacy/view.py) drop these characters before they match
anything. They were declared in each, and drifted: the view knew the Khmer inherent
vowels, U+FFF0-FFFB and the shorthand and musical format controls, the filter did not,
so "id\\ufff0iot" passed it. Each reader adds its own on top (the filter drops combining
diacritical marks, as it folds accents; the view drops C0 and C1 controls, which a
recognizer's value never holds), but the format characters are these.

What is here: every format character (general category Cf) but Unicode's prepended
concatenation marks (the Arabic number signs, U+0600-0605 and the like, which are
visible), and the rest of the default-ignorable code points (Unicode's
Default_Ignorable_Code_Point: soft hyphen, combining grapheme joiner, Hangul fillers,
Khmer inherent vowels, Mongolian free variation selectors, variation selectors and their
supplement, the unassigned rest of U+E0000-E0FFF). tests/architecture/test_invisibles.py
checks the Cf part against unicodedata.
"""

from __future__ import annotations

from collections.abc import Iterable

# (first, last) code points, BMP first: a regex class holding only the BMP part is one
# bitmap test a character, while each range above U+FFFF is one more test for every
# character searched, so readers that keep astral text on a path of its own take them
# apart (FORMAT_BMP, FORMAT_ASTRAL).
FORMAT_BMP: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte-order mark (zero-width no-break space)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFFB),  # unassigned default-ignorables, interlinear annotation controls
)
FORMAT_ASTRAL: tuple[tuple[int, int], ...] = (
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls (beams, ties, slurs, phrases)
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement, unassigned ignorables
)
FORMAT_RANGES = FORMAT_BMP + FORMAT_ASTRAL


def char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """The body of a regex character class (no brackets) matching the code point
    ranges (first, last), so a reader can join it with its own characters."""
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def characters(ranges: Iterable[tuple[int, int]]) -> frozenset[str]:
    """Every character of the ranges, for `in` tests one character at a time."""
    return frozenset(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
