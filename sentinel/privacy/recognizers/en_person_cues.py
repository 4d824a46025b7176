"""Names where English grammar leaves only a person: strong cues and transcript turns.

The name lists' findings are judged afterwards by their words (name_lookalikes: "Post"
is a courier's, "Long" an adjective), which is right for a capitalized pair in running
text and wrong where the sentence already says a person stands there. Here those places:

* a possessive and a relation or role: "my colleague Jordan Post", "our lawyer X", "his
  wife X" (a determiner that owns the role makes the next name a person's);
* the words of estates and kinship: "the estate of X", "the late X", "heirs X and Y",
  "next of kin X", "mother's maiden name X", "née X";
* a name that owns the identity document or the birth date right after it, in brackets:
  "X Y (passport ...)", "X (DOB ...)", "X Y (born 1990)", "X (SSN ...)", "X (age 34)";
* a telephone or chat turn naming who speaks or is asked for: "is this X?", "hey it's
  X", and speaker labels ("X: ...") when the text holds two turns or more, as
  transcripts, SMS threads and chat exports do: a label of two name words, a listed
  given name, or one unlisted word that speaks twice ("Agent:" and "Note:" are English).

A name here is one to three capitalized words: the first a listed given name or surname
or no English word at all, each later one a listed surname or no English word (Post,
Long and Bright are census surnames; before an identity document in brackets only the
first word is judged: "Xiti Peri (passport ...)"). In a turn ("it's Robin") the one word must be a
listed given name (an unlisted one only when asked for in a transcript). Findings
score 0.9, above the lists' own 0.85, so the person's reading
is the one kept for the same span.
"""

from __future__ import annotations

import re
from collections import Counter

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.recognizers.person_roles import _ROLES, RolePersonRecognizer
from sentinel.privacy.recognizers.rules import RuleRecognizer

GATE = re.compile(r"[A-Z][a-z]")
_SCORE = 0.9

_CAP = r"\p{Lu}\p{Ll}+(?:['’]\p{Lu}?\p{Ll}+)?(?:-\p{Lu}?\p{Ll}+)?"
_NAME = rf"(?P<name>{_CAP}(?:[ \t]{_CAP}){{0,2}})(?![\p{{L}}\d])"
_POSSESSIVE = regex.compile(
    rf"\b(?i:my|our|his|her|their|your)\s+(?:(?i:new|old|late|former|dear)\s+)?"
    rf"(?P<role>\p{{Ll}}+),?\s+{_NAME}"
)
_KIN = regex.compile(
    r"\b(?i:(?:the\s+)?estate\s+of|the\s+late|in\s+memory\s+of|next\s+of\s+kin:?|"
    r"heirs?:?|maiden\s+name(?:\s+(?:is|was))?:?|née|nee)\s+" + _NAME
)
_OWNS_DOCUMENT = regex.compile(
    rf"(?:(?<=\\n)|(?<![\p{{L}}\d@._/-])){_NAME}\s*[(（]\s*(?i:passport|pasaporte|passeport|"
    r"dob\b|d\.o\.b|date\s+of\s+birth|born\b|b\.\s*\d|ssn\b|sin\b|nino?\b|national\s+insurance|"
    r"id\s*(?:no|#|:)|age\s*\d|aged\s+\d|\d{1,3}\s*(?:y/?o|yrs?|years?)\b)"
)
_ASKED_FOR = regex.compile(
    rf"\b(?i:is\s+(?:this|that|it)|am\s+i\s+(?:speaking|talking)\s+(?:to|with))\s+{_NAME}\s*\?"
)
_SAYS_WHO = regex.compile(
    rf"\b(?i:hey|hi|hello|yo|oh)\s*,?\s+(?i:it'?s|it’s|this\s+is|i'?m|i’m)\s+{_NAME}"
    r"(?=\s*(?:[-–—,.!?…]|$|\\n|\s+(?i:um|uh|er|here|again|from|calling|speaking)\b))"
)
_SPEAKER = regex.compile(
    r"(?:^|(?<=\n|\\n))[^\S\n]*(?:\[[^\]\n]{1,24}\][^\S\n]*|\d{1,2}:\d\d(?::\d\d)?[^\S\n]*)?"
    rf"{_NAME}[^\S\n]*:[^\S\n]",
    regex.MULTILINE,
)

# Any turn's label at a line start (me:, a phone number, a handle), counted, not taken.
_TURN = regex.compile(
    r"(?:^|(?<=\n|\\n))[^\S\n]*[^\s:]{1,24}(?:[ \t][^\s:]{1,24}){0,2}[^\S\n]*:[^\S\n]",
    regex.MULTILINE,
)


class StrongCuePersonRecognizer(RuleRecognizer):
    """PERSON where the grammar says a person; word tests from `roles`."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        super().__init__(supported_language)

    def _surname_or_unlisted(self, word: str) -> bool:
        key = fold(word)
        return key in self.roles.names.surnames or not self.roles._english(word)

    def _name(self, name: str) -> bool:
        first, *rest = name.split()
        return (self.roles._listed(first) or not self.roles._english(first)) and all(
            self._surname_or_unlisted(w) for w in rest
        )

    def _first(self, name: str) -> bool:
        """Only the first word judged: a document's owner's surname may be any word."""
        first = name.split()[0]
        return self.roles._listed(first) or not self.roles._english(first)

    def _given(self, name: str) -> bool:
        return len(name.split()) == 1 and fold(name) in self.roles.names.given

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = [
            m.span("name")
            for m in _POSSESSIVE.finditer(text)
            if m["role"].lower().rstrip("s") in _ROLES or m["role"].lower() in _ROLES
            if self._name(m["name"])
        ]
        spans += [m.span("name") for m in _KIN.finditer(text) if self._name(m["name"])]
        spans += [m.span("name") for m in _OWNS_DOCUMENT.finditer(text) if self._first(m["name"])]
        speakers = list(_SPEAKER.finditer(text))
        transcript = len(speakers) >= 2 or len(_TURN.findall(text)) >= 2
        labels = Counter(m["name"] for m in speakers)
        for turn in (_ASKED_FOR, _SAYS_WHO):
            spans += [
                m.span("name")
                for m in turn.finditer(text)
                if self._given(m["name"])
                or (
                    self._name(m["name"])
                    and (" " in m["name"] or (transcript and turn is _ASKED_FOR))
                )
            ]
        if transcript:
            spans += [
                m.span("name")
                for m in speakers
                if (" " in m["name"] or labels[m["name"]] > 1 or self._given(m["name"]))
                and self._name(m["name"])
                and not self.roles._english(m["name"].split()[0])
            ]
        return [RecognizerResult("PERSON", s, e, _SCORE) for s, e in sorted(set(spans))]
