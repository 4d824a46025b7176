"""Chinese names by the grammar of the words around them: a cue noun, a form, a signature.

zh_person knows a name by its dictionary (a word jieba has never seen, surname first) and
zh_person_places by a short list of roles; neither sees a name whose given character is
an everyday word (江想, 杨欢), a rare surname (区, 朴, 祝), or a name after a noun they do
not list. Chinese says where a name stands:

* after a noun for the person (data/zh_person_cues.txt: family, legal, banking,
  insurance, medical, forms, workplace, school, property, commerce), and after any agent
  noun of the grammar 〈verb/noun〉+人 / +员 (申请人, 预订人, 立遗嘱人, 业务员), with an
  optional colon or space: 母亲：王芳, 参保人李强;
* in an address: 尊敬的王芳客户 / 先生 / 女士, 致王芳：, 本人王芳;
* as a form's value: 姓名=王芳, name: 王芳, "name": "王芳" (key=value, JSON, YAML);
* as a message's signature: the last words after a sentence's end or a ～ / —— / 一 ;
* before 的 and what only a person has (王芳的身份证, 的专项附加扣除 of a tax form).

A name there is a surname (data/zh_surnames.txt; after a cue noun also the surnames
that are everyday words, data/zh_surnames_context.txt: 区, 花) and one or two more Han
characters, ending where the clause goes on: punctuation, a particle or verb (的, 说,
在), or a word jieba knows well (反映, 客户). What jieba knows as an everyday word (经理
after 客户, 高烧 after 孩子) is no name; a place is one only after a family noun (a
city's name is a person's too: 我老公龙岩的). An ideographic space between surname and
given name (王　芳, forms align names so) is part of the name, not two people.
"""

from __future__ import annotations

import re
from importlib.resources import files

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import load
from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.zh_person import ZhPersonRecognizer

# Particles, verbs and prepositions that follow a name and are never its last character.
_FOLLOW = frozenset("的说讲话在是和跟给把要已也都就还来去等于对向从被让叫称问打发及与或")
# A word starting here means the name ended just before it (下周 77, 反映 6,618); one
# this frequent starting at a name's last character means that character is the word's.
_NEXT_WORD_FREQ = 50
_SPLIT_WORD_FREQ = 1000
_WORD_FREQ = 100  # a name candidate this frequent in jieba is an everyday word
_PLACE_FREQ = 2000  # 龙岩 (a city) may be a person's name; 江西 and 上海 are not
# The family section of the cue list: after these a place's name may be a person's.
_FAMILY_END = "# -- legal"
_SEP = r"[ \t\u3000]*[:：]?[ \t\u3000]*"
# A verb that names whoever stands before it: 患者叫…, 我同事就叫…, 他名叫….
_NAMING = r"(?P<naming>(?:就|也|都)?(?:名叫|叫做|叫|姓名是|名字是|名字叫))?"
_PRONOUN_NAMING = r"(?P<pronoun>他|她|佢|TA|ta)(?:就|也)?(?:名叫|叫做|叫)"
# 〈verb/noun〉+人 / +员 is an agent noun; 的人, 个人, 这人, 有人 are no one's title.
_AGENT = (
    r"(?P<agent>(?:(?![的个这那哪每各有没别某众])[\u4e00-\u9fff]|[\u4e00-\u9fff]有)[人员])"
    r"(?![人员])"
)  # 持有人 and 所有人 are agents, 有人 alone is "someone"
# jieba tags of characters no given name holds: prepositions, conjunctions, particles,
# pronouns, modal particles (律师费按小时: 费 + 按 is no name).
_CLOSED_TAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv", "r", "y", "e", "o"})
# Addressed: 尊敬的X客户 / 先生; a letter to X; 本人 X.
_ADDRESS_BEFORE = r"尊敬的|亲爱的|致|本人|署名|落款|我系|佢叫|佢系"
_ADDRESS_AFTER = r"客户|先生|女士|小姐|会员|用户|同学|老师|家长|旅客|乘客|业主|车主|您好|你好"
# key=value, "key": "value", key: value, in Chinese or English.
_NAME_KEYS = (
    r"姓名|名字|客户名|客户姓名|联系人|收件人|持卡人|户名|申请人|"
    r"(?i:name|full_?name|user_?name|customer(?:_?name)?|contact(?:_?name)?|holder|payee|"
    r"recipient|patient|applicant|insured|owner)"
)
_KEY_VALUE = rf"(?:(?<![\w])(?:{_NAME_KEYS})[\"']?[ \t]*[=:：][ \t]*[\"'“]?)"
# Signature: after a sentence's end or a dash / tilde, the message's last words.
_SIGN_BEFORE = r"(?:[。！？!?～~…]|——|—|--|\n|\\n)[ \t\u3000]*(?:[-—~～][ \t]*)?"
_SIGN_AFTER = r"[ \t\u3000]*+(?:[。！!～~.]++[ \t\u3000]*+)?$"
# What only a person has, after 的.
_OWNED = (
    r"身份证|护照|手机|电话|微信|邮箱|账号|银行卡|信用卡|副卡|社保|医保|工资|简历|工号|学号|"
    r"专项附加扣除|个税|户口|病历|档案|驾照|驾驶证|签名|孩子|儿子|女儿|老公|老婆|妻子|丈夫|"
    r"父亲|母亲|爸爸|妈妈|家属|生日|出生日期|住址|家庭住址|快递|包裹|户口本|户口簿|车牌|"
    r"钱包|行李|体检报告|学费|房租|车(?!站|间|型|速|程|道|厢)"
)
_TITLE = re.compile(r"老师|先生|女士|小姐|同学|医生|经理|律师|教授|阿姨|师傅|主任|总监")
# Above the dictionary finding's 0.85: the same span found by its place is a name,
# whatever zh_lookalikes would say of the word alone (我老公龙岩的: a city's name).
SCORE = 0.9
_CLAUSE = r"(?:^|(?<=[，,。！？!?；;：:、\s]))"


