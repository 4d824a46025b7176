"""Names that are companies and brands: a bank, an insurer, a carrier, a hotel, a shop.

Two kinds of evidence, from the world's naming rather than a corpus:

* data/organisations.txt (banks of the FSB's G-SIB list and the big retail banks, card
  networks, insurers, telecom operators, airlines, hotel groups, couriers, retailers,
  technology firms; English and Chinese). A name finding that lies inside one of them
  written in the text (Wells in "Wells Fargo", 國泰 in 國泰世華), or that is one of them
  with an organisation word (Hotel Marriott, Barclays Bank), is that firm: at once when
  the firm's name is no listed given name, surname or everyday word (Verizon, Geico,
  Aramex); when it is (Tiffany, Ford, Chase, 平安), only with a word of trade or service
  in its sentence (rings from Tiffany USD 2,562; the Chase app; 平安保险的理赔). Nothing
  before it may introduce a person (Mr., Dear, I'm, 我叫).
* A Chinese enterprise name is 字号 + 行业 + 组织形式 (the trade name, the trade, the
  legal form: 华信 + 物流 + 有限公司, under China's rules for registering enterprise
  names), and shops, schools and hospitals name themselves the same way (金凤 + 酒楼):
  a Chinese name finding right before a trade or legal-form word is a trade name.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from importlib.resources import files

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy.phrases import PhraseTable, read_sections
from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.script import fold_traditional
from sentinel.privacy.sentences import sentence_bounds

_HAN = regex.compile(r"\p{Han}")
_LONGEST_NAME = 64  # a longer finding is a run of words, not a firm and its org word
_WORDS = regex.compile(r"[\p{L}\p{M}\d'’.&+-]+")
# Words an organisation's name carries around it (Hotel Marriott, Barclays Bank).
_ORG_TEXT = (
    "bank banking hotel hotels resort resorts inn suites airlines airline airways air "
    "insurance mobile wireless telecom express post group inc ltd llc plc co corp "
    "company store stores shop boutique the"
)
_ORG_WORD = frozenset(_ORG_TEXT.split())
# Trade and service words: a name beside them is a firm's.
_TRADE = regex.compile(
    r"\b(?:stores?|shops?|shopping|bought|buy|buying|ordered|orders?|purchased?|paid|pay|"
    r"payment|charged?|charges|price|refund(?:ed)?|returns?|receipt|card|account|bank|"
    r"branch|atm|app|website|online|customers?|service|support|hotline|helpline|"
    r"fraud|policy|claim|insurance|insurer|premium|flights?|airline|booking|booked|"
    r"reservation|check-?in|delivery|delivered|parcels?|packages?|shipments?|shipping|"
    r"shipped|waybill|tracking|courier|driver|hotel|room|folio|stay|subscription|plan|"
    r"bill|billing|invoice|rings?|jewel(?:le)?ry|necklace|bracelet|watch|handbag|outlet|"
    r"mall|brand|stock|shares|carrier|network|signal|sim|contract|loan|mortgage|transfer|"
    r"statement|points|miles|rewards|membership|promo|coupon|store\s+credit)\b"
    r"|银行|卡|账户|转账|客服|热线|官网|下单|订单|快递|物流|包裹|寄|发货|保险|理赔|保单|航班|机票|"
    r"酒店|入住|预订|会员|积分|门店|购买|买|退款|贷款|套餐|话费|流量|营业厅|提醒|通知|短信|【",
)
# What a Chinese brand that is also a name or a word is followed by as a firm.
_ZH_TRADE_AFTER = regex.compile(
    r"(?:的)?(?:客服|热线|官网|门店|专卖店|旗舰店|专柜|app|APP|App|小程序|公众号|会员|积分|"
    r"提醒|通知|短信|银行|保险|证券|快递|物流|集团|公司|跑鞋|球鞋|运动鞋|服装)"
)
_PERSON_BEFORE = regex.compile(
    r"(?:\b(?:mr|mrs|ms|miss|dr|prof|dear|i'm|i\s+am|my\s+name\s+is|this\s+is|"
    r"signed|regards|attn)\b\W{0,3}|我叫|我是|姓名|联系人)$",
    regex.IGNORECASE,
)
# Before a Chinese name: a cue only a person takes (an 〈X〉员 agent, a driver, a patient,
# kin, an introduction), so 司机刘洋物流配送中心 is the driver, not a firm 刘洋物流.
_ZH_PERSON_BEFORE = regex.compile(
    r"(?:\p{Han}员|司机|师傅|患者|病人|乘客|旅客|学生|老师|医生|护士|同事|朋友|同学|邻居|"
    r"我爸|我妈|爸爸|妈妈|老公|老婆|丈夫|妻子|儿子|女儿|我叫|我是|叫|姓名|联系人)[ \t:：]*$"
)
# The trade and the legal form of a Chinese enterprise, shop, school or hospital name.
_ZH_ORG_AFTER = regex.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|公司|集团|控股|合作社|事务所|工作室|商行|研究院|研究所|"
    r"基金会|协会|银行(?![卡账帐])|证券|保险(?![单金费])|信托|物流(?!信息)|速运|速递|货运|科技|"
    r"实业|商贸|地产|置业|物业公司|建筑|工程|传媒|文化传播|餐饮|酒楼|"
    r"酒家|酒店|饭店|宾馆|旅馆|客栈|茶楼|餐厅|饭馆|面馆|药房|药店|大药房|医院|诊所|门诊|卫生院|"
    r"学校|大学|学院|中学|小学|幼儿园|服饰|制衣|汽修|航空|能源|化工|制药|医药|"
    r"资本|超市|商场|百货|书店|花店|烘焙|美发|车行|印刷|旅行社|"
    r"影城|影院|剧院|律所|会所|俱乐部|世华|人寿|航运|海运)"
)


@functools.cache
def _firms() -> PhraseTable[bool]:
    text = files("sentinel.privacy").joinpath("data", "organisations.txt")
    names = read_sections(text.read_text(encoding="utf-8").splitlines())
    return PhraseTable(dict.fromkeys(names, True))


class OrgLookalikes:
    """Judges name findings with the name lists the analyzer loaded."""

    def __init__(
        self, given: Collection[str], surnames: Collection[str], english: Collection[str]
    ) -> None:
        self.given, self.surnames, self.english = given, surnames, english
        self.zh_common = load("zh_common_words.txt")

    def organisation(self, text: str, result: RecognizerResult) -> bool:
        """Whether the PERSON or LOCATION finding names a firm or a Chinese trade name."""
        start, end = result.start, result.end
        if (
            _HAN.search(text, start, end)
            and _ZH_ORG_AFTER.match(fold_traditional(text[end : end + 8]))
            and not _ZH_PERSON_BEFORE.search(fold_traditional(text[max(0, start - 6) : start]))
        ):
            return True
        firm = None
        for s, e, _ in _firms().occurrences(text, max(0, start - 40), min(len(text), end + 40)):
            if (s <= start and e >= end) or (
                end - start <= _LONGEST_NAME
                and start <= s
                and e <= end
                and self._org_words(text, start, s, e, end)
            ):
                firm = (s, e)
                break
        if firm is None:
            return False
        if _PERSON_BEFORE.search(text, max(0, min(start, firm[0]) - 16), min(start, firm[0])):
            return False
        if not self._person_shaped(text[firm[0] : firm[1]]):
            return True
        if _HAN.search(text, firm[0], firm[1]):  # 李宁, 平安: only as a shop or a sender
            return bool(
                _ZH_TRADE_AFTER.match(fold_traditional(text[firm[1] : firm[1] + 6]))
                or (text[firm[0] - 1 : firm[0]] == "【" and text[firm[1] : firm[1] + 1] == "】")
            )
        lo, hi = sentence_bounds(text, start, end)
        return bool(_TRADE.search(fold_traditional(text[lo:hi])))

    @staticmethod
    def _org_words(text: str, start: int, s: int, e: int, end: int) -> bool:
        rest = _WORDS.findall(text[start:s] + " " + text[e:end])
        return bool(rest) and all(fold(w) in _ORG_WORD for w in rest)

    def _person_shaped(self, name: str) -> bool:
        """A name a person, or an everyday word, could also be: Tiffany, Chase, 平安."""
        if _HAN.search(name):
            return fold_traditional(name) in self.zh_common or len(name) <= 2
        keys = [fold(w.strip(".'’-")) for w in _WORDS.findall(name)]
        return bool(keys) and all(
            k in self.given or k in self.surnames or k in self.english for k in keys
        )
