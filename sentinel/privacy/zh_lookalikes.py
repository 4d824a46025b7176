"""Chinese "names" that are things, places or shops, judged by a dictionary and the words
around them.

jieba's dictionary tags thousands of everyday words that start with a surname character
as names (杨梅 bayberry, 柳树 willow, 索道 ropeway) and places and brands too, so the
name recognizer's dictionary path (a whole jieba word, no context) over-redacts them:

* a dictionary word that CC-CEDICT reads as no person (data/zh_common_words.txt) found
  with no person context: nothing before it addresses or names someone (跟 / 给 / 找 /
  我叫 ...), nothing joins it to another name (X和王芳), nothing after it is what a
  person does or owns (说, 的孩子 ...); not the start of a three-character name (a
  given-name character standing after it), nor a district or a street (武侯区);
* a word right before a noun of goods, food, shops, maps or trips (X剪刀, X麻辣烫,
  X旗舰店, X地图, X一日游, X转运中心): a person is not a modifier of a product noun, as in
  English (`brands`); nouns a person owns (手机, 电话, 邮箱) are not among them;
* a three-character dictionary word ending in a dish or drink character (X汤, X粥, X糕);
* a word between "at / to" and "buy" (在X买, 喺X買, 去X购物): a shop.

Findings from context (我叫, titles, 联系人) have other scores and are never judged by
the dictionary; nor is a word later in its clause with what only people do (负责, 请假).
"""

from __future__ import annotations

from collections.abc import Sequence

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy.phrases import SpanIndex
from sentinel.privacy.recognizers.gazetteer import load

_HAN = regex.compile(r"\p{Han}")
_DICTIONARY_SCORE = 0.85  # ZhPersonRecognizer's whole-word finding, no context
_ADMINISTRATIVE = frozenset("省市区县镇乡村路街巷弄")  # not 道: 索道, 隧道 are things
# Before a name: words that address, name or hand something to a person.
_PERSON_BEFORE = regex.compile(
    r"(?:跟|给|找|叫|问|让|告诉|同事|谢谢|感谢|联系|通知|转告|和|我是|是|@)\s*$"
)
# After a name: what a person does, says or owns.
_PERSON_AFTER = regex.compile(
    r"\s*(?:说|讲|问|把|要|想|让|告诉|回复|负责|同意|答应|觉得|认为|打电话|发|来|去|在|也|都|已经|还(?!是)|"
    r"今天|明天|昨天|刚|先生|女士|小姐|老师|经理|同学|医生|的(?:孩子|儿子|女儿|老公|老婆|妈妈|爸爸|"
    r"电话|手机|微信|邮箱|账号|身份证|护照|地址|生日|名字|朋友|同事|工资|简历|电脑|工位|快递|订单|"
    r"发票|合同|报告|方案|资料|航班|老板|助理|报销|车|家))"
)
# What only people do or are, anywhere later in the clause (X和Y负责年会, X和Y是同学).
_PERSON_ACTS = regex.compile(
    r"负责|请假|打电话|签字|值班|出差|加班|面试|入职|离职|结婚|答应|回复|说|"
    r"是(?:同学|同事|朋友|邻居|夫妻|双胞胎|姐妹|兄弟|室友)"
)
_CLAUSE_END = regex.compile(r"[，。！？；,.!?;\n]")
# The last character of a dish or a drink, never a given name's (data/zh_given_chars.txt
# holds none of them): a three-character "name" ending so is food.
_DISH = frozenset("汤粥粉面饭糕饼酱醋羹锅")
_JOINT = regex.compile(r"和|与|跟|、")
# A value standing alone: a table cell, a field's value, an item of a list.
_ALONE_BEFORE = regex.compile(r"(?:^|[|:：,，、;；])\s*$")
_ALONE_AFTER = regex.compile(r"\s*(?:[|,，、;；\n]|\\n|$)")
# Nouns a brand, a shop or a place modifies (never what a person owns: 手机, 电话).
_THING_AFTER = regex.compile(
    r"(?:剪刀|菜刀|刀具|手镯|项链|戒指|首饰|珠宝|黄金|金店|手表|跑鞋|球鞋|运动鞋|鞋子|服装|女装|男装|"
    r"凉茶|饮料|奶茶|咖啡|火锅|麻辣烫|米线|拉面|面馆|烤鸭|包子|饺子|螺蛳粉|酱油|零食|方便面|"
    r"地图|导航|外卖|快递|app|APP|App|旗舰店|专卖店|门店|分店|专柜|超市|商城|商场|购物|購物|官网|"
    r"品牌|牌子|集团|药店|药房|大药房|酒店|饭店|餐厅|一日游|二日游|自驾游|景区|古镇|转运中心|"
    r"分拣中心|机场|火车站|高铁站|汽车站|服务区|收费站)"
)
# "at / to X buy": a shop (在X买, 喺X買嘅, 去X购物).
_AT_BEFORE = regex.compile(r"(?:在|喺|去|到)$")
_BUY_AFTER = regex.compile(r"(?:买|買|购|購|下单|下單|订|訂)")


