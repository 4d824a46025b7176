"""Chinese names by the clause around them: its subject, a 、 list of them, an envelope's 收.

zh_person_cues finds a name after a word that announces one; a clause says it too:

* the subject of what only a person does, opening a clause: 韦小宁说…, 吕思远负责…,
  孔德明请假了, 贝嘉怡是我表妹, 俞立平（身份证…）; Cantonese 话佢 / 讲佢 ("said he …"),
  written anywhere: 群里面梁家辉话佢…;
* the items of a 、 list when every item is a surname and one or two characters that
  form no everyday word (柳若溪、席慕言、蒋一帆): one plain word in the list (苹果、
  香蕉) makes it a list of things;
* an envelope's or a parcel's addressee: X收, X亲启, X启 closing the line.

The name's shape and the dictionary test are zh_person_cues' (`name_at`); a clause's
subject also needs given characters that are no verb, adverb or numeral alone (常听说,
一起说 stay), since nothing but the predicate says it is a person.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.zh_person_cues import SCORE, ZhPersonCueRecognizer

_START = r"(?:^|(?<=[，,。！？!?；;：:、\s\"“「(（]|\\n))"
# What only a person does or is, right after the subject (zh_person's strictest list,
# and kinship after 是我).
_PREDICATE = (
    r"说|讲|负责|请假|出差|答应|回复|打电话|来电|签字|值班|加班|面试|入职|离职|结婚|"
    r"是我(?:们)?\p{Han}{0,2}?(?:爷爷|奶奶|外公|外婆|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|表哥|表姐|"
    r"表弟|表妹|同学|同事|朋友|老师|室友|邻居|领导|客户)|[（(]身份证"
)
_CANTONESE = r"(?:话|讲)(?:佢|我|你|畀)"
# Tags of characters no given name is made of when only the predicate vouches for it
# (numerals are: 一帆, 一鸣); after a surname that is also an adverb or preposition
# alone (常, 向, 于), no verb either: 常听说 is "often heard".
_NOT_GIVEN = frozenset({"d", "q", "p", "c", "r", "u", "uj", "ul", "y", "f"})
_ADVERBIAL = frozenset({"d", "p", "c"})
_VERBS = frozenset({"v", "vd", "vi"})
_LIST_ITEM = regex.compile(r"\p{Han}{2,4}")
_LIST = regex.compile(r"(?:\p{Han}{2,4}、)+\p{Han}{2,4}")
_ADDRESSEE = regex.compile(rf"{_START}(?P<name>\p{{Han}}{{2,4}}?)(?:亲启|收|启)(?=[\s，,。]|$)")


class ZhPersonClauseRecognizer(RuleRecognizer):
    """PERSON in Chinese from the clause a name stands in; shape test from `cues`."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str, cues: ZhPersonCueRecognizer) -> None:
        self.cues = cues
        self.subject = regex.compile(rf"{_START}(?P<name>\p{{Han}}{{2,4}}?)(?={_PREDICATE})")
        self.cantonese = regex.compile(rf"(?P<name>\p{{Han}}{{2,3}}?)(?={_CANTONESE})")
        super().__init__(supported_language)

    def _whole_name(self, text: str, start: int, end: int, *, strict: bool) -> bool:
        """text[start:end] is a surname + given name by `name_at`, to its last character."""
        if self.cues.name_at(text, start, loose=not strict, end=end) != end:
            return False
        if not strict:
            return True
        tags = self.cues.zh.tags
        surname = 2 if text.startswith(self.cues.compound, start) else 1
        banned = _NOT_GIVEN
        if tags.get(text[start : start + surname]) in _ADVERBIAL:
            banned = _NOT_GIVEN | _VERBS
        return not any(tags.get(c) in banned for c in text[start + surname : end])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = [
            m.span("name")
            for m in self.subject.finditer(text)
            if self._whole_name(text, *m.span("name"), strict=True)
        ]
        if "话" in text or "讲" in text:
            spans += self._cantonese(text)
        if "、" in text:
            spans += self._listed(text)
        if "收" in text or "启" in text:
            spans += [
                m.span("name")
                for m in _ADDRESSEE.finditer(text)
                if self._whole_name(text, *m.span("name"), strict=False)
            ]
        return [RecognizerResult("PERSON", s, e, SCORE) for s, e in spans]

    def _cantonese(self, text: str) -> list[tuple[int, int]]:
        """A name right before 话佢 / 讲我: three characters if they start with a surname,
        else two (群里面梁家辉话佢: not 面梁家辉)."""
        spans = []
        for m in regex.finditer(_CANTONESE, text):
            for size in (3, 2):
                start = m.start() - size
                if start >= 0 and self._whole_name(text, start, m.start(), strict=False):
                    spans.append((start, m.start()))
                    break
        return spans

    def _listed(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for m in _LIST.finditer(text):
            items = [(i.start(), i.end()) for i in _LIST_ITEM.finditer(text, m.start(), m.end())]
            if all(self._whole_name(text, s, e, strict=False) for s, e in items):
                spans += items
        return spans
