"""The other forms a list can ask its terms to match in: English plurals (`# plurals:
en`), simplified and traditional Chinese (`# variants: zh`) and spaced-out Latin letters
(`# spaced: latin`). Pure, but for OpenCC's dictionaries, loaded on first use.
"""

from __future__ import annotations

import itertools
import math
import re

from sentinel.safety.normalize import is_word

# the form headers, each with the value that turns it on ("none" turns it off)
FORMS = {"variants": "zh", "plurals": "en", "spaced": "latin"}

_SIBILANT = ("s", "x", "z", "ch", "sh")


def english_plural(term: str) -> str | None:
    """The regular English plural of a folded term ending in a Latin letter, or None
    (irregular ones, mice or children, are terms of their own)."""
    if not ("a" <= term[-1:] <= "z"):
        return None
    if term.endswith(_SIBILANT):
        return term + "es"
    if term[-1] == "y" and term[-2:-1] not in ("", *"aeiou"):
        return term[:-1] + "ies"
    return term + "s"


MAX_MIXED_FORMS = 64  # per term: 6 characters that each have two forms


def zh_variants(term: str) -> list[str]:
    """The simplified and traditional forms of `term` (OpenCC), where they differ, and
    the mixed ones: a writer mixes scripts freely ("開发票", "台灣"), so each character
    may take any of its forms. Past MAX_MIXED_FORMS, only the two whole forms."""
    whole = [c.convert(term) for c in _opencc()]
    forms = [v for v in dict.fromkeys(whole) if v != term]
    if not forms or any(len(v) != len(term) for v in forms):
        return forms
    choices = [list(dict.fromkeys(chars)) for chars in zip(term, *forms, strict=True)]
    if math.prod(len(c) for c in choices) > MAX_MIXED_FORMS:
        return forms
    mixed = ("".join(p) for p in itertools.product(*choices))
    return list(dict.fromkeys([*forms, *(m for m in mixed if m != term)]))


_CONVERTERS: list[object] = []


def _opencc() -> list[object]:
    if not _CONVERTERS:
        import opencc

        _CONVERTERS.extend(opencc.OpenCC(cfg) for cfg in ("s2t", "t2s"))
    return _CONVERTERS


# between the letters of a spaced-out term: 1-3 spaces or dots, dashes, underscores...
_GAP = r"[\s._*/|·-]{1,3}"
_AFTER = 5  # what the end check reads past a match: a gap of 3, a letter, the next one


MAX_SPACED = 100  # spaced terms per load: one regex holds them all, ~3 us per term per KB


def spaced_source(term: str, widest: int) -> tuple[str, int] | None:
    """`term` (folded) as a regex alternative written with a gap between every two
    letters (`i d i o t`, `i.d.i.o.t`, `i - d - i - o - t`), and the width a match may
    read, or None for a term that is not one Latin word of 2 letters or more, or would
    be wider than `widest`."""
    if len(term) < 2 or not all(is_word(c) for c in term):
        return None
    width = len(term) + 3 * (len(term) - 1) + _AFTER
    if width > widest:
        return None
    return _GAP.join(re.escape(c) for c in term), width


def spaced_pattern(alternatives: list[str]) -> str:
    """One regex for a category's spaced terms (one search per text, not one per term).
    A match must start and end a word, as a plain term must: a letter or digit right
    after its last letter (`s c a m1`, `s c a mx`) makes it no match, as `scam1` is
    none; nor may it go on into more spaced-out letters (`a s s e t s` is not `ass`;
    `a s s ok` is: a word follows). The end check is a
    lookahead of at most `_AFTER` characters, counted in each term's width, so a
    streamed answer (held back by the widest match) sees what a whole one does. Letters
    spaced out before the match are not checked (`x i d i o t` masks `i d i o t`): a
    stream keeps one released character of context."""
    return rf"\b(?:{'|'.join(alternatives)})\b(?!{_GAP}[^\W_](?![^\W_]))"
