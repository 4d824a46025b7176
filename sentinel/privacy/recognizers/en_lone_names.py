"""A lone first name no list holds, where only a person can stand.

Chat names people by a first name alone (Babajide, Seo-yeon, Oyin), and a Yoruba,
Korean or Polish given name is in no census list. A lone capitalized word that is no
English word is a person when the sentence leaves no other reading:

* it introduces the writer: "Babajide here", "it's Kasia", "this is Dinh";
* it opens a clause and does what only people do: just texted, cried, told me, presented;
* it owns what only people have: "Ji-eun's dorm", "Obiageli's mom";
* in mixed Chinese text it owns personal data or speaks: "Thabo 的 SSN", "Fang 说";
* it follows a request to reach someone: "call Obi on ...", "ask for Raj", "reply to
  Rania:";
* it is the quoted value of a name word: 'by her first name, "Wenonah"'.

Brands and tools also open clauses ("Terraform plan wants ..."), so the verbs are ones
companies do not do, and a word that is English, on the allow list, a known place, camel-
cased or followed by another capitalized word stays.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.recognizers.person_roles import RolePersonRecognizer

GATE = re.compile(r"[A-Z][a-z]{2}")

_WORD = r"\p{Lu}\p{Ll}{2,}(?:-\p{Ll}{2,})?"
_CLAUSE = r"(?:^|(?<=\n|\\n|[.!?;]\s|[:,]\s|\bhey\s|\byo\s|\bhi\s))"
_SLOTS = [
    regex.compile(rf"{_CLAUSE}(?P<w>{_WORD})(?=\s+here\b|\s+speaking\b)", regex.IGNORECASE),
    regex.compile(
        rf"(?<=\b(?i:it'?s|this\s+is|i'?m|i\s+am|my\s+name\s+is)\s+)(?P<w>{_WORD})"
        r"(?=\s*(?:[-–—,.!?]|$|\s+(?:here|again)\b))"
    ),
    regex.compile(
        rf"{_CLAUSE}(?P<w>{_WORD})(?=\s+(?:just\s+texted|cried|told\s+me|presented|"
        r"pasted|forwarded|moved\s+to|starts\s+on|lost\s+(?:her|his)|is\s+allergic|"
        r"and\s+(?:i|me)\b|booked\s+(?:the|a|our|us)\b))"
    ),
    regex.compile(
        rf"(?P<w>{_WORD})['’]s\s+(?:mom|mum|dad|wife|husband|boyfriend|girlfriend|birthday|"
        r"dorm|kids|son|daughter|parents)\b"
    ),
    # One \s* before the alternatives: a second one inside (\s*说, \s+cell) split a run of
    # line breaks every way between the two (quadratic in the run).
    regex.compile(
        rf"(?<![\p{{Latin}}])(?P<w>{_WORD})(?=\s*(?:的\s*(?:手机|电话|生日|身份证|微信|护照|同事|"
        r"wechat|ssn|id\b|number|phone|passport|offer)|说|(?<=\s)(?i:cell|mobile)\s+\+?\d))",
        regex.IGNORECASE,
    ),
    regex.compile(
        rf"(?<=\b(?i:first|given|middle|nick)\s?name[,:]?\s*(?:is\s+)?[\"“'‘])(?P<w>{_WORD})"
        r"(?=[\"”'’])"
    ),
    regex.compile(
        rf"(?<=\b(?i:call|text|ask\s+for|reply\s+to|answer|tell)\s+)(?P<w>{_WORD})"
        r"(?=\s+on\s+\+?\d|\s*[:,.!?]|\s*$|\s+who\b)"
    ),
]
_CAMEL = regex.compile(r"\p{Ll}\p{Lu}")
_CAP_NEXT = regex.compile(r"\s+\p{Lu}")


class LoneNameRecognizer(EntityRecognizer):
    """PERSON: a lone unlisted first name in a slot only a person fills."""

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        self.places: frozenset[str] = frozenset()
        super().__init__(
            supported_entities=["PERSON"],
            name="LoneNameRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        self.places = load("places.txt")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = {
            m.span("w")
            for slot in _SLOTS
            for m in slot.finditer(text)
            if self._name_like(text, m["w"], m.end("w"))
        }
        return [RecognizerResult("PERSON", s, e, 0.55) for s, e in sorted(spans)]

    def _name_like(self, text: str, word: str, end: int) -> bool:
        head = word.split("-")[0]
        return not (
            self.roles._english(head)
            or fold(word) in self.places
            or _CAMEL.search(word)
            or _CAP_NEXT.match(text, end)
        )
