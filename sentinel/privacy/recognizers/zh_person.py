"""Chinese person names: jieba's segmenter, surname + given-name structure, context words.

jieba's dictionary tags names `nr` / `nrfg` / `nrt`, and its HMM joins characters it has
never seen into new words, which in chat text are mostly names (刘霞, 曾丽娟). That
segmenter is ~9x faster than `jieba.posseg`, whose joint HMM tagging costs the most,
so words are segmented with `jieba.cut` and tagged by dictionary lookup. Rules:

* a word of 2-3 characters (3-4 with a compound surname such as 欧阳, 诸葛) that starts
  with a surname (data/zh_surnames.txt) and is not an everyday word: jieba's dictionary
  frequency tells 高兴, 王国, 雷达 (thousands) from 高阳, 罗阳 (dozens);
* a surname word followed by a given name jieba split off (唐 + 国庆, 欧阳 + 娜娜): a
  word tagged as a name or made of given-name characters (data/zh_given_chars.txt);
* context: after 我叫 / 我是 / 联系人 / 收件人 / 户名 ..., or before 先生 / 女士 / 老师 /
  经理 ..., a surname and up to two given-name characters are a name even when the
  dictionary knows the word, and a surname alone before a title is one too (王先生).

Surname characters that mostly start ordinary words (和, 有, 能 ...) count only in context.
"""

from __future__ import annotations

import logging
import re

import jieba
import jieba.posseg
import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gazetteer import load

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Longer runs go to jieba in pieces (`_in_pieces`); chat sentences are far shorter.
_RUN_PIECE = 400
_RUN_OVERLAP = 8
_NAME_FLAGS = frozenset({"nr", "nrfg", "nrt"})
# Tags jieba gives to given names it does not know: names, nouns of other kinds,
# adjectives (浩然), time words (国庆), bound morphemes (涵, 伟).
_GIVEN_NAME_FLAGS = _NAME_FLAGS | {"nz", "a", "t", "vg", "ng", "j", "ag", "zg"}
# A dictionary word this frequent is an everyday word, whatever its tag (高峰, 宋体).
_EVERYDAY_FREQ = 100
_EVERYDAY_NAME_FREQ = 1000  # for words jieba tags as names: 王平 (352) is one, 雷达 not
_CONTEXT_ONLY = frozenset("和有能那都后年言第从以乐通双别公红相海法云东西南北上下中前用是")
# Words after which a surname and given name are a name even if the dictionary knows them,
# words after which they must not be an everyday word, and titles that follow a name.
_STRONG_INTRO = "我叫|叫做|名叫|名字是|名字叫|姓名|联系人|收件人|收货人|户名|持卡人|乘客"
_WEAK_INTRO = "我是|客户|患者|转告|谢谢|感谢|联系|找|问问|请|让|告诉|通知|同事|跟|给|和|问|叫"
# 总 (王总, the boss) but not 总结 / 总共 / 总是 ...
_TITLES = (
    "先生|女士|小姐|老师|经理|总监|医生|主任|同学|教授|律师|阿姨|师傅|大夫|总经理|"
    "总(?![结共是体部数额计算之统量和])|组长|部长|院长|校长|队长|局长|处长|科长|主管|护士|助理|"
    "姐(?!妹)|哥(?!们)"
)
_WEAK_TITLES = "说|和|的"
# Characters that, standing alone after a surname, are a verb or particle, not a name.
_FUNCTION_CHARS = frozenset("有和是能都那从以用的了在也就还")
# Words before and after which a word jieba's HMM made up is a name (跟袁泉说一声).
_BEFORE_NAME = frozenset(["跟", "和", "给", "发给", "找", "叫", "问", "让", "告诉", "同事"])
_AFTER_NAME = frozenset(["说", "把", "要", "跟", "和"])


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What a person does or owns: after these, a word jieba knows as a name or a proper noun
# is a person even when it is also an everyday word (苏醒把, 高山说, 杜鹃的孩子), at the
# start of a clause or after 跟 / 给 / 让 ... (杨树的叶子 stays: 叶子 is owned by no one).
_PERSON_ACTS = _words(
    "说 把 让 要 问 告诉 请假 负责 打电话 同意 答应 觉得 认为 回复 签字 值班 出差 "
    "加班 面试 入职 离职 结婚 生病 发 发了 晚点 已经 还没 明天 今天 昨天 下周 刚才"
)
_OWNED = _words(
    "孩子 儿子 女儿 老公 老婆 妈妈 爸爸 电话 手机 微信 邮箱 账号 工位 电脑 快递 发票 合同 方案 "
    "车 家 朋友 同事 老板 助理 简历 护照 身份证 地址 工资 报销 演讲稿 资料 航班 订单 报告"
)
# The strictest of the above: what nothing but a person does or holds.
_ONLY_PEOPLE_DO = _words("说 负责 请假 打电话 签字 值班 出差 加班 面试 入职 离职 结婚 答应 回复")
_OWNED_ONLY_BY_PEOPLE = _words(
    "孩子 儿子 女儿 老公 老婆 妈妈 爸爸 电话 手机 微信 邮箱 账号 身份证 身份证号 护照 简历 工资"
)
# Endings of words for roles and groups, which speak and own too (商家, 专家, 官方, 店员).
_ROLE_ENDINGS = frozenset("家方员师生长工人户者们局司部队商主")
_NOT_NOUN_FLAGS = frozenset({"t", "m", "q", "r", "d", "p", "c", "u", "f"})
_PROPER_FLAGS = frozenset({"nz", "ns"})
_PROPER_FREQ = 2000  # 金星 (695), 高山 (1202); 北京 and 中国 are far above


