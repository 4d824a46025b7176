"""Chinese names found by their place: after a role, in a 、 list, in a 姓名 column.

jieba's segmenter and the surname + given-name structure (zh_person) miss names whose
characters form other words or that jieba glues to their neighbours (司机牛建国, 卖方宁建军,
借款人戴光辉, 主播阿杰说). The word before a name often says it is one: a party of a
contract (甲方 / 卖方 / 借款人 / 被保险人), a relative (我爸 / 我妈), a role (司机 / 学生 /
客户 / 房东 / 会长). After such a word, a surname and one or two characters (or 阿 / 小 and
one) closed by punctuation or by what a person does or owns (说, 的, 身份证, 电话) is a
name, unless jieba knows the whole as an everyday word (司机师傅, 房东太太). Items of a
list separated by 、 that are a surname and given-name characters (张伟、李娜、王芳) and the
cells of a table's 姓名 / name column are names too; 苹果、香蕉、黄瓜 stay (dictionary words).
After a role, an everyday word with its adverb particle (车主高兴地把车开走了) is how the
person acted, and a frequent word before 的 and a place (车主林立的停车场, owners crowding
the car park) describes the place; 车主林立说 is still a name.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.tables import column_cells
from sentinel.privacy.recognizers.zh_person import ZhPersonRecognizer

_ROLES = (
    "甲方|乙方|卖方|买方|出卖人|买受人|借款人|贷款人|出借人|出租人|承租人|房东|租客|业主|"
    "被保险人|投保人|受益人|收款人|付款人|汇款人|申请人|监护人|担保人|委托人|受托人|当事人|"
    "原告|被告|证人|法人|负责人|经办人|签收人|寄件人|持有人|代理人|"
    "我爸|我妈|爸爸|妈妈|父亲|母亲|老公|老婆|丈夫|妻子|儿子|女儿|爷爷|奶奶|外婆|姥姥|"
    "司机|学生|客户|患者|病人|员工|同学|同事|朋友|好友|室友|邻居|家长|老板|店主|骑手|快递员|"
    "主播|会长|群主|队长|班主任|认识了|"
    # Who drives, claims, recruits, delivers, repairs, owns a car, rents or gives.
    "驾驶人|驾驶员|理赔员|猎头|师傅|车主|房客|租户|捐赠人|捐款人|报案人|孩子爸|孩子妈|"
    "收件人|driver|passenger|tenant"
)
_ROLE_WORDS = tuple(_ROLES.split("|"))
# What may follow a name: punctuation, or what a person does or owns.
_AFTER = (
    r"(?=[，,、；;。！？!?\s|（(）)：:]|$|的|身份证|电话|手机|微信|说|叫|和|跟|在|是|让|要|给|从|"
    r"来|去|把|打|发|老师|先生|女士|同学|写|上门|来电|人很|人挺|人不错)"
)
_LIST_EDGE = r"[、，,：:；;。\s|（(）)]"
# Where a clause starts, and what follows a name there: addressed (思远，/ 晓雯你好 / 冉冉：),
# a parent of (雨桐妈妈), or, for a nickname (阿强, 小林, 贝贝), what a person does or owns.
_CLAUSE_START = r"(?:(?<=^|[，,。！？!?；;：:、\s\"“「(（]|叫|是))"
_ADDRESSED = r"(?=[，,：:]|你好|您好|妈妈|爸爸|姐姐|哥哥)"
_NICK_NEXT = r"(?=[，,：:]|你好|妈妈|爸爸|的|说|刚|今天|明天|昨天|在|要|把|也|下周|已经|\s|$)"
_NOT_GIVEN_FLAGS = frozenset({"d", "t", "m", "q", "c", "p", "u", "o", "v", "r", "f", "y", "e"})
_AH_FREQ = 100  # 阿明 (24) is a name, 阿姨 (276), 阿拉 and 阿里 are words
_NICK_FREQ = 300  # 冉冉 (202) and 小林 (267) are names; 宝宝 (301) and 小米 (396) are not
_PARTICLE_END = "地得了着过"
_FREQUENT_WORD = 100  # 林立 (695) is also a word; an unlisted 张伟 (0) is only a name
_PLACE_AFTER = re.compile(r"的(?:停车场|广场|街道|街区|小区|商场|市场|地方|区域|路口|景区|园区)")
_NAME_COLUMN = re.compile(r"姓名|名字|名称|联系人|name", re.IGNORECASE)


class ZhPersonPlaceRecognizer(EntityRecognizer):
    """PERSON in Chinese from the place a name stands in; data from `zh` (zh_person)."""

    def __init__(self, supported_language: str, zh: ZhPersonRecognizer) -> None:
        self.zh = zh
        surname = "(?:" + "|".join(zh.compound) + "|[" + "".join(sorted(zh.structural)) + "])"
        given = "[" + "".join(sorted(zh.given)) + "]"
        self.role = regex.compile(rf"(?:{_ROLES})\s*[:：]?\s*")
        self.name_after_role = regex.compile(
            rf"(?P<name>{surname}(?:{given}\p{{Han}}?|\p{{Han}}{given}|\p{{Han}})|[阿小]\p{{Han}}){_AFTER}"
        )
        self.listed = regex.compile(
            rf"(?:(?<={_LIST_EDGE})|^)(?P<name>{surname}{given}{{1,2}})"
            rf"(?=、|{_LIST_EDGE}|$)"
        )
        self.whole = regex.compile(rf"{surname}\p{{Han}}{{1,2}}")
        single = "[" + "".join(sorted(zh.single | zh.given)) + "]"
        self.nickname = regex.compile(
            rf"{_CLAUSE_START}(?P<name>阿\p{{Han}}|小{single}|(\p{{Han}})\2){_NICK_NEXT}"
        )
        self.addressed = regex.compile(rf"{_CLAUSE_START}(?P<name>{given}{{2}}){_ADDRESSED}")
        super().__init__(
            supported_entities=["PERSON"],
            name="ZhPersonPlaceRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """The data belongs to `zh`, which loads it."""

    def _word(self, name: str) -> bool:
        """jieba knows `name` as an everyday word or a place."""
        return self.zh._everyday(name) or self.zh.tags.get(name) in ("ns", "nt")

    def _after_role(self, text: str, m: regex.Match[str]) -> bool:
        """A name after a role, not a word with 地 / 得 nor a word describing a place."""
        name = m["name"]
        if self._word(name):
            return False
        if name[-1] in _PARTICLE_END and self._word(name[:-1]):
            return False
        frequent = self.zh.freq.get(name, 0) >= _FREQUENT_WORD
        return not (frequent and _PLACE_AFTER.match(text, m.end("name")))

    def _nickname(self, name: str) -> bool:
        """阿强, 小林, 贝贝: not a word jieba knows well (阿姨, 小时, 刚刚), nor an adverb."""
        limit = _AH_FREQ if name[0] == "阿" else _NICK_FREQ
        return (
            self.zh.freq.get(name, 0) < limit
            and self.zh.tags.get(name) not in _NOT_GIVEN_FLAGS
            and not self._word(name)
        )

    def _given_name(self, name: str) -> bool:
        """思远, 晓雯 addressed: given-name characters that form no frequent word."""
        return (
            name[0] != name[1]
            and self.zh.freq.get(name, 0) < 200
            and self.zh.tags.get(name) not in _NOT_GIVEN_FLAGS
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = []
        if any(role in text for role in _ROLE_WORDS):  # 70 substring tests beat the regex
            after_role = (
                self.name_after_role.match(text, r.end()) for r in self.role.finditer(text)
            )
            spans += [m.span("name") for m in after_role if m and self._after_role(text, m)]
        spans += [m.span("name") for m in self.nickname.finditer(text) if self._nickname(m["name"])]
        spans += [
            m.span("name") for m in self.addressed.finditer(text) if self._given_name(m["name"])
        ]
        if "、" in text:
            spans += [
                m.span("name")
                for m in self.listed.finditer(text)
                if _in_list(text, *m.span("name")) and not self._word(m["name"])
            ]
        if "|" in text or "," in text or "\t" in text:
            spans += [
                (s, e)
                for s, e in column_cells(text, _NAME_COLUMN)
                if self.whole.fullmatch(text[s:e]) and not self._word(text[s:e])
            ]
        return [RecognizerResult("PERSON", s, e, 0.7) for s, e in spans]


def _in_list(text: str, start: int, end: int) -> bool:
    """A 、 right before or right after the item."""
    return text[start - 1 : start] == "、" or text[end : end + 1] == "、"
