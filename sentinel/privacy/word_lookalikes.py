"""Latin-script "names" whose words, or the code they sit in, show a thing or a firm.

* A finding of two or more words in which a word after the first is an everyday English
  word (WordNet; a plural one after a given name, as WordNet holds Kafka too) and no
  listed given name or surname (Garden Hose, Sunny Paws), or whose last word is a
  weekday (Cyber Monday): a person's full name is names, and a surname the lists lack is
  rarely a dictionary noun (the census lists hold Baker, Rivers, Brand).
* A code keyword argument or config value (`X(name="...")`, `owner='...'`, `name=...`) is
  judged by its VALUE, whatever the class or key: a person-shaped value (listed names,
  capitalized words no dictionary holds) stays a finding, an identifier-shaped one is
  kept (every word of it, snake_case parts too, an everyday word and no name:
  "Checking", "Garden Hose", svc_backup, report2; but fang_yiming is a person's).
* a finding right after "<amount> at" (charged $40 at X) is the merchant paid.
* A word joined by "&" to another capitalized word (Smith & Wesson, Procter & Gamble's)
  names a firm, and a word after "St." or "Saint" with a possessive (St. Mary's) a
  church, school or hospital.
"""

from __future__ import annotations

from collections.abc import Collection

import regex

from sentinel.privacy.recognizers.gazetteer import fold

_WORD = regex.compile(r"[\p{L}\p{M}'’.-]+")
# A keyword argument or an assignment whose value the finding is: name="X", owner='X'.
_KWARG_BEFORE = regex.compile(r"[A-Za-z_]\w*\s*=\s*[\"']?$")
_PARTS = regex.compile(r"[\s_.-]+")
_DIGITS = regex.compile(r"\d+")
_AMPERSAND = regex.compile(r"\s*&\s*\p{Lu}")
_AMPERSAND_BEFORE = regex.compile(r"\p{L}['’]?s?\s*&\s*$")
_SAINT_BEFORE = regex.compile(r"\b(?:St\.?|Saint)\s+$")
_POSSESSIVE_AFTER = regex.compile(r"['’]s\b")
_PAID_AT = regex.compile(r"(?:[$€£¥]|\b[A-Z]{2,3}\$?)\s?\d[\d,.]*\s+at\s+$")
_WEEKDAYS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)


class WordLookalikes:
    """Holds the folded name lists and dictionary words the analyzer loaded."""

    def __init__(
        self,
        given: Collection[str],
        surnames: Collection[str],
        english: Collection[str],
        places: Collection[str],
    ) -> None:
        self.given, self.surnames, self.english = given, surnames, english
        self.places = places

    def thing_word(self, key: str) -> bool:
        """An everyday word (or its plural) that is no listed name."""
        if key in self.given or key in self.surnames or key in self.places:
            return False  # WordNet holds cities too (Albuquerque)
        return key in self.english or (key.endswith("s") and key[:-1] in self.english)

    def dictionary_word_inside(self, value: str) -> bool:
        """Whether a word after the first of `value` is an everyday word, no name, or
        the last a weekday (Cyber Monday, Good Friday: days, not people)."""
        keys = [fold(w.strip(".'’-")) for w in _WORD.findall(value)]
        if len(keys) < 2:
            return False
        if keys[-1] in _WEEKDAYS:
            return True
        rest = keys[1:]  # a listed name after the first word is a person's (Ho Yuen Ting)
        if any(k in self.given or k in self.surnames for k in rest):
            return False
        if keys[0] in self.given:  # after a given name, only a plural noun (Sunny Paws):
            return any(self._plural_noun(k) for k in rest)  # WordNet holds Kafka too
        return any(len(k) > 2 and self.thing_word(k) for k in rest)

    def _plural_noun(self, key: str) -> bool:
        return (
            len(key) > 3
            and key.endswith("s")
            and key not in self.english
            and (key[:-1] in self.english)
        )

    def identifier_value(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end] is a code argument's value shaped as an identifier."""
        if not _KWARG_BEFORE.search(text, max(0, start - 40), start):
            return False
        parts = [p for p in _PARTS.split(text[start:end]) if p and not p.isdigit()]
        # every word of it an everyday word or a short code, no given name: svc_backup,
        # "Garden Hose", "Checking", user42; fang_yiming and maria.santos are people's
        return bool(parts) and all(self._code_word(fold(_DIGITS.sub("", p))) for p in parts)

    def _code_word(self, key: str) -> bool:
        """In code a surname that is a word is that word (Checking, Hose, Test)."""
        if not key or key in self.given:
            return not key
        if len(key) <= 3 and key not in self.surnames:
            return True  # svc, db, api
        stems = (key, key[:-1], key[:-2], key[:-3])  # plural, -es / -ed, -ing
        return any(k in self.english for k in stems if len(k) > 2)


def firm_shaped(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is half of "A & B", the saint of "St. X's" or the
    merchant after an amount paid at it."""
    if _PAID_AT.search(text, max(0, start - 30), start):
        return True
    if _AMPERSAND.match(text, end) or _AMPERSAND_BEFORE.search(text, max(0, start - 6), start):
        return True
    return bool(
        _SAINT_BEFORE.search(text, max(0, start - 7), start) and _POSSESSIVE_AFTER.match(text, end)
    )
