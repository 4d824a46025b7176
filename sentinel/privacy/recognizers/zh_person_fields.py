"""Chinese names by the field they fill: a record's first field, a parent's line, a list.

People paste records in which the name is the first field and contact data follow
(会员登记：熊建国，手机…, 表格：孔国庆，138…), write to a child's parent (罗建国家长，), and
list colleagues by surname and job title (王经理、李工、赵总). Given names that are everyday
words (建国, 国庆, 立新) defeat the dictionary rules of zh_person; the field around them says
they are names. A whole that jieba knows as an everyday word or a place stays. (The
analyzer folds traditional characters to simplified ones first, so 陳 is read as 陈.)
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.zh_person_places import (
    ZhPersonPlaceRecognizer,
    _in_list,
)

# Where a record's first field starts, and what the next field holds. No line break in
# the spaces after it: each line break is a start of its own, and `\s*` re-read a whole
# run of them from every one (quadratic: 4,000 line breaks took 12 s).
_FIELD_START = r"(?:^|(?<=[：:；;\n|]|\\n))[^\S\n]*"
_CONTACT_NEXT = (
    r"(?=\s*[，,|]\s*(?:手机|电话|联系|生日|出生|身份证|性别|"
    r"[男女](?:[，,|\s])|\+?\d))"
)
_PARENT = r"(?=家长)"
# A surname and a job title as one 、 list item (王经理、李工、赵总).
_JOB_TITLES = "工|总|经理|主任|老师|律师|医生|处|科"
_ITEM_EDGE = r"(?:(?<=[、，,：:\s])|^)"


class ZhPersonFieldRecognizer(EntityRecognizer):
    """PERSON in Chinese from the field a name fills; data and word test from `places`."""

    def __init__(self, supported_language: str, places: ZhPersonPlaceRecognizer) -> None:
        self.places = places
        zh = places.zh
        surname = "(?:" + "|".join(zh.compound) + "|[" + "".join(sorted(zh.single)) + "])"
        given = "[" + "".join(sorted(zh.given)) + "]"
        name = rf"{surname}{given}{{1,2}}"
        self.record = regex.compile(rf"{_FIELD_START}(?P<name>{name}){_CONTACT_NEXT}")
        self.parent = regex.compile(rf"{_FIELD_START}(?P<name>{name}){_PARENT}")
        self.job_item = regex.compile(
            rf"{_ITEM_EDGE}(?P<name>{surname}(?:{_JOB_TITLES}))(?=、|[，,。；;\s]|$)"
        )
        super().__init__(
            supported_entities=["PERSON"],
            name="ZhPersonFieldRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """The data belongs to zh_person's recognizer, which loads it."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        patterns = (self.record, self.parent) if "家长" in text else (self.record,)
        spans = [
            m.span("name")
            for pattern in patterns  # a parent's line needs 家长: not scanned for without
            for m in pattern.finditer(text)
            if not self.places._word(m["name"])
        ]
        if "、" in text:
            spans += [
                m.span("name")
                for m in self.job_item.finditer(text)
                if _in_list(text, *m.span("name")) and not self.places._word(m["name"])
            ]
        return [RecognizerResult("PERSON", s, e, 0.7) for s, e in spans]
