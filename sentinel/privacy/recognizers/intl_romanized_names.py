"""Korean and Chinese names written in Latin letters, read by their syllables.

The name lists hold the common romanized names (Kim, Lee, Chen, Wei), and a syllable
joins infinitely many given names: Seo-yeon, Soo-ah, Ji-hoon, Xiaoming, Jianguo, Ting.
Two syllable systems decide here:

* Korean given names are two syllables, usually written with a hyphen and the second
  half in lower case ("Seo-yeon Kim", "Park Ji-hoon", "Soo-ah"). A capitalized word of
  that shape whose halves are both syllables of the Revised Romanization of Korean
  (2000; initials x vowels x final sounds, with the spellings passports and people
  also use for them: oo / woo for u, yoo for yu, u for eo, ee for i, ah for a, sh for
  s, l for r, k / t / p for g / d / b) or of Hanyu Pinyin ("Xiao-ming") is a given
  name, with the capitalized surname beside it when that is a listed or no English
  word. A hyphenated English word (Hip-hop, Pop-up, Log-in, So-so) has two WordNet
  halves or is one WordNet word joined.
* A Chinese surname in pinyin (data/zh_surname_pinyin.txt) next to a given name of one
  or two pinyin syllables (data/zh_pinyin_syllables.txt; both lists are zh_person_pinyin's,
  from CC-CEDICT), in either order ("Xu Ting", "Ting Xu", "Zhang
  Xiaoming"). Many syllables are English words too (Long, Fang, Ting), so the pair
  counts in text that also holds Chinese characters, or when neither word is an English
  word, or when the given name is two syllables written as one word; a known place of
  two words (Hong Kong, data/places.txt) is none.
"""

from __future__ import annotations

import functools
import itertools
import re

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.recognizers.person_roles import RolePersonRecognizer
from sentinel.privacy.recognizers.rules import RuleRecognizer

GATE = re.compile(r"[A-Z][a-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Above the NER's 0.85: its finding that runs on into the Chinese words after the name
# ("Xu Ting 需要你的SSN") must not swallow this one before the look-alike judges drop it.
_SCORE = 0.9

# Revised Romanization: the 19 initial consonants (ㅇ silent), the 21 vowels and the 7
# final sounds, each with its other spellings in names.
_KO_INITIALS = (*"g k kk n d t tt r l m b p pp s sh ss j jj ch h".split(" "), "")  # noqa: SIM905
_KO_VOWELS = (
    "a ah ae ai ya yae eo u o e yeo yu yoo yo ye wa wae oe oi wo woo we wi ui eu i ee oo ou eui"
)
_KO_FINALS = ["", "k", "g", "n", "t", "l", "m", "p", "b", "ng"]


@functools.cache
def korean_syllables() -> frozenset[str]:
    """Every Revised Romanization syllable, in the spellings names use."""
    return frozenset(
        i + v + f for i, v, f in itertools.product(_KO_INITIALS, _KO_VOWELS.split(), _KO_FINALS)
    )


# English adverbial particles and the prefixes English writes with a hyphen.
_PARTICLE_WORDS = "up in on off out by to down over away back"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())
_PREFIX_WORDS = "re co de un pre non ex self anti post pro sub mid"
_PREFIXES = frozenset(_PREFIX_WORDS.split())
_HYPHENATED = regex.compile(
    r"(?<![\p{Latin}\d@._/-])(?P<w>\p{Lu}\p{Ll}{1,5}-\p{Ll}{2,6})(?![\p{Latin}\d@_-])"
)
_WORD = regex.compile(r"(?<![\p{Latin}\d@._/-])\p{Lu}\p{Ll}{1,9}(?![\p{Latin}\d@_-])")
_BESIDE = regex.compile(r"[ \t]")


class RomanizedNameRecognizer(RuleRecognizer):
    """PERSON: Korean and Chinese names in Latin letters, by their syllables."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        self.pinyin: frozenset[str] = frozenset()
        self.zh_surnames: frozenset[str] = frozenset()
        self.places: frozenset[str] = frozenset()
        super().__init__(supported_language)

    def load(self) -> None:
        self.pinyin = load("zh_pinyin_syllables.txt")
        self.zh_surnames = load("zh_surname_pinyin.txt")
        self.places = load("places.txt")

    def _english(self, word: str) -> bool:
        """A WordNet or allow-listed word. The index holds no hyphenated compounds, and
        short Korean syllables are WordNet words too (ji, ho, min), so a hyphenated word is
        English when it is one joined (Log-in), repeats a half (So-so), has an English
        particle after (Pop-up) or prefix before (Re-do), or two halves of three letters
        or more that are both English words (Hip-hop)."""
        key = fold(word)
        wordnet = self.roles.names.wordnet
        if key in self.roles.names.ordinary or key.replace("-", "") in wordnet:
            return True
        if "-" not in key:
            return key in wordnet
        head, tail = key.split("-", 1)
        return (
            head == tail
            or tail in _PARTICLES
            or head in _PREFIXES
            or all(len(h) >= 3 and h in wordnet for h in (head, tail))
        )

    def _syllables(self, word: str, most: int) -> bool:
        """`word` is one to `most` pinyin syllables (Xiaoming = xiao + ming)."""
        key = fold(word)
        if key in self.pinyin:
            return True
        return most > 1 and any(
            key[:i] in self.pinyin and self._syllables(key[i:], most - 1)
            for i in range(1, len(key))
        )

    def _korean_given(self, word: str) -> bool:
        head, tail = fold(word).split("-")
        syllables = korean_syllables() | self.pinyin
        return head in syllables and tail in syllables and not self._english(word)

    def _surname(self, word: str) -> bool:
        key = fold(word)
        return (
            key in self.roles.names.surnames or key in self.zh_surnames or not self._english(word)
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = [
            self._with_surname(text, m)
            for m in _HYPHENATED.finditer(text)
            if self._korean_given(m["w"])
        ]
        spans += self._pinyin_pairs(text)
        return [RecognizerResult("PERSON", s, e, _SCORE) for s, e in sorted(set(spans))]

    def _with_surname(self, text: str, m: regex.Match[str]) -> tuple[int, int]:
        """The given name and the surname written before or after it."""
        start, end = m.span("w")
        after = _WORD.match(text, end + 1) if _BESIDE.match(text, end) else None
        if after and self._surname(after.group()):
            return start, after.end()
        before = _WORD.search(text, max(0, start - 12), start - 1) if start > 1 else None
        if (
            before
            and before.end() == start - 1
            and _BESIDE.match(text, before.end())
            and self._surname(before.group())
        ):
            return before.start(), end
        return start, end

    def _place(self, a: regex.Match[str], b: regex.Match[str]) -> bool:
        """A known place of two words (Hong Kong, Xi'an Road is no pair): data/places.txt."""
        return fold(f"{a.group()} {b.group()}") in self.places

    def _pinyin_pairs(self, text: str) -> list[tuple[int, int]]:
        han = bool(_HAN.search(text))
        words = list(_WORD.finditer(text))
        out = []
        for a, b in itertools.pairwise(words):
            if not _BESIDE.fullmatch(text, a.end(), b.start()) or self._place(a, b):
                continue
            for surname, given in ((a, b), (b, a)):
                s, g = surname.group(), given.group()
                if fold(s) not in self.zh_surnames or not self._syllables(g, 2):
                    continue
                two = not self._syllables(g, 1) and not self._english(g)
                if han or two or not (self._english(s) or self._english(g)):
                    out.append((a.start(), b.end()))
                    break
        return out
