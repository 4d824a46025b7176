"""Findings of a person's name that the words of the finding show to be something else.

The name lists and the NER see capitalized words; the words themselves tell a date, a
place, an organisation or a product title from a person:

* a month before or after a day number (Jan 14, 3 March) is a date, whatever given name
  it also is, and a weekday opening a roster line (Mon Andy Xu) is not part of the name;
* a known place of two or more words (data/places.txt) as the whole finding, when no
  number (a postcode) stands next to it (Hong Kong, Costa Rica; of the 2,439 names of
  the corpora in `benchmarks/`, none is such a place);
* a word that names an organisation (Bank, Airlines, University, Health, Inc ...) in the
  finding or in the capitalized words right after it (Bank Leumi, China Post, Jackson
  Women's Health Organization), unless the finding is a listed given name and surname
  (Emily Post) whose given name is no country;
* a lower-case English word inside a capitalized finding that is no name particle (de,
  van, bin ...): a title or a phrase (Tears of the Kingdom, Grab vs Gojek), never a full
  name (other languages' words, "Santiago vive", are left to the NER);
* after a title, an everyday English word that is no listed surname or given name (Mr.
  Clean: a mascot; Mr. Baker and Ms. Rose are still people);
* the NER's finding of a word that is no given name or surname and a product noun
  (Steam Deck, Tesla Model, Apex Legends: `brands`).

The gold names of every corpus in `benchmarks/` were checked against each shape: none of
them has one.
"""

from __future__ import annotations

from collections.abc import Collection

import regex
from presidio_analyzer import RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from sentinel.privacy.brands import ends_in_product_noun
from sentinel.privacy.recognizers.gazetteer import fold, load

_MONTH_WORD = regex.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
    r"june|july|august|september|october|november|december)\.?",
    regex.IGNORECASE,
)
_DAY_AFTER = regex.compile(r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?![.:/-]?\d)", regex.IGNORECASE)
_DAY_BEFORE = regex.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$", regex.IGNORECASE)
# Not "Sun": it is a surname far more often than a weekday abbreviation.
_WEEKDAY = regex.compile(
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\.?\s+(?=\p{Lu})",
    regex.IGNORECASE,
)
_WORD = regex.compile(r"[\p{L}\p{M}'’.-]+")
_PARTICLE_WORDS = (
    "de da das do dos del della di du la le van von der den ter ten bin binti bint ibn abu "
    "al el y e st"
)
_PARTICLES = frozenset(_PARTICLE_WORDS.split())
_ORG_TEXT = (
    "bank banco bancorp airlines airline airways insurance motors university college "
    "hospital clinic foundation institute ministry tribunal council agency bureau labs "
    "studios pictures records telecom pharma logistics freight shipping express post "
    "health organization organisation corp inc ltd llc gmbh partners ventures technologies "
    "solutions services entertainment games holdings group academy association society "
    "pharmacy"
)
_ORG_WORDS = frozenset(_ORG_TEXT.split())
# The capitalized words right after a finding, possessive included: "Women's Health".
_CAPITALIZED_AFTER = regex.compile(r"(?:['’]s)?(?:\s+\p{Lu}[\p{L}'’-]*){1,3}")
# A number next to a place, maybe across a state or region code: a postcode or a house
# number of an address the patterns missed (10000 Zagreb, Tucson, AZ 85717).
NUMBER_BEFORE = regex.compile(r"\d[\dA-Za-z-]*[,\s]+(?:\p{Lu}{2,3}[,\s]+)?$")
NUMBER_AFTER = regex.compile(r"[,\s-]*(?:\p{Lu}{2,3}[,\s-]+)?\d")
_TITLE_BEFORE = regex.compile(r"\b(?:mr|mrs|ms|dr)(?:\.\s*|\s+)$", regex.IGNORECASE)
_NER = "SpacyRecognizer"


class NameLookalikes:
    """Judges PERSON findings of the NER and the name lists with the lists they used.

    `given` and `surnames` are the folded name lists, `english` the dictionary words
    (WordNet's index) the NER pipeline loaded."""

    def __init__(
        self, given: Collection[str], surnames: Collection[str], english: Collection[str]
    ) -> None:
        self.given, self.surnames, self.english = given, surnames, frozenset(english)
        self.places = load("places.txt")
        self.countries = load("countries.txt")
        self.phrase_words = frozenset(english) | STOP_WORDS | {"vs"}

    def not_a_person(self, text: str, result: RecognizerResult, recognizer: str | None) -> bool:
        """Whether the finding is a date, place, organisation or title. May trim a
        weekday off its start in place, and then keeps it."""
        value = text[result.start : result.end]
        if _MONTH_WORD.fullmatch(value):
            return bool(
                _DAY_AFTER.match(text, result.end)
                or _DAY_BEFORE.search(text, max(0, result.start - 12), result.start)
            )
        words = _WORD.findall(value)
        if len(words) == 1 and _TITLE_BEFORE.search(text, max(0, result.start - 5), result.start):
            key = fold(value)
            return key in self.english and key not in self.surnames and key not in self.given
        if len(words) < 2:
            return False
        weekday = _WEEKDAY.match(value)
        if weekday and len(words) > 2:  # "Mon Andy Xu": keep "Andy Xu"
            result.start += weekday.end()
            return False
        keys = [fold(w.rstrip("'’s") if w.endswith(("'s", "’s")) else w) for w in words]
        after = _CAPITALIZED_AFTER.match(text, result.end)
        following = [fold(w) for w in _WORD.findall(after.group())] if after else []
        first_is_name = keys[0] in self.given or keys[0] in self.surnames
        full_name = (
            len(keys) == 2
            and keys[0] in self.given
            and keys[1] in self.surnames
            and keys[0] not in self.countries  # China Post: a country's, not Emily Post
        )
        if not full_name and any(k in _ORG_WORDS for k in keys + following):
            return True
        if (
            " ".join(keys) in self.places
            and not NUMBER_BEFORE.search(text, max(0, result.start - 20), result.start)
            and not NUMBER_AFTER.match(text, result.end)
        ):
            return True
        if not value.islower() and any(
            w.islower() and len(k) > 1 and k not in _PARTICLES and k in self.phrase_words
            for w, k in zip(words, keys, strict=True)
        ):
            return True
        return recognizer == _NER and not first_is_name and ends_in_product_noun(value)
