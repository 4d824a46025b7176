"""A seeded, labelled chat corpus for the redaction evaluation (en, zh and mixed).

Values come from Faker's en_US / zh_CN (and a few European) locales; the sentences are
hand-written templates. Slots are `{TYPE}` for a PII value (labelled with its type) and
`[kind]` for a look-alike decoy (product and tech names, versions, order numbers,
durations, amounts, everyday Chinese words that start with a surname character). A
quarter of the documents hold no PII at all: those must come out unchanged.

`generate(seed)` is deterministic. The tuning split uses DEV_SEED; the held-out split
uses HELD_OUT_SEED, which nobody tunes on (see benchmarks/redaction_eval.py).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date

from faker import Faker

DEV_SEED = 19
HELD_OUT_SEED = 1919

Filler = Callable[[random.Random], str]

_SLOT = re.compile(r"\{([A-Z_]+)\}|\[([a-z_]+)\]")

_COMPOUND = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "皇甫", "令狐", "夏侯", "尉迟")
_PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

DECOYS: dict[str, tuple[str, ...]] = {
    "product": (
        "Nintendo Switch OLED",
        "Roomba j7",
        "iPhone 15 Pro",
        "Galaxy S23 Ultra",
        "Kindle Paperwhite",
        "AirPods Pro",
        "MacBook Air",
        "PlayStation 5",
        "Dyson V15",
        "ThinkPad X1 Carbon",
        "Apple Watch Series 9",
        "Surface Pro 9",
        "Pixel 8",
        "GoPro Hero 12",
        "Echo Dot",
    ),
    "product_zh": (
        "华为MatePad",
        "戴森吹风机",
        "小米手环8",
        "华为Mate 60",
        "大疆Mini 4 Pro",
        "格力空调",
        "海尔冰箱",
        "美的电饭煲",
        "苹果手表",
        "联想小新",
        "石头扫地机器人",
        "方太油烟机",
    ),
    "tech": (
        "Kafka",
        "Node.js",
        "Logstash",
        "RabbitMQ",
        "Terraform",
        "Jenkins",
        "ClickHouse",
        "MongoDB",
        "Celery",
        "Ansible",
        "Airflow",
        "Spring Boot",
        "Helm",
        "Istio",
        "Cassandra",
        "Nginx",
        "Redis",
        "Grafana",
        "Jupyter",
        "Vite",
        "Kibana",
        "Sidekiq",
        "Memcached",
    ),
    "zh_word": (
        "白名单",
        "黑名单",
        "高兴",
        "方便",
        "安全",
        "黄金",
        "周末",
        "明天",
        "常见",
        "高级",
        "金额",
        "程序",
        "马上",
        "欧洲",
        "司机",
        "石头",
        "于是",
        "任务",
        "关键",
        "温度",
        "全部",
        "龙头",
        "包装",
        "单位",
        "宋体",
        "江湖",
        "雷达",
        "钱包",
        "向导",
        "林业",
        "章节",
        "童年",
        "张开",
        "王国",
        "高峰",
        "段落",
        "文档",
        "毛巾",
        "东方",
        "上官网",
    ),
}


def _version(rng: random.Random) -> str:
    core = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}"
    return rng.choice(("v", "", "")) + core + rng.choice(("", "", "-rc1", "-beta.2"))


def _order(rng: random.Random) -> str:
    return rng.choice(
        (
            str(rng.randint(10**8, 10**9 - 1)),
            str(rng.randint(10**15, 10**16 - 1)),
            f"A{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            f"JIRA-{rng.randint(100, 9999)}",
            f"{rng.randint(2019, 2026)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(10**7, 10**8 - 1)}",
            f"INC{rng.randint(10**6, 10**7 - 1)}",
        )
    )


def _duration(rng: random.Random) -> str:
    n = rng.randint(2, 90)
    return rng.choice(
        (f"{n} minutes", f"{n / 10:.1f} hours", f"{n}ms", f"{n}天", f"{n}分钟", f"{n} days")
    )


def _amount(rng: random.Random) -> str:
    n = rng.randint(5, 99999)
    return rng.choice(
        (f"${n:,}.{rng.randint(0, 99):02d}", f"¥{n:,}", f"{n}元", f"€{n / 100:.2f}", f"{n} USD")
    )


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


class Values:
    """PII value fillers, all drawing from one seeded rng and seeded Fakers."""

    def __init__(self, seed: int) -> None:
        self.en = Faker("en_US")
        self.zh = Faker("zh_CN")
        self.eu = [Faker(loc) for loc in ("de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "en_GB")]
        for i, f in enumerate([self.en, self.zh, *self.eu]):
            f.seed_instance(seed * 31 + i)
        self.latin = [Faker(loc) for loc in ("es_ES", "de_DE", "fr_FR", "pt_BR", "it_IT")]
        for i, f in enumerate(self.latin):
            f.seed_instance(seed * 37 + i)

    # English -------------------------------------------------------------
    def en_name(self, rng: random.Random) -> str:
        if rng.random() < 0.15:
            f = rng.choice(self.latin)
            return f"{f.first_name()} {f.last_name()}"
        return f"{self.en.first_name()} {self.en.last_name()}"

    def en_surname(self, rng: random.Random) -> str:
        return self.en.last_name()

    def en_first(self, rng: random.Random) -> str:
        return self.en.first_name()

    def us_phone(self, rng: random.Random) -> str:
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
        return rng.choice(
            (
                f"1-{a}-{b}-{c:04d}",
                f"+1 {a} {b} {c:04d}",
                f"({a}) {b}-{c:04d}",
                f"{a}-{b}-{c:04d}",
                f"{a}.{b}.{c:04d}",
                f"+1-{a}-{b}-{c:04d}",
            )
        )

    def eu_phone(self, rng: random.Random) -> str:
        return rng.choice(self.eu).phone_number()

    def us_address(self, rng: random.Random) -> str:
        e = self.en
        street = e.street_address()
        return rng.choice(
            (
                f"{street}, {e.city()}, {e.state_abbr()} {e.zipcode()}",
                f"{street}, {e.city()}, {e.state_abbr()}",
                f"{street}",
            )
        )

    def email(self, rng: random.Random) -> str:
        return rng.choice((self.en, self.zh)).email()

    def card(self, rng: random.Random) -> str:
        number = self.en.credit_card_number(card_type=rng.choice(("visa16", "mastercard", "amex")))
        if rng.random() < 0.5 and len(number) == 16:
            return " ".join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def ssn(self, rng: random.Random) -> str:
        return self.en.ssn()

    def us_passport(self, rng: random.Random) -> str:
        if rng.random() < 0.5:
            return str(rng.randint(10**8, 10**9 - 1))
        return rng.choice("ACEFGHJKLMNPRSTUVWXZ") + str(rng.randint(10**7, 10**8 - 1))

    def en_dob(self, rng: random.Random) -> str:
        d: date = self.en.date_of_birth(minimum_age=18, maximum_age=90)
        return rng.choice(
            (
                d.strftime("%B %-d, %Y"),
                d.strftime("%m/%d/%Y"),
                d.isoformat(),
                d.strftime("%-d %B %Y"),
                d.strftime("%b %-d %Y"),
            )
        )

    def ip(self, rng: random.Random) -> str:
        return self.en.ipv4_public()

    def iban(self, rng: random.Random) -> str:
        return rng.choice(self.eu[:3]).iban()

    # Chinese -------------------------------------------------------------
    def zh_name(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.12:
            return rng.choice(_COMPOUND) + self.zh.first_name()[:2]
        if r < 0.45:
            return self.zh.last_name()[0] + self.zh.first_name()[0]  # two characters
        return self.zh.name()

    def zh_surname(self, rng: random.Random) -> str:
        return self.zh.last_name()

    def cn_mobile(self, rng: random.Random) -> str:
        number = self.zh.phone_number()
        return rng.choice((number, f"+86 {number}", f"{number[:3]}-{number[3:7]}-{number[7:]}"))

    def zh_address(self, rng: random.Random) -> str:
        z = self.zh
        district = z.district() + "区"
        city = z.city_name() + "市"
        road = z.street_name().rstrip("路街") + rng.choice(("路", "街", "大道"))
        number = f"{rng.randint(1, 999)}号"
        unit = rng.choice(("", f"{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室", ""))
        return rng.choice((f"{z.province()}{city}{district}", f"{city}{district}")) + (
            f"{road}{number}{unit}"
        )

    def resident_id(self, rng: random.Random) -> str:
        return self.zh.ssn()

    def resident_id_typo(self, rng: random.Random) -> str:
        good = self.zh.ssn()
        wrong = rng.choice([c for c in "0123456789X" if c != good[-1]])
        return good[:-1] + wrong

    def cn_passport(self, rng: random.Random) -> str:
        return rng.choice("EG") + str(rng.randint(10**7, 10**8 - 1))

    def zh_dob(self, rng: random.Random) -> str:
        d: date = self.zh.date_of_birth(minimum_age=18, maximum_age=90)
        return rng.choice(
            (
                f"{d.year}年{d.month}月{d.day}日",
                d.isoformat(),
                f"{d.year}/{d.month:02d}/{d.day:02d}",
            )
        )

    def wechat(self, rng: random.Random) -> str:
        base = self.en.user_name().replace(".", "_")[:14]
        if not base[0].isalpha():
            base = "wx" + base
        return base + rng.choice(("", "_" + str(rng.randint(1970, 2005)), str(rng.randint(1, 99))))

    def qq(self, rng: random.Random) -> str:
        return str(rng.randint(10**5, 10**10))

    def plate(self, rng: random.Random) -> str:
        head = rng.choice(_PROVINCE_ABBR) + rng.choice(_PLATE_LETTERS)
        if rng.random() < 0.25:  # new-energy: D/F + 5 characters
            tail = rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
        else:
            tail = "".join(
                rng.choice(_PLATE_LETTERS) if rng.random() < 0.2 else str(rng.randint(0, 9))
                for _ in range(5)
            )
        return head + rng.choice(("", "·", " ")) + tail

    def unionpay(self, rng: random.Random) -> str:
        return _luhn_complete("62", rng.choice((16, 19)), rng)


# PII slot -> (labelled type, Values method name)
PII_SLOTS: dict[str, tuple[str, str]] = {
    "NAME": ("PERSON", "en_name"),
    "SURNAME": ("PERSON", "en_surname"),
    "FIRST": ("PERSON", "en_first"),
    "USPHONE": ("PHONE_NUMBER", "us_phone"),
    "EUPHONE": ("PHONE_NUMBER", "eu_phone"),
    "USADDR": ("LOCATION", "us_address"),
    "EMAIL": ("EMAIL_ADDRESS", "email"),
    "CARD": ("CREDIT_CARD", "card"),
    "SSN": ("US_SSN", "ssn"),
    "USPASS": ("PASSPORT", "us_passport"),
    "DOB": ("DATE_OF_BIRTH", "en_dob"),
    "IP": ("IP_ADDRESS", "ip"),
    "IBAN": ("IBAN_CODE", "iban"),
    "ZHNAME": ("PERSON", "zh_name"),
    "ZHSURNAME": ("PERSON", "zh_surname"),
    "MOBILE": ("PHONE_NUMBER", "cn_mobile"),
    "ZHADDR": ("LOCATION", "zh_address"),
    "RID": ("CN_RESIDENT_ID", "resident_id"),
    "RIDTYPO": ("CN_RESIDENT_ID", "resident_id_typo"),
    "CNPASS": ("PASSPORT", "cn_passport"),
    "ZHDOB": ("DATE_OF_BIRTH", "zh_dob"),
    "WECHAT": ("IM_ACCOUNT", "wechat"),
    "QQ": ("IM_ACCOUNT", "qq"),
    "PLATE": ("CN_LICENSE_PLATE", "plate"),
    "UNIONPAY": ("CREDIT_CARD", "unionpay"),
}

DECOY_FILLERS: dict[str, Filler] = {
    **{kind: (lambda rng, v=values: rng.choice(v)) for kind, values in DECOYS.items()},
    "version": _version,
    "order": _order,
    "duration": _duration,
    "amount": _amount,
}

EN_TEMPLATES = (
    "Hi, I'm {NAME}. Can you help me write a [tech] consumer for our logs?",
    "Please email {NAME} at {EMAIL} about the [tech] upgrade to [version].",
    "Call me at {USPHONE} after the standup, my [product] is acting up again.",
    "You can reach {NAME} on {USPHONE} or {EMAIL}.",
    "Ship the replacement [product] to {USADDR} please, order [order].",
    "My billing address is {USADDR} and the card is {CARD}.",
    "Dear {NAME}, your refund of [amount] for order [order] was approved.",
    "Mr. {SURNAME} asked whether the [tech] cluster can be back within [duration].",
    "Ms. {SURNAME} will call from {EUPHONE} tomorrow.",
    "Our office in Amsterdam answers on {EUPHONE}; ask for {NAME}.",
    "My SSN is {SSN}, do I need it for the W-9?",
    "Social security number: {SSN}. Date of birth: {DOB}.",
    "I was born on {DOB} and my passport number is {USPASS}.",
    "Passport no. {USPASS}, issued to {NAME}.",
    "DOB {DOB}, member since [version]; name on file {NAME}.",
    "The [tech] broker at {IP} drops connections after [duration].",
    "Wire [amount] to IBAN {IBAN}, reference [order].",
    "Thanks {FIRST}, the [product] arrived in [duration].",
    "This is {NAME} from accounting; my direct line is {USPHONE}.",
    "Contact: {NAME}, {USADDR}, {USPHONE}.",
    "Can {NAME} and {NAME} both get access to the [tech] dashboard?",
    "My name is {FIRST} {SURNAME} and I bought a [product] for [amount].",
    "Please update my card to {CARD}; the old one expired.",
    "Send the contract to {NAME}, {EMAIL}, before [duration] from now.",
    "I moved to {USADDR} last month, please update ticket [order].",
)

ZH_TEMPLATES = (
    "你好，我叫{ZHNAME}，想问一下[tech]怎么配置。",
    "请联系{ZHNAME}，电话{MOBILE}，邮箱{EMAIL}。",
    "{ZHNAME}说[product_zh]坏了，订单号[order]。",
    "我的身份证号是{RID}，帮我查一下[zh_word]。",
    "身份证{RIDTYPO}，姓名{ZHNAME}。",
    "收货地址：{ZHADDR}，收件人{ZHNAME}，手机{MOBILE}。",
    "寄到{ZHADDR}就行，[duration]内送到。",
    "{ZHSURNAME}先生明天下午来取[product_zh]。",
    "{ZHSURNAME}女士的订单[order]退款[amount]。",
    "护照号码{CNPASS}，出生日期{ZHDOB}。",
    "我的生日是{ZHDOB}，能打折吗？",
    "加我微信{WECHAT}，或者QQ {QQ}。",
    "微信号：{WECHAT}，备注[zh_word]。",
    "QQ号{QQ}，[duration]后再联系。",
    "车牌号{PLATE}的车停在门口了。",
    "我的车是{PLATE}，停车费[amount]。",
    "银行卡号{UNIONPAY}，户名{ZHNAME}。",
    "{ZHNAME}和{ZHNAME}负责[tech]的[zh_word]。",
    "麻烦转告{ZHNAME}老师，[product_zh]已经到了。",
    "联系人：{ZHNAME}，电话：{MOBILE}。",
    "我是{ZHNAME}，服务器{IP}连不上[tech]了。",
    "谢谢{ZHNAME}，[zh_word]的问题解决了。",
    "{ZHNAME}经理让我把[zh_word]发给你。",
    "客户{ZHNAME}的身份证是{RID}。",
)

MIXED_TEMPLATES = (
    "我叫{ZHNAME}, my email is {EMAIL}, 用的是[tech] [version]。",
    "Please ask {ZHNAME} (手机 {MOBILE}) about the [product] order [order].",
    "{NAME}的微信是{WECHAT}，他在用[tech]。",
    "Shipping to {USADDR}，收件人{NAME}。",
    "Passport {CNPASS}, 姓名{ZHNAME}, DOB {DOB}.",
    "我的[product]订单[order]，联系{NAME} at {USPHONE}。",
    "{ZHNAME} said the [tech] job at {IP} takes [duration].",
)

PII_FREE_EN = (
    "How do I configure [tech] to retry after [duration]?",
    "The [product] costs [amount] and shipping takes [duration].",
    "Upgrading [tech] from [version] to [version] broke order [order].",
    "Is the [product] worth [amount], or should I wait for the next one?",
    "Our [tech] and [tech] setup runs [version] in production.",
    "Ticket [order]: [tech] latency went up for [duration].",
    "Compare [product] and [product] for a gift under [amount].",
    "Why does [tech] [version] log a warning every [duration]?",
)

PII_FREE_ZH = (
    "[product_zh]多少钱？我看到的是[amount]。",
    "[tech]的[zh_word]怎么设置？",
    "订单[order]什么时候发货？已经等了[duration]。",
    "[zh_word]和[zh_word]有什么区别？",
    "[tech] [version]升级以后，[zh_word]功能还能用吗？",
    "买了[product_zh]，[duration]就坏了，能退[amount]吗？",
    "请把[zh_word]加到配置里，[tech]要重启。",
    "我们用[tech]处理[zh_word]，每[duration]跑一次。",
)


def _fill(template: str, values: Values, rng: random.Random, lang: str, doc_id: str) -> dict:
    text, pii, decoys, pos = "", [], [], 0
    for m in _SLOT.finditer(template):
        text += template[pos : m.start()]
        pii_slot, decoy_kind = m.groups()
        if pii_slot:
            entity, method = PII_SLOTS[pii_slot]
            value = getattr(values, method)(rng)
            pii.append({"type": entity, "start": len(text), "end": len(text) + len(value)})
        else:
            value = DECOY_FILLERS[decoy_kind](rng)
            decoys.append({"kind": decoy_kind, "start": len(text), "end": len(text) + len(value)})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"id": doc_id, "lang": lang, "text": text, "pii": pii, "decoys": decoys}


def generate(seed: int, n_docs: int = 1000) -> list[dict]:
    """`n_docs` labelled documents: en, zh and mixed, a quarter without any PII."""
    rng = random.Random(seed)
    values = Values(seed)
    pools = (
        ("en", EN_TEMPLATES, 0.30),
        ("zh", ZH_TEMPLATES, 0.30),
        ("mixed", MIXED_TEMPLATES, 0.15),
        ("en", PII_FREE_EN, 0.125),
        ("zh", PII_FREE_ZH, 0.125),
    )
    weights = [w for _, _, w in pools]
    docs = []
    for i in range(n_docs):
        lang, templates, _ = rng.choices(pools, weights)[0]
        docs.append(_fill(rng.choice(templates), values, rng, lang, f"{seed}-{i}"))
    return docs
