"""A Latin-script given name standing alone in Chinese text.

Chinese writers name colleagues and friends by their English or foreign given name and
write the rest in Chinese: "Rahul 问上次的 job 为什么 OOM", "请把 Ahmed 加到 project",
"Bella：明天取消", "我 Joyce 啦", "Lily 和小王". The English rules read an English
sentence around a name (a verb, a title), and here the sentence is Chinese. Chinese
grammar marks no name, but a lone capitalized word between Chinese characters is a noun
the writer did not translate, and when that word is a listed given name it names a
person: the products, tools and places left untranslated ("Jira 的", "Spark job",
"Tesla Model 3") are mostly no given names; the brands that are (Hilton, Nike) stand
where things stand.

So in a text holding Chinese characters a capitalized word (not in capitals, not camel-
cased) of the given-name lists, off the allow list, no English word, month or weekday,
counts where Chinese grammar puts a person: before a verb people do or a person's
particle, after a verb that takes a person (the lists below).
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.recognizers.person_roles import RolePersonRecognizer
from sentinel.privacy.recognizers.rules import RuleRecognizer

GATE = re.compile(r"[\u4e00-\u9fff]")
_SCORE = 0.9
_WORD = regex.compile(r"(?<![\p{Latin}\d@._/#-])\p{Lu}\p{Ll}{1,14}(?![\p{Latin}\d@_/#-])")
# Chinese grammar around a person: a verb of speaking, asking or doing that people do, a
# person's particle or address after the name ("Rahul 问", "Bella：", "我 Joyce 啦", "Oyin
# 的同事"), or a verb that takes a person before it ("请把 Ahmed", "让Raj", "找 Mina").
# Brands and game characters stand where things do ("订一间 Hilton 的房", "开 Didi",
# "Jett 怎么练", "Nike和安踏"); a 客户 (client) is as often a company ("客户Huawei").
_PERSON_AFTER = regex.compile(
    r"[^\S\n]?(?:说|问|讲|告诉|回复|觉得|认为|刚|刚才|已经|负责|提到|打电话|发消息|发微信|"
    r"跟我|和我|给我|让我|叫我|帮我|加我|找我|在群|啦|呢|你好|"
    r"姐|哥|老师|同学|他|她|[：:](?!\d)|的(?:手机|电话|微信|邮箱|生日|地址|护照|身份证|老公|老婆|"
    r"妈妈|爸爸|同事|朋友|家|工号|号码|offer|ssn|email|phone))",
    regex.IGNORECASE,
)
_PERSON_BEFORE = regex.compile(
    r"(?:我是|我叫|名叫|叫|找|问|让|请|给|跟|和|同事|朋友|老板|经理|把|帮|通知|提醒|告诉|联系|"
    r"我)[^\S\n]?$"
)
_LATIN_BEFORE = regex.compile(r"[\p{Latin}\d][^\S\n]?$")
_LATIN_AFTER = regex.compile(r"[^\S\n]?[\p{Latin}\d]")
_CALENDAR_WORDS = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_CALENDAR = frozenset(_CALENDAR_WORDS.split())


class MixedScriptNameRecognizer(RuleRecognizer):
    """PERSON: a lone listed given name among Chinese characters."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        super().__init__(supported_language)

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
            if key in names.wordnet:  # Bill, Miss, Rose: English words before names here
                continue
            s, e = m.span()
            if _LATIN_BEFORE.search(text, max(0, s - 2), s) or _LATIN_AFTER.match(text, e):
                continue  # a word of an English phrase, read by the English rules
            if _PERSON_AFTER.match(text, e) or _PERSON_BEFORE.search(text, max(0, s - 4), s):
                spans.append((s, e))
        return [RecognizerResult("PERSON", s, e, _SCORE) for s, e in spans]