class ZhPersonRecognizer(EntityRecognizer):
    """PERSON in Chinese text; runs jieba only over the Han runs of a text."""

    def __init__(self, supported_language: str) -> None:
        self.tags: dict[str, str] = {}
        self.freq: dict[str, int] = {}
        super().__init__(  # calls load()
            supported_entities=["PERSON"],
            name="ZhPersonRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Build jieba's dictionary now rather than on the first request (about 1 s)."""
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        self.tags = jieba.posseg.dt.word_tag_tab
        self.freq = jieba.dt.FREQ
        surnames = load("zh_surnames.txt")
        self.compound = tuple(s for s in surnames if len(s) == 2)
        self.single = frozenset(s for s in surnames if len(s) == 1)
        self.structural = self.single - _CONTEXT_ONLY
        # Every finding of `_in_run` starts at one of these (a surname that counts
        # without context, or a compound surname's first character): a run holding
        # none of them is not segmented at all.
        self.run_starts = self.structural | {s[0] for s in self.compound}
        self.given = load("zh_given_chars.txt")
        surname = "(?:" + "|".join(self.compound) + "|[" + "".join(sorted(self.single)) + "])"
        given = "[" + "".join(sorted(self.given)) + "]"
        sep = r"\s*[:：]?\s*"
        self.strong = regex.compile(
            rf"(?<=(?:{_STRONG_INTRO}){sep})(?:{'|'.join(self.compound)}|\p{{Han}})"
            rf"(?:{given}{{1,2}}|\p{{Han}}(?!\p{{Han}}))"
        )
        self.weak_intro = regex.compile(rf"(?<=(?:{_WEAK_INTRO}){sep}){surname}{given}{{1,2}}")
        self.weak_title = regex.compile(rf"{surname}{given}{{1,2}}(?=(?:{_WEAK_TITLES}|{_TITLES}))")
        self.titled = regex.compile(rf"{surname}(?=(?:{_TITLES}))")
        # 小王 / 老张: after 跟 / 给 ... anywhere, else before what a person does
        single = "[" + "".join(sorted(self.structural)) + "]"
        self.nickname = regex.compile(
            rf"(?:(?<=[跟给和让叫问找]|告诉)[小老]{single}|(?<!\p{{Han}})[小老]{single}(?=[说把要让])"
            # 老陈 alone between Latin words ("老陈 please check"); 小 + one is as often
            # a brand (小米)
            rf"|(?<!\p{{Han}})老{single}(?!\p{{Han}}))"
        )
        # a given name alone, between 跟 / 给 / 让 ... and what a person does (跟志刚说)
        self.lone_given = regex.compile(rf"(?<=[跟给和让叫问找]){given}{{2}}(?=[说把要])")
        # Cheap tests first: the context patterns scan every position of the text.
        self.has_strong = regex.compile(_STRONG_INTRO)
        self.has_weak = regex.compile(_WEAK_INTRO)
        self.has_title = regex.compile(f"{_WEAK_TITLES}|{_TITLES}")

    def _everyday(self, word: str) -> bool:
        limit = _EVERYDAY_NAME_FREQ if self.tags.get(word) in _NAME_FLAGS else _EVERYDAY_FREQ
        return self.freq.get(word, 0) >= limit

    def _looks_like_name(self, word: str) -> bool:
        if word.startswith(self.compound):
            return 3 <= len(word) <= 4
        # 谢谢, 常常: a reduplicated word is never a surname + given name
        return 2 <= len(word) <= 3 and word[0] in self.structural and word[1] != word[0]

    def _given_part(self, word: str) -> str:
        return word[2:] if word.startswith(self.compound) else word[1:]

    def _is_given(self, word: str | None, tag: str | None) -> bool:
        """A given name jieba split off: name-list characters, a name tag, or a word of
        the HMM or of a given-name-like tag (浩然 a, 国庆 t) with a name character."""
        if word is None or len(word) > 2 or (len(word) == 2 and self._everyday(word)):
            return False
        if word in _FUNCTION_CHARS:  # 东方 + 有 (什么区别)
            return False
        if all(c in self.given for c in word) or tag in _NAME_FLAGS:
            return True
        return (tag is None or tag in _GIVEN_NAME_FLAGS) and any(c in self.given for c in word)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        if self.has_strong.search(text):
            results += [
                RecognizerResult("PERSON", *m.span(), 0.9) for m in self.strong.finditer(text)
            ]
        weak = []
        if self.has_weak.search(text):
            weak += self.weak_intro.finditer(text)
        if self.has_title.search(text):
            weak += self.weak_title.finditer(text)
            results += [
                RecognizerResult("PERSON", *m.span(), 0.7)
                for m in self.titled.finditer(text)
                if m.group()[0] not in _CONTEXT_ONLY
                # 空姐, 帅哥, 师姐 are words: surname + the title's first character
                and not self.freq.get(text[m.start() : m.end() + 1], 0)
            ]
            results += [
                RecognizerResult("PERSON", *m.span(), 0.6)
                for m in self.lone_given.finditer(text)
                # 建军 (170) and 国庆 (131) are names here, 朋友 (9,200) is not
                if self.freq.get(m.group(), 0) < _EVERYDAY_NAME_FREQ
            ]
        results += [
            RecognizerResult("PERSON", *m.span(), 0.8) for m in weak if self._plausible(m.group())
        ]
        if "小" in text or "老" in text:
            results += [  # 老师, 小时, 老板 are words (thousands), 老张 (256) is not
                RecognizerResult("PERSON", *m.span(), 0.6)
                for m in self.nickname.finditer(text)
                if self.freq.get(m.group(), 0) < _EVERYDAY_NAME_FREQ
            ]
        for run in _HAN_RUN.finditer(text):
            if not self.run_starts.isdisjoint(run.group()):
                results += self._in_pieces(run.group(), run.start())
        return results

    def _in_pieces(self, run: str, pos: int) -> list[RecognizerResult]:
        """jieba's cut of one unbroken Han run costs more than linear (64,000 characters
        took ~20 s), so a run longer than any sentence is cut in overlapping pieces; a
        name is at most four characters, so one that a cut splits is whole in the next
        piece, and Presidio drops the half contained in it."""
        if len(run) <= _RUN_PIECE:
            return self._in_run(run, pos)
        results = []
        for i in range(0, len(run) - _RUN_OVERLAP, _RUN_PIECE - _RUN_OVERLAP):
            results += self._in_run(run[i : i + _RUN_PIECE], pos + i)
        return results

    def _plausible(self, name: str) -> bool:
        """Not an everyday word, nor one inside it (安全, 高峰, 王国), nor 有/和 + ..."""
        if name.startswith(self.compound):  # 司马建国, not 和东方有 (什么)
            return name[2:3] not in _CONTEXT_ONLY
        if name[0] in _CONTEXT_ONLY:
            return False
        return not any(self._everyday(name[:j]) for j in range(2, len(name) + 1))

    def _whole_word_name(self, word: str, tag: str | None, prev: str, nxt: str | None) -> bool:
        """One jieba word that is a whole name: surname + given name, not an everyday word."""
        if not self._looks_like_name(word):
            return False
        compound = word.startswith(self.compound)
        if compound and len(word) == 4 and self.freq.get(word[2:], 0) >= _EVERYDAY_FREQ:
            return False  # 东方明珠: 明珠 is a word, the whole a landmark
        if self._everyday(word):
            # a famous name jieba knows, of a compound surname (令狐冲), not 东方红 (a song)
            return compound and tag in _NAME_FLAGS and not word.startswith("东方")
        given = self._given_part(word)
        if tag is None:
            # a new word of the HMM needs a given-name character (not 方太) or words that
            # surround a person (跟袁泉说)
            return any(c in self.given for c in given) or prev in _BEFORE_NAME or nxt in _AFTER_NAME
        # a dictionary word only given-name characters: jieba tags 王平 and 高强 but also
        # 毛巾, 张开 and 华为 as names; a compound surname is not part of the given name
        # (皇甫嵩: 嵩, not 甫嵩)
        # three characters jieba knows as a name (周小川) are one whatever the characters,
        # unless they hold an everyday word (陈列柜, 白名单, 朱红色: jieba tags those nr too)
        return all(c in self.given for c in given) or (
            tag in _NAME_FLAGS and (compound or (len(word) == 3 and not self._holds_word(word)))
        )

    def _holds_word(self, word: str) -> bool:
        # jieba tags 陈列 (665) and 张开 (452) nr too, so any frequent prefix is a word
        return self.freq.get(word[:2], 0) >= _EVERYDAY_FREQ or self._everyday(word[1:])

    def _word_name_acting(self, words: list[str], i: int, tag: str | None, prev: str) -> bool:
        """A name that is also a word (苏醒 "wake up", 金星 "Venus"), known to jieba as a
        name or a proper noun, at the start of a clause or after 跟 / 给 ..., followed by
        what a person does or owns."""
        word = words[i]
        if not (2 <= len(word) <= 3 and (word[0] in self.structural or word in self.compound)):
            return False
        proper = tag in _PROPER_FLAGS and self.freq.get(word, 0) < _PROPER_FREQ
        if tag not in _NAME_FLAGS and not proper:
            return False
        if prev and prev not in _BEFORE_NAME:
            return False
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt == "的":
            return i + 2 < len(words) and words[i + 2] in _OWNED
        return nxt in _PERSON_ACTS

    def _word_only_people_do(self, words: list[str], i: int, prev: str) -> bool:
        """A surname + given name that is also an everyday noun (甘露 "nectar", 章程
        "rules"), opening a clause before what only a person does or owns: 说, 负责,
        的身份证 (柳树发芽 and 雷雨天气 are no such thing)."""
        word = words[i]
        if len(word) != 2 or word[0] not in self.structural or word[1] not in self.given:
            return False
        if word[1] in _ROLE_ENDINGS or self.tags.get(word) in _NOT_NOUN_FLAGS:
            return False  # 商家说, 官方说: people, but no one's name; 明天出差: a time
        if prev and prev not in _BEFORE_NAME:
            return False
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt == "的":
            return i + 2 < len(words) and words[i + 2] in _OWNED_ONLY_BY_PEOPLE
        return nxt in _ONLY_PEOPLE_DO

    def _in_run(self, run: str, pos: int) -> list[RecognizerResult]:
        results = []
        words = list(jieba.cut(run))
        tags = [self.tags.get(w) for w in words]  # None: a new word found by the HMM
        prev, prev_tag = "", None
        skip = False
        for i, word in enumerate(words):
            start, pos = pos, pos + len(word)
            tag = tags[i]
            nxt, nxt_tag = (words[i + 1], tags[i + 1]) if i + 1 < len(words) else (None, None)
            if skip:
                skip = False
            elif (
                word in self.compound or (len(word) == 1 and word in self.structural)
            ) and self._is_given(nxt, nxt_tag):
                results.append(RecognizerResult("PERSON", start, pos + len(nxt or ""), 0.7))
                skip = True
            elif (
                # a famous name of a compound surname jieba knows, continued by a given
                # name character: 诸葛亮 + 亮, 欧阳修 + 远 (else only 诸葛亮 would go)
                len(word) == 3
                and word.startswith(self.compound)
                and nxt is not None
                and len(nxt) == 1
                and nxt in self.given
            ):
                results.append(RecognizerResult("PERSON", start, pos + 1, 0.7))
                skip = True
            elif self._whole_word_name(word, tag, prev, nxt):
                results.append(RecognizerResult("PERSON", start, pos, 0.85))
            elif self._word_name_acting(words, i, tag, prev) or self._word_only_people_do(
                words, i, prev
            ):
                results.append(RecognizerResult("PERSON", start, pos, 0.65))
            elif (
                prev[-1:] in self.structural
                and prev_tag is None  # a surname the HMM glued on ("一下张" + "伟")
                and not self._everyday(prev[-1] + word)
                and (
                    (tag in _NAME_FLAGS and len(word) <= 2 and self._is_given(word, tag))
                    or (len(word) == 1 and (tag in _GIVEN_NAME_FLAGS or word in self.given))
                )
            ):
                results.append(RecognizerResult("PERSON", start - 1, pos, 0.6))
            prev, prev_tag = word, tag
        return results
