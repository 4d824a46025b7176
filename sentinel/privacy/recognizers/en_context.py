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
    "uncle|aunt|neighbou?r|teacher|roommate|buddy|lead|intern|client|niece|nephew|"
    "grandson|granddaughter|grandma|grandpa|grandmother|grandfather|fianc[eé]e?|kid|baby"
)
# Verbs that address a person, in any tense ("asked carmen", "meeting Diego").
_VERBS = (
    r"talk(?:ed|ing)? to|spoke (?:to|with)|speak(?:ing)? (?:to|with)|ask(?:ed|ing)?|"
    r"tell(?:ing)?|told|call(?:ed|ing)?|text(?:ed|ing)?|ping(?:ed)?|cc|e-?mail(?:ed)?|"
    r"messag(?:e|ed)|dm|remind(?:ed)?|thank(?:s|ed)?|thx|meet(?:ing)?|met|invit(?:e|ed)|"
    r"hello to|hi to|approv(?:e|ed)|reach(?:ed)?|visit(?:ed|ing)?|"
    r"help(?:ed)?|pay|paid|page|notify|inform(?:ed)?|introduce|loop in|hired?|fired?"
)
# Relations written like a title, in lower case: "aunt Folasade", "nurse Okafor" (the
# capitalized "Uncle Ben's" is a brand).
_BARE_TITLE = r"(?-i:aunt|auntie|uncle|granny|grandma|grandpa|nana|nurse|cousin|coach|pastor)"
_BEFORE = regex.compile(
    rf"(?:\b(?:{_VERBS}|wait(?:ing)? (?:on|for)|with|w/|and|to|for|from|by|{_BARE_TITLE}|"
    rf"(?:my|our|your|his|her) (?:{_RELATION}))|[给和跟找叫问让同请]|告诉|通知|转告|谢谢|感谢)"
    r"\s*[,:]?\s*$",
    regex.IGNORECASE,
)
# Before a given name that is also an everyday word (Will, Hope, Rose): only a verb or
# a relation, never a preposition ("due for May", "from June", "waiting for Ray").
_BEFORE_VERB = regex.compile(
    rf"(?:\b(?:{_VERBS}|(?:my|our|your|his|her) (?:{_RELATION}))|[给和跟找叫问让同]|告诉)"
    r"\s*[,:]?\s*$",
    regex.IGNORECASE,
)
# A lower-case title: "thanks mr. patel" (EnPersonRecognizer reads capitalized ones).
_TITLE = regex.compile(r"\b(?:mr|mrs|ms|miss|dr|prof)(?:\.\s*|\s+)$", regex.IGNORECASE)
# After "my boss" any capitalized word that is no ordinary word is the person's name.
_RELATED = regex.compile(
    rf"\b(?:(?:my|our|your|his|her) (?:{_RELATION})|{_BARE_TITLE})\s*,?\s*$", regex.IGNORECASE
)
# Words that address only a person, before a name outside the lists ("sorry Kwabena",
# "cc Adeyinka"); ask / call / text also take products (ask Datadog, call Uber).
_ADDRESS = regex.compile(
    r"(?:^|[\s,(])(?:sorry|thanks|thank you|thx|hey|hi|hello|yo|dear|bye|cc|tell|remind)"
    r"\s*,?\s*$",
    regex.IGNORECASE,
)
# What follows a name that opens a message ("Nkechi, the order ...", "Olumide can you",
# "Tendai and i"): a name addressed or doing something, not a list of brands.
_OPENS_AS_PERSON = regex.compile(
    r",\s+(?:the|your|you|u|ur|i|can|could|pls|please|did|do|are|is|have|thanks|sorry|"
    r"we|just|when|where|what|how|why)\b"
    r"|\s+(?:and (?:i|me)|can you|could you|can u|pls|please|says|said|wants|asked|told|"
    r"thinks|called|emailed|texted|replied|mentioned|agreed|confirmed|needs|sent|wrote|"
    r"joined|reported)\b",
    regex.IGNORECASE,
)
_AFTER = regex.compile(
    rf"(?:\s*,?\s+(?:my|our|his|her|your) (?:{_RELATION})\b|"  # "Rosalind, my aunt"
    r"['’]s\b|\s*[的说和跟]|\s+(?:said|says|told|asked|wants|wanted|will|would|is|was|"
    r"has|had|keeps|kept|needs|forgot|booked|emailed|called|sent|wrote|replied|approved|"
    r"joined|from|and|thinks|thought|just|also|still|never|ever|can|could|should|did|does|"
    r"didn't|doesn't|isn't|won't|left|got|reported|signed|went|came|broke|agreed|"
    r"confirmed|mentioned|noticed)\b)",
    regex.IGNORECASE,
)
# What only a person does right after an everyday-word name ("Will said", not "Will you").
_AFTER_STRONG = regex.compile(
    r"\s+(?:said|says|told|asked|wants|wanted|thinks|thought|called|emailed|texted|"
    r"booked|replied|mentioned|agreed|confirmed|forgot|is waiting|needs|approved|signed|"
    r"sent|wrote|joined|reported)\b",
    regex.IGNORECASE,
)
_HAN_NEXT = regex.compile(r"\s*\p{Han}")
_HAN_BEFORE = regex.compile(r"\p{Han}\s*$")


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
        # Given names that are adjectives too (golden, manual, rose), in lower case, need
        # a person's verb around them: "w/ golden kiwis", "the manual is useless".
        self.adjectives: Collection[str] = frozenset()

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
        """Whether words[i] starts a name, and where it ends, with its score.

        One ordered cascade on purpose: each rule is tried only when the ones above it
        did not decide (a title beats the lists, an everyday given name needs a verb,
        a surname joins only in a person's context), and split into functions the order,
        which is what the dev corpora measured, would be spread over several places."""
        word = words[i].group()
        if word.isupper() and len(word) > 1:
            return None  # IRA, HR, CEO: an acronym, whatever name it spells
        key = self._key(word)
        if key is None and fold(word) in self.everyday:
            key = fold(word)  # "will" is a stop word, "Will said" a person
        start = words[i].start()
        nxt = words[i + 1] if i + 1 < len(words) else None
        joined = nxt is not None and text[words[i].end() : nxt.start()] == " "
        if (
            key is not None
            and word.islower()
            and key not in self.english
            and _TITLE.search(text, max(0, start - 8), start)
        ):
            return i, 0.7  # "thanks mr. patel"
        if key is not None and key not in self.given and word.istitle():
            if key in self.english:
                return None
            return self._unlisted_given(text, words, i, joined)
        if key is None or key not in self.given:
            return None
        if key in self.everyday:  # Will, Hope, Rose: capitalized, and a verb around
            if word.istitle() and (
                _BEFORE_VERB.search(text, max(0, start - 40), start)
                or _AFTER_STRONG.match(text, words[i].end())
            ):
                return i, 0.6
            return None
        lower = word.islower()
        surname = self._key(nxt.group()) if joined else None
        same_case = joined and nxt.group()[:1].isupper() == word[:1].isupper()
        if lower and same_case and surname in self.surnames:
            return i + 1, 0.7  # "andrew miller"
        before = _BEFORE.search(text, max(0, start - 40), start) or _ADDRESS.search(
            text, max(0, start - 12), start
        )
        after_next = joined and _AFTER.match(text, nxt.end())
        # an unlisted capitalized word after a listed given name is its surname when
        # a person's context surrounds both; an English word only before a verb
        # ("Chukwuemeka Obi sent": obi is also a sash)
        unlisted = (
            surname is not None
            and not lower
            and surname not in self.everyday
            and (surname not in self.english or after_next)
        )
        if (
            surname is not None
            and same_case
            and (surname in self.surnames or unlisted)
            and (before or after_next)
        ):
            return i + 1, 0.65  # "Aleksandr Petrov joined", "kevin o'brien"
        opens = not text[:start].strip() and _OPENS_AS_PERSON.match(text, words[i].end())
        if lower and key in self.adjectives:
            before = _BEFORE_VERB.search(text, max(0, start - 40), start)
            after = _AFTER_STRONG.match(text, words[i].end())
        else:
            after = _AFTER.match(text, words[i].end())
        if before or opens or after:
            return i, 0.6
        if (
            word.istitle()
            and key not in self.english
            and not (joined and nxt.group()[:1].isupper())  # "用Spring Boot": a product
            and _next_to_han(text, words[i])
        ):
            return i, 0.6  # "Linda明天请假": a Latin name inside Chinese text
        return None

    def _unlisted_given(
        self, text: str, words: list[regex.Match], i: int, joined: bool
    ) -> tuple[int, float] | None:
        """A given name outside the lists: after "my boss" ("My boss Gareth wants"), or
        before a listed surname and what a person does ("Adebayo Ogunleye is waiting")."""
        start = words[i].start()
        if _RELATED.search(text, max(0, start - 30), start) or _ADDRESS.search(
            text, max(0, start - 12), start
        ):
            return i, 0.6
        opens = not text[:start].strip()
        if opens and _OPENS_AS_PERSON.match(text, words[i].end()):
            return i, 0.55  # "Nkechi, the order shipped"
        if not joined:
            return None  # one unlisted word with a verb: as often a product (ask Datadog)
        nxt = words[i + 1]
        surname = self._key(nxt.group())
        if not nxt.group().istitle() or surname is None or surname in self.everyday:
            return None
        if surname in self.surnames and _AFTER.match(text, nxt.end()):
            return i + 1, 0.6
        # two unlisted non-English words with a verb on both sides ("spoke to Funmilayo
        # Adebayo about"), or opening the message before one: a foreign name outside the
        # lists
        if (
            surname not in self.english
            and (opens or _BEFORE_VERB.search(text, max(0, start - 40), start))
            and (_AFTER_STRONG if opens else _AFTER).match(text, nxt.end())
        ):
            return i + 1, 0.55
        return None


def _next_to_han(text: str, word: regex.Match) -> bool:
    # a clause that starts with the name and goes on in Chinese; after a Han word it is
    # as often 用 / 在 + a tool (用Aurora跑), and 给 / 跟 + a person is in _BEFORE
    return bool(_HAN_NEXT.match(text, word.end())) and not _HAN_BEFORE.search(
        text, max(0, word.start() - 2), word.start()
    )


def _inside(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in taken)
