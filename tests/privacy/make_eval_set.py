"""Generate the labelled PII evaluation set (eval_set.jsonl) from a fixed seed.

Messages are realistic en / zh / mixed chat turns built from templates; every PII value
is labelled with its type and character span, and every decoy (technology names,
versions, Luhn-failing order numbers, 18-digit numbers with a bad GB 11643 checksum,
durations, ...) is labelled too, because redacting it is a measurable error. Values are
synthetic and checksummed like real ones, so the validators see what they would in
production. Run: python tests/privacy/make_eval_set.py (rewrites the JSONL).
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

SEED = 20260101
OUT = Path(__file__).with_name("eval_set.jsonl")

EN_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "Michael",
    "Jennifer",
    "David",
    "Linda",
    "William",
    "Elizabeth",
    "Richard",
    "Barbara",
    "Thomas",
    "Susan",
    "Charles",
    "Jessica",
    "Daniel",
    "Sarah",
    "Matthew",
    "Karen",
    "Anthony",
    "Nancy",
    "Mark",
    "Emily",
    "Steven",
    "Olivia",
    "Andrew",
    "Sophia",
    "Kevin",
    "Rachel",
    "Brian",
    "Laura",
    "George",
    "Hannah",
    "Edward",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
]
ZH_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
ZH_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文博",
    "子涵",
    "浩然",
    "雨欣",
    "思远",
    "晓东",
    "志强",
    "海燕",
    "红梅",
    "国庆",
    "丽娟",
    "俊杰",
    "欣怡",
]
EN_STREETS = ["Baker", "Maple", "Oak", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill"]
EN_STREET_TYPES = ["Street", "Avenue", "Road", "Lane", "Drive", "Boulevard"]
EN_CITIES = ["London", "Boston", "Seattle", "Chicago", "Denver", "Austin", "Portland"]
ZH_CITIES = [
    ("北京市", ["朝阳区", "海淀区", "东城区"]),
    ("上海市", ["浦东新区", "徐汇区", "静安区"]),
    ("广东省深圳市", ["南山区", "福田区"]),
    ("浙江省杭州市", ["西湖区", "滨江区"]),
    ("四川省成都市", ["武侯区", "锦江区"]),
]
ZH_ROADS = ["建国路", "中山路", "人民路", "科技园路", "文三路", "天府大道", "长安街", "解放路"]
DOMAINS = ["example.com", "gmail.com", "qq.com", "163.com", "outlook.com", "acme.io", "corp.cn"]
REGIONS = ["110105", "310104", "440305", "330106", "510107", "320102", "420106"]

TECH = [
    "Python",
    "Spark",
    "TCP/IP",
    "DeepSeek",
    "Kafka",
    "Redis",
    "PyTorch",
    "Kubernetes",
    "PostgreSQL",
    "Docker",
    "FastAPI",
    "Elasticsearch",
    "Flink",
    "Nginx",
]
DURATIONS_EN = ["5 years", "3 months", "two weeks", "48 hours", "10 minutes", "6 years"]
DURATIONS_ZH = ["5年", "三个月", "两周", "48小时", "十分钟", "半年"]


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def gb11643_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def en_person(self) -> str:
        return f"{self.r.choice(EN_FIRST)} {self.r.choice(EN_LAST)}"

    def zh_person(self) -> str:
        return self.r.choice(ZH_SURNAMES) + self.r.choice(ZH_GIVEN)

    def email(self) -> str:
        user = self.r.choice(
            [
                f"{self.r.choice(EN_FIRST).lower()}.{self.r.choice(EN_LAST).lower()}",
                f"{self.r.choice(EN_FIRST).lower()}{self.r.randint(1, 99)}",
                f"zhang{self.digits(4)}",
                f"li.{self.r.choice(['wei', 'na', 'jie', 'ming'])}",
            ]
        )
        return f"{user}@{self.r.choice(DOMAINS)}"

    def phone(self) -> str:
        kind = self.r.randrange(6)
        if kind == 0:
            return f"+1 {self.r.choice(['415', '212', '646', '312'])}-555-{self.digits(4)}"
        if kind == 1:
            return f"({self.r.choice(['415', '206', '617'])}) 555-{self.digits(4)}"
        if kind == 2:
            return f"+44 20 7946 {self.digits(4)}"
        mobile = "1" + self.r.choice("3456789") + self.digits(9)
        if kind == 3:
            return mobile
        if kind == 4:
            return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"

    def birth(self) -> str:
        return f"{self.r.randint(1950, 2005)}{self.r.randint(1, 12):02d}{self.r.randint(1, 28):02d}"

    def cn_id(self) -> str:
        body = self.r.choice(REGIONS) + self.birth() + self.digits(3)
        return body + gb11643_check(body)

    def bad_cn_id(self) -> str:
        body = self.r.choice(REGIONS) + self.birth() + self.digits(3)
        good = gb11643_check(body)
        return body + self.r.choice([c for c in "0123456789X" if c != good])

    def card(self) -> str:
        prefix, length = self.r.choice(
            [("4", 16), ("51", 16), ("55", 16), ("62", 16), ("62", 19), ("37", 15)]
        )
        body = prefix + self.digits(length - len(prefix) - 1)
        number = body + luhn_digit(body)
        style = self.r.randrange(3)
        if style == 0 or length != 16:
            return number
        sep = " " if style == 1 else "-"
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))

    def bad_order(self) -> str:
        body = self.r.choice(["4", "62", "51"]) + self.digits(13)
        good = luhn_digit(body)
        return body + self.r.choice([d for d in string.digits if d != good])

    def iban(self) -> str:
        country, length = self.r.choice([("DE", 18), ("GB", 18), ("FR", 23)])
        bban = "NWBK" + self.digits(14) if country == "GB" else self.digits(length)
        rearranged = bban + country + "00"
        num = int("".join(str(int(c, 36)) for c in rearranged))
        iban = f"{country}{98 - num % 97:02d}{bban}"
        if self.r.random() < 0.5:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ip(self) -> str:
        if self.r.random() < 0.2:
            return f"2001:db8:{self.r.randint(1, 0xFFFF):x}::{self.r.randint(1, 0xFFFF):x}"
        octets = [self.r.choice([10, 172, 192, 47, 120]), self.r.randint(0, 255)]
        octets += [self.r.randint(0, 255), self.r.randint(1, 254)]
        return ".".join(map(str, octets))

    def url_cred(self) -> str:
        scheme, port = self.r.choice(
            [
                ("postgres", 5432),
                ("mysql", 3306),
                ("redis", 6379),
                ("https", 443),
                ("mongodb", 27017),
            ]
        )
        user = self.r.choice(["admin", "root", "svc_etl", self.r.choice(EN_FIRST).lower()])
        pwd = "".join(self.r.choice(string.ascii_letters + string.digits) for _ in range(10))
        host = self.r.choice(["db.internal", "10.2.3.4", "cache.prod.acme.io", "mongo-0.svc"])
        return f"{scheme}://{user}:{pwd}@{host}:{port}/{self.r.choice(['prod', 'app', '0'])}"

    def token(self, n: int) -> str:
        return "".join(self.r.choice(string.ascii_letters + string.digits) for _ in range(n))

    def api_key(self) -> str:
        kind = self.r.randrange(3)
        if kind == 0:
            return "sk-" + self.token(32)
        if kind == 1:
            return "AKIA" + "".join(
                self.r.choice(string.ascii_uppercase + string.digits) for _ in range(16)
            )
        return "ghp_" + self.token(36)

    def bearer(self) -> str:
        return self.token(self.r.choice([24, 32, 40]))

    def jwt(self) -> str:
        def seg(n: int) -> str:
            return "".join(
                self.r.choice(string.ascii_letters + string.digits + "-_") for _ in range(n)
            )

        return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{seg(40)}.{seg(43)}"

    def en_address(self) -> str:
        return (
            f"{self.r.randint(1, 999)} {self.r.choice(EN_STREETS)} "
            f"{self.r.choice(EN_STREET_TYPES)}, {self.r.choice(EN_CITIES)}"
        )

    def zh_address(self) -> str:
        city, districts = self.r.choice(ZH_CITIES)
        return (
            f"{city}{self.r.choice(districts)}{self.r.choice(ZH_ROADS)}{self.r.randint(1, 300)}号"
        )

    # decoys
    def version(self) -> str:
        return self.r.choice(["v", "", "version "]) + ".".join(
            str(self.r.randint(0, 12)) for _ in range(self.r.choice([2, 3]))
        )

    def tech(self) -> str:
        return self.r.choice(TECH)


EN_TEMPLATES = [
    "Hi, I'm {PERSON_EN}. Can you help me write a {d:tech} script to parse our logs?",
    "Please email {PERSON_EN} at {EMAIL_ADDRESS} about the {d:tech} upgrade to {d:version}.",
    "My phone number is {PHONE_NUMBER}, call me after the standup.",
    "Order {d:order} was charged twice on card {CREDIT_CARD}, can you draft a refund request?",
    "Our {d:tech} cluster at {IP_ADDRESS} keeps timing out over {d:tech}.",
    "The connection string is {URL}, why does {d:tech} say authentication failed?",
    "I pasted my key by mistake: {API_KEY}. How do I rotate it?",
    "The request had Authorization: Bearer {BEARER} and still got a 401.",
    "Decode this token for me: {JWT}",
    "Ship the replacement to {LOCATION_EN}, attention {PERSON_EN}.",
    "Wire the deposit to IBAN {IBAN_CODE} before Friday, reference {d:order}.",
    "{PERSON_EN} has been using {d:tech} for {d:duration_en} and wants to learn {d:tech}.",
    "Summarize this thread between {PERSON_EN} and {PERSON_EN} about the {d:version} release.",
    "Can you reply to {EMAIL_ADDRESS} and cc {EMAIL_ADDRESS}? Keep it short.",
    "Translate to Chinese: my name is {PERSON_EN} and I live at {LOCATION_EN}.",
    "The ticket from {PERSON_EN} ({PHONE_NUMBER}) mentions order {d:order}.",
    "Is {d:version} of {d:tech} compatible with {d:tech}? We have waited {d:duration_en}.",
    "Reference number {d:bad_id} does not match any account, please check.",
    "Write a polite follow-up to {PERSON_EN}; the invoice went to {EMAIL_ADDRESS}.",
    "The server {IP_ADDRESS} rejected my API key {API_KEY} after {d:duration_en}.",
    "Dear {PERSON_EN}, your card ending in {CREDIT_CARD} was declined.",
    "Explain why {d:tech} over {d:tech} is slower than {d:tech} in {d:version}.",
    "curl -H 'Authorization: Bearer {BEARER}' https://api.deepseek.com/chat/completions",
    "Set DATABASE_URL={URL} and restart the {d:tech} worker.",
    "Hey, this is {PERSON_EN}, my new number is {PHONE_NUMBER} and email {EMAIL_ADDRESS}.",
]

ZH_TEMPLATES = [
    "你好，我是{PERSON_ZH}，我的手机号是{PHONE_NUMBER}，请帮我查一下订单{d:order}。",
    "请把合同寄到{LOCATION_ZH}，收件人{PERSON_ZH}。",
    "我的身份证号是{CN_RESIDENT_ID}，为什么实名认证一直失败？",
    "这个编号{d:bad_id}是系统生成的流水号，不是身份证。",
    "帮我写一封邮件给{PERSON_ZH}，邮箱是{EMAIL_ADDRESS}，内容是关于{d:tech}升级到{d:version}。",
    "银行卡号{CREDIT_CARD}被扣了两次款，订单号{d:order}。",
    "服务器{IP_ADDRESS}上的{d:tech}服务挂了，已经{d:duration_zh}没恢复。",
    "数据库连接串是{URL}，{d:tech}报认证失败。",
    "我不小心把密钥{API_KEY}贴到群里了，怎么吊销？",
    "请求头里带了Authorization: Bearer {BEARER}，还是返回401。",
    "{PERSON_ZH}说他用{d:tech}已经{d:duration_zh}了，想学{d:tech}。",
    "总结一下{PERSON_ZH}和{PERSON_ZH}关于{d:tech}迁移的讨论。",
    "请联系{PERSON_ZH}，电话{PHONE_NUMBER}，地址是{LOCATION_ZH}。",
    "帮我解析这个令牌：{JWT}",
    "我叫{PERSON_ZH}，住在{LOCATION_ZH}，想开发票。",
    "{d:tech}的{d:version}版本和{d:tech}兼容吗？我们等了{d:duration_zh}。",
    "客户{PERSON_ZH}的身份证{CN_RESIDENT_ID}和手机{PHONE_NUMBER}需要核验。",
    "汇款到IBAN：{IBAN_CODE}，备注订单{d:order}。",
    "用{d:tech}写一个脚本，统计{d:tech}日志里每个IP的请求数。",
    "{PERSON_ZH}的邮箱{EMAIL_ADDRESS}收不到验证码，手机{PHONE_NUMBER}也收不到。",
    "帮我给{PERSON_ZH}写一段生日祝福，她在我们组干了{d:duration_zh}。",
    "退款请退回尾号所在的卡{CREDIT_CARD}，谢谢。",
]

MIXED_TEMPLATES = [
    "帮我查一下{PERSON_EN}的订单，他的email是{EMAIL_ADDRESS}，用的是{d:tech}。",
    "Please call {PERSON_ZH} at {PHONE_NUMBER}, 她负责{d:tech}项目。",
    "我的key是{API_KEY}，deployed on {IP_ADDRESS}，为什么{d:tech}连不上？",
    "Meeting notes: {PERSON_ZH}和{PERSON_EN}讨论了{d:tech} {d:version}的升级。",
    "地址是{LOCATION_ZH}, contact {PERSON_EN} if nobody answers.",
    "身份证{CN_RESIDENT_ID} failed verification, 流水号{d:bad_id}。",
    "Card {CREDIT_CARD} 被拒了，order {d:order} is still pending after {d:duration_en}.",
    "{PERSON_ZH} asked: how long does {d:tech} take to index {d:tech} logs? 大概{d:duration_zh}。",
    "连接串{URL} works locally but not in {d:tech}.",
    "Token {JWT} 过期了吗？",
]

DECOY_FNS = {
    "tech": "tech",
    "version": "version",
    "order": "bad_order",
    "bad_id": "bad_cn_id",
    "duration_en": None,
    "duration_zh": None,
}
PII_FNS = {
    "PERSON_EN": ("PERSON", "en_person"),
    "PERSON_ZH": ("PERSON", "zh_person"),
    "EMAIL_ADDRESS": ("EMAIL_ADDRESS", "email"),
    "PHONE_NUMBER": ("PHONE_NUMBER", "phone"),
    "CN_RESIDENT_ID": ("CN_RESIDENT_ID", "cn_id"),
    "CREDIT_CARD": ("CREDIT_CARD", "card"),
    "IBAN_CODE": ("IBAN_CODE", "iban"),
    "IP_ADDRESS": ("IP_ADDRESS", "ip"),
    "URL": ("URL", "url_cred"),
    "API_KEY": ("API_KEY", "api_key"),
    "BEARER": ("API_KEY", "bearer"),
    "JWT": ("JWT", "jwt"),
    "LOCATION_EN": ("LOCATION", "en_address"),
    "LOCATION_ZH": ("LOCATION", "zh_address"),
}
SLOT = re.compile(r"\{(d:)?([A-Za-z_]+)\}")


def fill(template: str, gen: Gen) -> dict:
    text, pii, decoys, pos = "", [], [], 0
    for m in SLOT.finditer(template):
        text += template[pos : m.start()]
        name = m.group(2)
        if m.group(1):
            if name == "duration_en":
                value = gen.r.choice(DURATIONS_EN)
            elif name == "duration_zh":
                value = gen.r.choice(DURATIONS_ZH)
            else:
                value = getattr(gen, DECOY_FNS[name])()
            decoys.append({"kind": name, "start": len(text), "end": len(text) + len(value)})
        else:
            etype, fn = PII_FNS[name]
            value = getattr(gen, fn)()
            pii.append({"type": etype, "start": len(text), "end": len(text) + len(value)})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "pii": pii, "decoys": decoys}


def generate(seed: int = SEED) -> list[dict]:
    gen = Gen(random.Random(seed))
    records = []
    for lang, templates, copies in (
        ("en", EN_TEMPLATES, 6),
        ("zh", ZH_TEMPLATES, 7),
        ("mixed", MIXED_TEMPLATES, 6),
    ):
        for round_ in range(copies):
            for i, template in enumerate(templates):
                rec = fill(template, gen)
                records.append({"id": f"{lang}-{i:02d}-{round_}", "lang": lang, **rec})
    return records


def main() -> None:
    records = generate()
    with OUT.open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} messages to {OUT}")


if __name__ == "__main__":
    main()
