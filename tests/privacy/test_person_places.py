"""Issue 19, sixth round: names no list holds, found by the place they stand in (form
fields, roles, sign-offs, initials, "X's mom", a name column, user names made of names),
and the look-alikes in the same places that must stay. Sentences of our own."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # form and record fields
        ("Family name: Wolderufael; Given name: Tsehay; from ETH", ["Wolderufael", "Tsehay"]),
        ("Surname NAKASHIMA, Given names RYOTA, Passport No. on the page", ["NAKASHIMA", "RYOTA"]),
        ('{"firstName": "Zbigniew", "lastName": "Brzęczyszczykiewicz"}', ["Zbigniew"]),
        ("staff:\n  legal_name: Oyelowo Adekunle\n  team: ops", ["Oyelowo Adekunle"]),
        ("BEGIN:VCARD\nFN:Thitima Sukjai\nEND:VCARD", ["Thitima Sukjai"]),
        ('user = User(name="Radoslav Hrabovsky", dob=date(1990, 4, 2))', ["Radoslav Hrabovsky"]),
        # a person's role before the name
        ("our plumber Wiremu fixed the sink but charged twice", ["Wiremu"]),
        ("my landlord Oyenike Balogun wants the deposit in cash", ["Oyenike Balogun"]),
        ("the courier Tavita left it at the gate", ["Tavita"]),
        # sign-offs
        ("thanks for the update.\nRegards,\nNgozika Eze", ["Ngozika Eze"]),
        ("see the attached quote -- Kanokwan Srisuk | Sales | ext 20", ["Kanokwan Srisuk"]),
        # initials before a surname, the owner of a relation
        ("a big thank you to K. M. Adjei-Boateng for the review", ["K. M. Adjei-Boateng"]),
        ("Ebunoluwa's mom called the school about the trip", ["Ebunoluwa"]),
        # a table's name column
        ("name,phone\nTeodora Vlasic,555-0100\nMihail Dobrev,555-0101", ["Teodora Vlasic"]),
        # user names made of two listed names
        ("login failed for maria.santos from the office VPN", ["maria.santos"]),
        # a name joined to one the lists found
        ("Tunde and Emily Carter will run the stand", ["Tunde", "Emily Carter"]),
    ],
)
def test_names_found_by_their_place(redactor: Redactor, text: str, names: list[str]) -> None:
    out = redactor.redact(text).text
    for name in names:
        assert name not in out, found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Name: String, required: true",
        "full_name: Optional[str] = None",
        "the driver App crashes on start",
        "our mechanic Tuesday shift is short",
        "Regards,\nSupport Team",
        "-- Sent from my phone",
        "@Override\npublic String toString()",
        "@Autowired private Service service;",
        "call self.save after os.path.join",
        "the student Handbook is on page 4",
        "U.S. Bank and J. Crew are brands",
        "Apple's support page says to restart",
        "config.yaml and data.json are in the repo",
        "the client Portal shows the invoice",
        "Kafka and Flink are both streaming tools",
        "is Ben & Jerry's or Magnum better",
        "AirPods Max or Sony for the flight",
    ],
)
def test_look_alikes_in_those_places_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # after a role, a party of a contract, a relative
        ("货车司机牛建国，车牌明天给你", ["牛建国"]),
        ("租房合同：甲方祁文涛，乙方屠晓燕，押金两个月", ["祁文涛", "屠晓燕"]),
        ("借款人鲍志强，月供3000元", ["鲍志强"]),
        ("主播阿凯说今晚抽奖", ["阿凯"]),
        ("我爸缪国华身份证丢了怎么补", ["缪国华"]),
        # a 、 list, a 姓名 column
        ("年会名单：郜天宇、訾佳怡、窦明轩", ["郜天宇", "訾佳怡", "窦明轩"]),
        ("| 姓名 | 电话 |\n|---|---|\n| 糜雪梅 | 123 |", ["糜雪梅"]),
        # a Latin-script name after a Chinese role
        ("房东 Tsegaye 让我先转押金", ["Tsegaye"]),
        ("我朋友 Nnamdi 下周来上海", ["Nnamdi"]),
        # nicknames and given names at the start of a clause, addressed or acting
        ("子涵妈妈说周五不来了", ["子涵"]),
        ("嘉怡，下午的会挪到三点", ["嘉怡"]),
        ("阿亮刚把钥匙放前台了", ["阿亮"]),
        ("楠楠今天发烧了", ["楠楠"]),
        ("我女儿叫豆豆，两岁", ["豆豆"]),
    ],
)
def test_chinese_names_found_by_their_place(
    redactor: Redactor, text: str, names: list[str]
) -> None:
    out = redactor.redact(text).text
    for name in names:
        assert name not in out, found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "水果：苹果、香蕉、黄瓜、白菜",
        "司机师傅说路上堵车",
        "房东太太，你好",
        "学生会今天开会",
        "我妈刚才打电话",
        "客户服务，周一到周五",
        "| 名称 | 价格 |\n|---|---|\n| 白菜 | 3 |",
        "去过的城市：杭州、苏州、南京",
        "今天，我们开会",
        "其实，这个方案不错",
        "阿姨，你好",
        "刚刚，他来了",
        "宝宝，吃饭了",
        "小米的手机不错",
        "慢慢来，不着急",
    ],
)
def test_chinese_look_alikes_in_those_places_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)
