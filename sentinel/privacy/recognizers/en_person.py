"""English (and other Latin-script) person names from name lists and context words.

The small spaCy model misses ordinary full names ("Brandon Gaines"), foreign ones ("Ana
García") and lone surnames; the model sees one sentence at a time and has no list of
names. This recognizer adds three rules, each needing a capitalized word:

* given name + surname, both in the US census lists (a middle given name may sit between);
* any capitalized name-list word after a title (Mr., Ms., Dr., Dear ...);
* a name-list word after an introduction (I'm, my name is, this is, thanks, ask ...).

Words on the allow list (product and tech names) are never a part of a name.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.en_context import ContextNames
from sentinel.privacy.recognizers.gazetteer import fold, load, package_given_names

# Lower-case text too: "i talked to john smith" (en_context).
GATE = re.compile(r"[A-Za-z]{2}")

# A Han character before is no letter here ("给Professor Tanaka"), nor the n of a line
# break pasted escaped ("sign-in:\\nDana Reyes", as JSON and logs write one).
_WORD = regex.compile(
    r"(?:(?<=\\n)|(?<![\p{Latin}\p{N}_@./-]))\p{Lu}\p{Ll}+(?:['’]?\p{Lu}?\p{Ll}+)*(?:-\p{L}\p{Ll}+)?"
    r"(?![\p{Latin}\p{N}_@]|\.[a-z]|-\d)"
)
# What may sit between the words of one name: a space, or a middle initial ("Harold
# P. Finch"), else the NER takes the given name and the surname is left in the text.
_JOIN = regex.compile(r" (?:\p{Lu}\. )?")
_TITLE = regex.compile(
    r"(?:(?<!\p{Latin})(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Dear|Mister|Professor|Doctor|Monsieur|"
    r"Madame|Mme|Mlle|Herr|Frau|Señor|Señora|Señorita|Sr|Sra|Srta|Signor|Signora|Sig|Dott)\.?)"
    r"\s+$"
)
_INTRO = regex.compile(
    r"\b(?:i'?m|i am|my name is|name is|this is|call me|ask for|ask|thanks|thank you|"
    r"hi|hello|hey|contact|tell|ping|cc|signed|regards|cheers|name on file|issued to|email|"
    r"联系|联系人|收件人|姓名|我叫|我是|谢谢)\s*[,:：]?\s*$",
    regex.IGNORECASE,
)

# What follows "Dear" or "Hi" in mail and chat without being anyone's name.
_NOT_NAMES = frozenset(
    [
        "team",
        "customer",
        "customers",
        "user",
        "users",
        "all",
        "everyone",
        "colleagues",
        "colleague",
        "friend",
        "friends",
        "support",
        "sir",
        "madam",
        "admin",
        "admins",
        "manager",
        "client",
        "partner",
        "member",
        "members",
        "valued",
        "guest",
        "there",
        "folks",
        "everybody",
        "sales",
        "hr",
        "it",
        "ops",
        "devops",
        "engineering",
    ]
)


class EnPersonRecognizer(EntityRecognizer):
    """PERSON from the census name lists and title / introduction context."""

    def __init__(self, supported_language: str, ordinary_words: Collection[str] = ()) -> None:
        self.ordinary = {fold(w) for w in ordinary_words}
        self.given: frozenset[str] = frozenset()
        self.surnames: frozenset[str] = frozenset()
        self.wordnet: Collection[str] = frozenset()
        self._memo: dict[str, tuple[tuple[int, int, float], ...]] = {}
        super().__init__(
            supported_entities=["PERSON"],
            name="EnPersonRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        self.given = load("en_given_names.txt") | load("intl_given_names.txt")
        self.surnames = load("en_surnames.txt") | load("intl_surnames.txt")
        self.context = ContextNames(self.given, self.surnames, self.ordinary | _NOT_NAMES)

    def learn_english(
        self,
        english: Collection[str],
        wordnet: Collection[str],
        adjectives: Collection[str],
        nouns_only: Collection[str],
    ) -> None:
        """Take `english` (WordNet's words less our lists' names) as the words no unlisted
        name may be, and add gender-guesser's given names that are no WordNet word (Tell
        and Nice are), nor an inflected one. Those WordNet has only as a noun (Faisal and
        Lakshmi as proper nouns, but also River, Asset) count as everyday-word names: only
        capitalized, with a person's verb around them. `adjectives` are WordNet's."""
        self.context.english = english
        self.wordnet = wordnet
        self.context.adjectives = adjectives
        ignored = self.ordinary | _NOT_NAMES | self.context.everyday
        extra = package_given_names() - self.given - ignored
        nouns = {k for k in extra if k in nouns_only and len(k) > 3}
        self.given = (
            self.given
            | nouns
            | {k for k in extra if k not in wordnet and not _inflected(k, wordnet)}
        )
        self.context.given = self.given
        self.context.everyday = self.context.everyday | nouns

    def _key(self, word: str) -> str | None:
        head, _, tail = word.partition("-")
        # Korean given names are written Hye-jin or Hyejin; a capitalized tail is a
        # double-barrelled name whose first part is looked up (Abernathy-Klein)
        key = fold(head + tail) if tail[:1].islower() else fold(head)
        return None if key in self.ordinary or key in _NOT_NAMES else key

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", s, e, score) for s, e, score in self.spans(text)]

    def spans(self, text: str) -> tuple[tuple[int, int, float], ...]:
        """(start, end, score) of the names in `text`; the analyzer asks twice per text
        (to skip the NER where the lists explain every name, then through Presidio)."""
        return self._spans(text)

    def _spans(self, text: str) -> tuple[tuple[int, int, float], ...]:
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = tuple((r.start, r.end, r.score) for r in self._find(text))
        return found

    def forget(self) -> None:
        """Drop the memo (the analyzer calls this per batch, so it stays batch-sized)."""
        self._memo.clear()

    def _find(self, text: str) -> list[RecognizerResult]:
        words = list(_WORD.finditer(text))
        results = []
        i = 0
        while i < len(words):
            run = [words[i]]  # capitalized words separated by one space or an initial
            while i + len(run) < len(words) and _JOIN.fullmatch(
                text[run[-1].end() : words[i + len(run)].start()]
            ):
                run.append(words[i + len(run)])
            results += self._in_run(text, run)
            i += len(run)
        taken = [(r.start, r.end) for r in results]
        results += [RecognizerResult("PERSON", *found) for found in self.context.find(text, taken)]
        return results

    def _in_run(self, text: str, run: list[regex.Match]) -> list[RecognizerResult]:
        keys = [self._key(m.group()) for m in run]
        out = []
        j = 0
        while j < len(run):
            k = keys[j]
            end = None
            score = 0.0
            if k is not None and k in self.given:
                if j + 1 < len(run) and keys[j + 1] in self.surnames:
                    end, score = j + 1, 0.85
                elif (
                    j + 2 < len(run) and keys[j + 1] in self.given and keys[j + 2] in self.surnames
                ):
                    end, score = j + 2, 0.85
                elif (
                    j + 1 < len(run)
                    and keys[j + 1] is not None
                    and text[run[j].end() : run[j + 1].start()] != " "
                ):
                    end, score = j + 1, 0.8  # given + middle initial + any surname: Mary J. Blige
            before = text[max(0, run[j].start() - 40) : run[j].start()]
            if end is None and k is not None and (k in self.given or k in self.surnames):
                if _TITLE.search(before):
                    end, score = j, 0.8
                elif k in self.given and _INTRO.search(before):
                    end, score = j, 0.6
                if end is not None and j + 1 < len(run) and keys[j + 1] in self.surnames:
                    end += 1
            if end is None and k is not None and _TITLE.search(before):
                end, score = j, 0.7  # Mr. Vandersloot: a title makes any word a name
            if end is None and k is not None and j + 1 < len(run) and _INTRO.search(before):
                # "issued to Thibault Chartier": two unlisted words after an introduction
                end, score = (j + 1, 0.6) if keys[j + 1] is not None else (None, 0.0)
            if end is None and k is not None:
                end, score = self._surname_first(keys, j)
            if end is None:
                j += 1
                continue
            out.append(RecognizerResult("PERSON", run[j].start(), run[end].end(), score))
            j = end + 1
        return out

    def _surname_first(self, keys: list[str | None], j: int) -> tuple[int | None, float]:
        """Two or three words, surname first, as Vietnamese, Chinese pinyin and Korean
        names are written (Vu Minh Anh, Tran Quoc Bao): at least two listed names, and
        any other word no English word."""
        if keys[j] not in self.surnames:
            return None, 0.0
        for n in (3, 2):
            ks = keys[j : j + n]
            if len(ks) < n or None in ks:
                continue
            listed = [k in self.given or k in self.surnames for k in ks]
            if sum(listed) >= 2 and all(
                ok or k not in self.context.english for k, ok in zip(ks, listed, strict=True)
            ):
                return j + n - 1, 0.65
        return None, 0.0


# Plural, past and -ing endings: the WordNet index holds base forms only, and the name
# data has a few inflected English words among its 46,000 names (Trees, Aiming, Vents).
_INFLECTIONS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
)


def _inflected(word: str, english: Collection[str]) -> bool:
    return any(
        word.endswith(end) and len(word) - len(end) >= 3 and word[: -len(end)] + base in english
        for end, base in _INFLECTIONS
    )
