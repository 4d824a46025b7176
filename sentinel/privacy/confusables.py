"""Look-alikes inside Latin words, read as the Latin letters they show: Cyrillic, Greek,
Armenian and Cherokee letters and Latin small capitals ("jօhn@...", "jᴏhn@...").

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
# A word: a run of Latin, Greek and Cyrillic letters (a Chinese sentence writes an
# address right after its own characters: "邮箱jоhn@...", whose word is "jоhn").
_LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_OTHER_LETTERS = (
    "\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
    "\u0530-\u058f\u13a0-\u13ff\uab70-\uabbf"  # Armenian, Cherokee
    "\u0250-\u02af\u1d00-\u1d7f\ua720-\ua7ff"  # IPA, phonetic, Latin Extended-D (small capitals)
)
_WORD_CHARS = f"{_LATIN_LETTERS}{_OTHER_LETTERS}{CONFUSABLE_FROM}"
_WORD = re.compile(f"[{_WORD_CHARS}]+")
_WORD_CHAR = re.compile(f"[{_WORD_CHARS}]")
_LATIN_LETTER = re.compile(f"[{_LATIN_LETTERS}]")
# A Latin letter next to a look-alike: where a mixed word can be. Two searches, each
# starting with one class (which the regex engine skips ahead to): one alternation,
# tried at every position, cost a KB of Russian 80 us.
_MIXED = (
    re.compile(f"[{_LATIN_LETTERS}][{CONFUSABLE_FROM}]"),
    re.compile(f"[{CONFUSABLE_FROM}][{_LATIN_LETTERS}]"),
)


def unconfused(text: str) -> str:
    """`text` with the look-alikes of every mixed word read as Latin, same length
    (ASCII text: one C call; any other without a look-alike: one search)."""
    if text.isascii() or (first := _LOOKALIKE.search(text)) is None:
        return text
    at = max(first.start() - 1, 0)
    hits = sorted(m.start() for mixed in _MIXED for m in mixed.finditer(text, at))
    pieces: list[str] = []
    pos = 0
    for hit in hits:
        if hit < pos:
            continue  # inside the word just read
        start = hit
        while start > pos and _WORD_CHAR.match(text, start - 1):
            start -= 1
        word = _WORD.match(text, start)
        if word is None:  # (cannot be: a hit starts with a letter of a word)
            continue
        pieces += (text[pos:start], _latin_word(word.group()))
        pos = word.end()
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def _latin_word(word: str) -> str:
    latin = False
    for c in word:
        if _LATIN_LETTER.match(c):
            latin = True
        elif not _LOOKALIKE.match(c):
            return word  # a letter of another script that looks like no Latin one
    return word.translate(_LATIN) if latin else word