class ZhFindings:
    """One analysis's findings as the judge asks about them: places by bisection, names
    by where they start and end. Asked of every finding in turn, a walk over all of
    them made a wall of names ("张伟说" x 20,000) cost quadratic time."""

    def __init__(self, results: Sequence[RecognizerResult]) -> None:
        self.places = SpanIndex(results, lambda r: r.entity_type == "LOCATION")
        self.name_starts = {r.start for r in results if r.entity_type == "PERSON"}
        self.name_ends = {r.end for r in results if r.entity_type == "PERSON"}


def _paired_with_name(text: str, start: int, end: int, found: ZhFindings) -> bool:
    """Whether 和 / 与 / 跟 / 、 joins the finding to another name found (X和王芳是同学)."""
    joint = _JOINT.match(text, end)
    if joint:
        return joint.end() in found.name_starts
    return (
        start > 0
        and bool(_JOINT.fullmatch(text, start - 1, start))
        and (start - 1 in found.name_ends)
    )


class ZhLookalikes:
    """Judges the Chinese name recognizer's findings; loads its dictionary once."""

    def __init__(self) -> None:
        self.common = load("zh_common_words.txt")
        self.given = load("zh_given_chars.txt")

    def not_a_person(self, text: str, result: RecognizerResult, found: ZhFindings) -> bool:
        """Whether the finding is a thing, a place or a shop rather than a name. One
        that stands alone as a value (a table cell, a field) or touches an address
        found in the text is judged no further: a name before an address is its
        recipient, and a word inside one goes with it anyway."""
        start, end = result.start, result.end
        if _ALONE_BEFORE.search(text, max(0, start - 3), start) and _ALONE_AFTER.match(text, end):
            return False
        if found.places.overlaps(start - 4, end + 4):  # a place starting by end + 3
            return False
        if _THING_AFTER.match(text, end):
            return True
        if _AT_BEFORE.search(text, max(0, start - 1), start) and _BUY_AFTER.match(text, end):
            return True
        word = text[start:end]
        if result.score != _DICTIONARY_SCORE:
            return False
        if len(word) == 3 and word[-1] in _DISH and word[-1] not in self.given:
            return True  # 罗宋汤, 冯记粥: a dish; no given name ends so
        if word not in self.common:
            return False
        if word[-1] in _ADMINISTRATIVE:
            return False  # 武侯区: a district, named in an address more often than not
        if _HAN.match(text, end) and text[end] in self.given and not _HAN.match(text, end + 1):
            return False  # 许可 + 馨: the word opens a three-character name
        before = text[max(0, start - 4) : start]
        if _PERSON_BEFORE.search(before) or _PERSON_AFTER.match(text, end):
            return False
        if _paired_with_name(text, start, end, found):
            return False
        clause = _CLAUSE_END.search(text, end)
        return not _PERSON_ACTS.search(text, end, clause.start() if clause else len(text))