class ZhPersonCueRecognizer(RuleRecognizer):
    """PERSON in Chinese where the grammar puts a name; data and dictionary from `zh`."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str, zh: ZhPersonRecognizer) -> None:
        self.zh = zh
        lines = _cue_lines()  # in order: the family section is told apart
        family_end = next(i for i, w in enumerate(lines) if w.startswith(_FAMILY_END))
        self.family = frozenset(w for w in lines[:family_end] if not w.startswith("#"))
        cues = sorted({w for w in lines if not w.startswith("#")}, key=len, reverse=True)
        # Everywhere: the surnames zh_person counts by shape; after a cue noun, every one.
        self.single = zh.structural - _FOLLOW
        self.loose = (zh.single | load("zh_surnames_context.txt")) - _FOLLOW
        self.compound = zh.compound
        cue = "|".join(cues)
        # `re`, not `regex`: four times faster over an alternation of 250 words
        self.cue = re.compile(rf"(?:(?P<cue>{cue}|{_AGENT}){_SEP}{_NAMING}|{_PRONOUN_NAMING})")
        self.addressed = regex.compile(rf"(?:{_ADDRESS_BEFORE}){_SEP}")
        self.address_after = regex.compile(_ADDRESS_AFTER)
        self.key_value = regex.compile(_KEY_VALUE)
        self.sign = regex.compile(rf"{_SIGN_BEFORE}(?=\p{{Han}}{{2,4}}{_SIGN_AFTER})")
        self.owned = regex.compile(rf"{_CLAUSE}(?=\p{{Han}}{{2,4}}的(?:{_OWNED}))")
        super().__init__(supported_language)

    def name_at(
        self,
        text: str,
        start: int,
        *,
        loose: bool,
        place: bool = False,
        named: bool = False,
        titled: bool = False,
        end: int | None = None,
    ) -> int | None:
        """The end of a name starting at `start`, or None: a surname (`loose`: also the
        everyday-word ones), one or two given characters, then where the clause goes on
        (or exactly `end`, where the caller knows what follows). After a naming verb
        (`named`: 叫, 名叫) an everyday word is a name too when the clause ends with it, and
        after a cue noun (`titled`) when a title follows it (班主任甘露老师)."""
        surname = next((c for c in self.compound if text.startswith(c, start)), None)
        if surname is None:
            first = text[start : start + 1]
            if first not in (self.loose if loose else self.single):
                return None
            surname = first
        given_at = start + len(surname)
        if text[given_at : given_at + 1] == "\u3000":  # 王　芳: one person
            given_at += 1
        known = end
        for size in (2, 1):
            end = given_at + size
            given = text[given_at:end]
            if known is not None and end != known:
                continue
            if len(given) < size or not all(_is_han(c) for c in given):
                continue
            if any(c in _FOLLOW or self.zh.tags.get(c) in _CLOSED_TAGS for c in given):
                continue
            if known is None and not self._ends_name(text, end):
                continue
            if known is None and size == 2 and self._word_starts(text, end - 1, _SPLIT_WORD_FREQ):
                continue  # 王明反映: 明 is the name's, 反映 the verb's
            name = (surname + given).replace("\u3000", "")
            framed = (named and _clause_ends(text, end)) or (titled and _TITLE.match(text, end))
            if self._ordinary(name, place) and not framed:
                continue
            return end
        return None

    def _in_longer_word(self, text: str, start: int, word: str) -> bool:
        end = start + len(word)
        return any(self.zh.freq.get(text[start : end + n], 0) > 0 for n in (1, 2))

    def _ends_name(self, text: str, end: int) -> bool:
        return _closed(text, end) or text[end] in _FOLLOW or self._word_starts(text, end)

    def _word_starts(self, text: str, at: int, freq: int = _NEXT_WORD_FREQ) -> bool:
        word = text[at : at + 2]
        return len(word) == 2 and self.zh.freq.get(word, 0) >= freq and all(map(_is_han, word))

    def _ordinary(self, name: str, place: bool) -> bool:
        """An everyday word, or one inside the name's start (应该 in 应该多). Any word
        jieba knows this well counts, also one it tags as a name (林立 "stand in rows",
        祝福): the cue says a person stands here, not that a known word is one."""
        for j in range(2, len(name) + 1):
            part = name[:j]
            tag = self.zh.tags.get(part)
            freq = self.zh.freq.get(part, 0)
            if place and tag in ("ns", "nr") and freq < _PLACE_FREQ:
                continue
            if freq >= _WORD_FREQ or (tag in ("ns", "nt") and not place):
                return True
        return False

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans: list[tuple[int, int]] = []
        for m in self.cue.finditer(text):
            named = bool(m["naming"] or m["pronoun"])
            word = m["cue"] or ""
            if m.end() == m.start() + len(word) and self._in_longer_word(text, m.start(), word):
                continue  # 律师费, 客户端, 母亲节: the cue is part of another word
            place = word in self.family
            end = self.name_at(text, m.end(), loose=True, place=place, named=named, titled=True)
            if end is not None:
                spans.append((m.end(), end))
        for m in self.addressed.finditer(text):
            end = self.name_at(text, m.end(), loose=True)
            if end is not None:
                spans.append((m.end(), end))
        spans += self._addressed_by_title(text)
        for pattern in (self.key_value, self.sign, self.owned):
            for m in pattern.finditer(text):
                end = self.name_at(text, m.end(), loose=pattern is self.key_value)
                if end is not None:
                    spans.append((m.end(), end))
        return [RecognizerResult("PERSON", s, e, SCORE) for s, e in spans]

    def _addressed_by_title(self, text: str) -> list[tuple[int, int]]:
        """尊敬的 + name + 客户 / 先生 ...: the name need not end where a word starts."""
        spans = []
        for m in self.addressed.finditer(text):
            for size in (3, 2):
                end = m.end() + size
                if self.address_after.match(text, end) and self._surname_at(text, m.end()):
                    spans.append((m.end(), end))
                    break
        return spans

    def _surname_at(self, text: str, start: int) -> bool:
        return text[start : start + 1] in self.loose or text.startswith(self.compound, start)


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def _closed(text: str, end: int) -> bool:
    """The text ends at `end`, or a character that is not Han follows."""
    return end >= len(text) or not _is_han(text[end])


def _clause_ends(text: str, end: int) -> bool:
    """Punctuation, a line break or the text's end right after `end` (spaces between)."""
    rest = text[end : end + 8].lstrip(" \t\u3000")
    return not rest or rest[0] in "，,。.！!？?；;、）)\n" or rest.startswith("\\n")


def _cue_lines() -> list[str]:
    raw = files("sentinel.privacy").joinpath("data", "zh_person_cues.txt").read_text("utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip()]
