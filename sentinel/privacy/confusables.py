"""Cyrillic and Greek look-alikes inside Latin words, read as the Latin letters they show.

"jоhn.smith@gmаil.com" with a Cyrillic о and а, or "Brаndon" with one, looks like the
address and the name to every reader, but no recognizer matched it: an e-mail pattern
wants Latin letters, a name list holds Latin spellings. The analysis view therefore
reads such a letter as the ASCII letter Unicode's confusables data says it looks like
(sentinel/privacy/confusable_table.py, generated from UTS #39's confusables.txt), one
for one, so the view keeps its offsets and a finding redacts the original letters.

Only inside a word that mixes scripts: a run of letters holding at least one Latin
letter, whose every other letter is one of those look-alikes. A Russian or Greek word
("сор", "Оксана", "ναός") has no Latin letter and is read as written, and so is a word
with a Cyrillic letter that looks like no Latin one ("Googleпоиск"), which is two words
run together, not a disguise.
"""

from __future__ import annotations

import re

from sentinel.privacy.confusable_table import CONFUSABLE_FROM, CONFUSABLE_TO

_LATIN = str.maketrans(CONFUSABLE_FROM, CONFUSABLE_TO)
_LOOKALIKE = re.compile(f"[{CONFUSABLE_FROM}]")
# A look-alike next to an ASCII letter: where a mixed word can be (searched only from
# the first look-alike on, so Chinese text costs one search of one class).
_MIXED = re.compile(f"[A-Za-z][{CONFUSABLE_FROM}]|[{CONFUSABLE_FROM}][A-Za-z]")
# A word: a run of Latin, Greek and Cyrillic letters (a Chinese sentence writes an
# address right after its own characters: "邮箱jоhn@...", whose word is "jоhn").
_LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_OTHER_LETTERS = "\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
_WORD = re.compile(f"[{_LATIN_LETTERS}{_OTHER_LETTERS}{CONFUSABLE_FROM}]+")
_LATIN_LETTER = re.compile(f"[{_LATIN_LETTERS}]")


def unconfused(text: str) -> str:
    """`text` with the look-alikes of every mixed word read as Latin, same length."""
    if text.isascii():
        return text
    first = _LOOKALIKE.search(text)
    if first is None or not _MIXED.search(text, max(first.start() - 1, 0)):
        return text
    return _WORD.sub(_latin_word, text)


def _latin_word(m: re.Match[str]) -> str:
    word = m.group()
    if not _LOOKALIKE.search(word):
        return word
    latin = False
    for c in word:
        if _LATIN_LETTER.match(c):
            latin = True
        elif not _LOOKALIKE.match(c):
            return word  # a letter of another script that looks like no Latin one
    return word.translate(_LATIN) if latin else word
