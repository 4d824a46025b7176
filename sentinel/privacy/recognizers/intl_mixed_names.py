"""A Latin-script given name standing alone in Chinese text.

Chinese writers name colleagues and friends by their English or foreign given name and
write the rest in Chinese: "Rahul 问上次的 job 为什么 OOM", "请把 Ahmed 加到 project",
"Bella：明天取消", "我 Joyce 啦", "Lily 和小王". The English rules read an English
sentence around a name (a verb, a title), and here the sentence is Chinese. Chinese
grammar marks no name, but a lone capitalized word between Chinese characters is a noun
the writer did not translate, and when that word is a listed given name it names a
person: the products, tools and places left untranslated ("Jira 的", "Spark job",
"Tesla Model 3") are no given names, or run on in English words.

So a capitalized word (not in capitals, not camel-cased) of the given-name lists, off
the allow list, no month or weekday, with Chinese characters or Chinese punctuation on
one side and nothing Latin on the other (within a space), counts in a text holding
Chinese characters.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.recognizers.person_roles import RolePersonRecognizer

GATE = re.compile(r"[\u4e00-\u9fff]")
_SCORE = 0.9
_WORD = regex.compile(r"(?<![\p{Latin}\d@._/#-])\p{Lu}\p{Ll}{1,14}(?![\p{Latin}\d@_/#-])")
# What stands beside the word: a Chinese character or punctuation, within one space.
_HAN_BEFORE = regex.compile(r"(?:^|[\p{Han}，。！？、：；（“‘【《]|\\n)[^\S\n]?$")
_HAN_AFTER = regex.compile(r"[^\S\n]?(?:$|[\p{Han}，。！？、：；）”’】》~～]|\\n)")
# Nothing Latin (another word of an English phrase) on the other side either.
_LATIN_BEFORE = regex.compile(r"[\p{Latin}\d][^\S\n]?$")
_LATIN_AFTER = regex.compile(r"[^\S\n]?[\p{Latin}\d]")
_CALENDAR_WORDS = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_CALENDAR = frozenset(_CALENDAR_WORDS.split())


class MixedScriptNameRecognizer(EntityRecognizer):
    """PERSON: a lone listed given name among Chinese characters."""

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        super().__init__(
            supported_entities=["PERSON"],
            name="MixedScriptNameRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """The word lists belong to `roles`' name lists, which load them."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities or not GATE.search(text):
            return []
        names = self.roles.names
        spans = []
        for m in _WORD.finditer(text):
            key = fold(m.group())
            if key not in names.given or key in names.ordinary or key in _CALENDAR:
                continue
            s, e = m.span()
            before = text[max(0, s - 3) : s]
            after = text[e : e + 3]
            han_before, han_after = _HAN_BEFORE.search(before), _HAN_AFTER.match(after)
            if (han_before and not _LATIN_AFTER.match(after)) or (
                han_after and not _LATIN_BEFORE.search(before)
            ):
                spans.append((s, e))
        return [RecognizerResult("PERSON", s, e, _SCORE) for s, e in spans]
