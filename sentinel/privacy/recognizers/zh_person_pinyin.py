"""Chinese names written in pinyin, where a Chinese text puts a name.

A Chinese name in Latin letters is its pinyin: a surname's reading and one or two
syllables, either order, spaced, joined or dotted (Zhang Wei, ZHANG Wei, Weiming Zhao,
lijiahui, li.jiahui, ouyang_nana). The readings of every listed surname and the whole
syllable inventory come from CC-CEDICT (data/zh_surname_pinyin.txt,
data/zh_pinyin_syllables.txt, made by scripts/privacy_zh_pinyin.py), so 区 is Ou and 单
is Shan, not a guess; a place of data/places.txt (Hong Kong) is none. English is full
of pinyin-shaped words (Long, Fan, Hang, Tang), so a pinyin name counts only where the
Chinese text says a name stands: after a cue noun (同事 Zhang Wei, 用户lijiahui, HR Xu
Ting) and as the value of a name or user field (name=li.jiahui, "user": "weiming.zhao",
session:weiming.zhao:token).
"""

from __future__ import annotations

import functools
import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.recognizers.rules import RuleRecognizer

# Cue nouns of zh_person_cues that pinyin follows in chat, and English role words
# Chinese speakers use in Chinese sentences.
_CUE = (
    r"(?:同事|新同事|客户|用户|用户名|账号|会员|患者|学生|同学|老师|老板|经理|朋友|"
    r"联系人|收件人|申请人|负责人|持卡人|乘客|旅客|HR|hr|PM|boss|leader)"
)
_SEP = r"[ \t:：]*"
_PAIR = r"(?P<pair>(?:[A-Z][a-z]+|[A-Z]{2,})[ ]+(?:[A-Z][a-z]+|[A-Z]{2,}))(?![A-Za-z])"
_TOKEN = r"(?P<token>[A-Za-z]+(?:[._-][A-Za-z]+)?)(?![A-Za-z])"
# After a cue a joined name is an id, written lower case (用户lijiahui); a capitalised
# word there is as often a brand written in pinyin (客户Huawei).
_ID = r"(?P<token>[a-z]+(?:[._-][a-z]+)?)(?![A-Za-z])"
_KEYS = (
    r"(?<![A-Za-z])(?:name|full_?name|user(?:_?name)?|login|account|owner|contact|"
    r"session|姓名|名字|拼音|用户名|账号)[\"']?[ \t]*[=:：][ \t]*[\"']?"
)
_AFTER_CUE = re.compile(rf"{_CUE}{_SEP}(?:{_PAIR}|{_ID})")
_IN_FIELD = re.compile(rf"{_KEYS}(?:{_PAIR}|{_TOKEN})")
GATE = re.compile(r"[A-Za-z]{2}")


class ZhPinyinNameRecognizer(RuleRecognizer):
    """PERSON: a pinyin name after a Chinese cue noun or as a name field's value."""

    ENTITY = "PERSON"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities or not GATE.search(text):
            return []
        results = []
        for pattern in (_AFTER_CUE, _IN_FIELD):
            for m in pattern.finditer(text):
                group = "pair" if m["pair"] else "token"
                if pinyin_name(m[group]) and fold(m[group]) not in load("places.txt"):
                    results.append(RecognizerResult("PERSON", *m.span(group), 0.8))
        return results


def pinyin_name(value: str) -> bool:
    """A surname's reading and one or two syllables, in either order (Xu Ting, lijiahui,
    weiming.zhao); at least four letters, so 'Li' alone or 'an' is none."""
    parts = [p.lower() for p in re.split(r"[ ._-]+", value) if p]
    if len("".join(parts)) < 4 or len(parts) > 2:
        return False
    surnames = load("zh_surname_pinyin.txt")
    if len(parts) == 2:
        first, last = parts
        return (first in surnames and _given(last)) or (last in surnames and _given(first))
    word = parts[0]
    return any(word[:i] in surnames and _given(word[i:]) for i in range(len(word) - 1, 0, -1))


@functools.lru_cache(maxsize=4096)
def _given(word: str) -> bool:
    """One or two pinyin syllables, nothing left over (jiahui: jia + hui)."""
    syllables = load("zh_pinyin_syllables.txt")
    if word in syllables:
        return True
    return any(word[:i] in syllables and word[i:] in syllables for i in range(1, len(word)))
