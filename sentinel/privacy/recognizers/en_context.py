"""Lone and lower-case Latin-script names, found by the words around them.

EnPersonRecognizer needs a capitalized given name + surname, a title or an introduction;
chat is typed otherwise: "ask Maria", "Kevin's invoice", "Hannah said", "i talked to
john smith", "和Kevin对一下". Here a word of the given-name lists is a name when

* a word that addresses or relates a person comes before it (ask, tell, with, to, my
  sister, 给 / 和 / 跟), or a word that a person does comes after it (said, wants, 's,
  的 / 说), unless it is more often an everyday word or a month (will, may, grace,
  june: data/en_given_everyday.txt); a capitalized word right after it that is no
  English word is its surname ("Aleksandr Petrov joined");
* written in lower case, it is followed by a surname of the lists ("andrew miller").

Allow-listed words (product and tech names, Alexa, Julia) are never names.
"""

from __future__ import annotations

from collections.abc import Collection

import regex

from sentinel.privacy.recognizers.gazetteer import fold, load

# A Latin word: Han characters around it are no letters here ("给David", "Tony的").
_WORD = regex.compile(
    r"(?<![\p{Latin}\p{N}_@./-])\p{Latin}+(?:['’]\p{Latin}{2,})*(?:-\p{Lu}\p{Ll}+)?"
    r"(?![\p{Latin}\p{N}_@]|\.[a-z]|-\d)"
)
_RELATION = (
    "wife|husband|son|daughter|sister|brother|mom|mum|mother|dad|father|boss|manager|"
    "friend|colleague|coworker|co-worker|landlord|partner|girlfriend|boyfriend|cousin|"
    "uncle|aunt|neighbou?r|teacher|roommate|buddy|lead|intern|client"
)
_BEFORE = regex.compile(
    r"(?:\b(?:talked to|talk to|talking to|spoke to|spoke with|speak to|speak with|ask|tell|"
    r"told|call|text|ping|cc|email|message|remind|thank|thanks|thx|with|w/|and|to|for|from|"
    r"meet|met|invite|hello to|hi to|approve|by|reach|"
    rf"(?:my|our|your|his|her) (?:{_RELATION}))|[给和跟找叫问让同]|告诉)\s*[,:]?\s*$",
    regex.IGNORECASE,
)
# After "my boss" any capitalized word that is no ordinary word is the person's name.
_RELATED = regex.compile(rf"\b(?:my|our|your|his|her) (?:{_RELATION})\s*,?\s*$", regex.IGNORECASE)
_AFTER = regex.compile(
    r"(?:['’]s\b|\s*[的说和跟]|\s+(?:said|says|told|asked|wants|wanted|will|would|is|was|"
    r"has|had|keeps|kept|needs|forgot|booked|emailed|called|sent|wrote|replied|approved|"
    r"joined|from|and|thinks|thought|just|also|still|never|ever|can|could|should|did|does|"
    r"didn't|doesn't|isn't|won't|left|got|reported|signed|went|came|broke|agreed|"
    r"confirmed|mentioned|noticed)\b)",
    regex.IGNORECASE,
)


class ContextNames:
    """Names found by context; shares EnPersonRecognizer's lists and ordinary words."""

    def __init__(
        self, given: Collection[str], surnames: Collection[str], ordinary: Collection[str]
    ) -> None:
        self.given = given
        self.surnames = surnames
        self.ordinary = ordinary
        self.everyday = load("en_given_everyday.txt")
        # English words that are not on the name lists (the analyzer sets the NER's
        # WordNet index here): "Spring Boot" is no unlisted given name + surname.
        self.english: Collection[str] = frozenset()

    def _key(self, word: str) -> str | None:
        key = fold(word.split("-")[0]).replace("'", "").replace("’", "")
        return None if key in self.ordinary else key

    def find(self, text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
        """(start, end, score) of the names in `text` outside the `taken` spans."""
        words = [m for m in _WORD.finditer(text) if not _inside(m.start(), m.end(), taken)]
        out: list[tuple[int, int, float]] = []
        i = 0
        while i < len(words):
            found = self._name_at(text, words, i)
            if found is None:
                i += 1
                continue
            end, score = found
            out.append((words[i].start(), words[end].end(), score))
            i = end + 1
        return out

    def _name_at(self, text: str, words: list[regex.Match], i: int) -> tuple[int, float] | None:
        word = words[i].group()
        key = self._key(word)
        nxt = words[i + 1] if i + 1 < len(words) else None
        joined = nxt is not None and text[words[i].end() : nxt.start()] == " "
        if key is not None and key not in self.given and word.istitle():
            if key in self.english:
                return None
            return self._unlisted_given(text, words, i, joined)
        if key is None or key not in self.given or key in self.everyday:
            return None
        lower = word.islower()
        surname = self._key(nxt.group()) if joined else None
        same_case = joined and nxt.group()[:1].isupper() == word[:1].isupper()
        if lower and same_case and surname in self.surnames:
            return i + 1, 0.7  # "andrew miller"
        unlisted = surname is not None and not lower and surname not in self.english
        before = _BEFORE.search(text, max(0, words[i].start() - 40), words[i].start())
        if (
            surname is not None
            and same_case
            and (surname in self.surnames or unlisted)
            and (before or _AFTER.match(text, nxt.end()))
        ):
            return i + 1, 0.65  # "Aleksandr Petrov joined", "kevin o'brien"
        return (i, 0.6) if before or _AFTER.match(text, words[i].end()) else None

    def _unlisted_given(
        self, text: str, words: list[regex.Match], i: int, joined: bool
    ) -> tuple[int, float] | None:
        """A given name outside the lists: after "my boss" ("My boss Gareth wants"), or
        before a listed surname and what a person does ("Adebayo Ogunleye is waiting")."""
        if _RELATED.search(text, max(0, words[i].start() - 30), words[i].start()):
            return i, 0.6
        if not joined:
            return None
        nxt = words[i + 1]
        surname = self._key(nxt.group())
        if not nxt.group().istitle() or surname not in self.surnames or surname in self.everyday:
            return None
        return (i + 1, 0.6) if _AFTER.match(text, nxt.end()) else None


def _inside(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in taken)
