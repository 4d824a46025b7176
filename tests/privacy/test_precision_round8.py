"""Issue 19, eighth precision round, written from the world's lists and grammar (no
corpus's strings): fictional characters, pets, IANA time zones, the numbering plans'
service ranges, firms and Chinese enterprise names, natural features and CSS colours,
and the private-address policy. Each kind that must stay beside the PII of the same
shape that must still go, through the real Redactor; the pure judges by text alone."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy import ip_lookalikes
from sentinel.privacy.brands import brand_shaped
from sentinel.privacy.hotlines import hotline, service_number
from sentinel.privacy.redactor import Redactor
from sentinel.privacy.service_lookalikes import zone_name

KEPT = [
    # characters: distinctive names, same-franchise pairs, theme and product words
    "the twins want a Spider-Man and Hulk cake for Saturday",
    "Sonic and Tails plush toys are sold out again",
    "my nephew dressed up as Harry Potter for Halloween",
    "Pikachu keychain, 12 dollars",
    "we rewatched Frodo and Gandalf all weekend",
    "Elsa and Anna dresses for the twins",
    "is Sherlock Holmes or Hercule Poirot the better detective in the books?",
    "孙悟空和猪八戒的手办多少钱",
    "钢铁侠主题的生日派对要订几个气球",
    "三国演义里诸葛亮借东风那一段",
    # pets, with their owners' names still found (below)
    "vet appointment for Bella and Charlie next Monday",
    "our cat Mochi hates the carrier, the vet says she is fine",
    "春花和秋月是我家两只猫的名字",
    # time-zone ids (every id of the tz database)
    "timezone set to Europe/Berlin and Australia/Sydney",
    "in America/Los_Angeles the job ran at noon",
    "TZ=America/Argentina/Buenos_Aires for the Córdoba office",
    "报表用 Asia/Shanghai 时区",
    # service numbers of the numbering plans
    "call Lufthansa on 0800 123 4567 for rebooking",
    "the bank's UK line 03457 404 404 is busy",
    "call the help desk on 1300 555 777",
    "顺丰客服 400-811-1111",
    "免付費專線0800-123-456",
    "フリーダイヤル 0120-123-456",
    # firms, brands and Chinese enterprise names
    "the Geico agent called back about the claim",
    "I bank with Barclays and Monzo",
    "my insurance is Allstate",
    "rings from Cartier, $4,300",
    "the Hilton folio shows two nights",
    "transfer my number from Verizon to T-Mobile",
    "龙腾物流有限公司的发票",
    "招商银行提醒您还款",
    "彩虹酒楼的早茶不错",
    # numbers an id's label claims (hotel folio, booking, device ids)
    "Folio 73920481 was emailed twice",
    "the handset's IMEI: 490154203237518, please unlock it",
    "reservation 0612 345 678 is confirmed for two nights",
    # natural features and colours
    "the Rhine river cruise was lovely",
    "we picked coral and navy for the bridesmaids, ivory for the table",
    # private addresses in infrastructure
    "DB_HOST=10.20.30.40",
    "the postgres replica on 172.16.5.9 is lagging",
    "服务器 192.168.7.7 又挂了",
    "redis at 10.8.0.3:6379 refused the connection",
    "Redis在10.1.2.3上内存占用高",
    "the printer 192.168.0.50 is jammed again",
]


@pytest.mark.parametrize("text", KEPT)
def test_round8_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # a person's own device stays personal; a public address always goes
        ("my laptop is on 192.168.1.44 and I can't print", "IP_ADDRESS", "192.168.1.44"),
        ("her phone's IP is 10.0.0.23", "IP_ADDRESS", "10.0.0.23"),
        ("用户王建国的电脑IP是192.168.3.3", "IP_ADDRESS", "192.168.3.3"),
        ("the server 81.2.69.160 keeps scanning us", "IP_ADDRESS", "81.2.69.160"),
        # a character's name given as a person's, with a record or an introduction
        ("Harry Potter, DOB 03/04/1990, phone 415-555-0199", "PERSON", "Harry Potter"),
        ("Dear Michael Scott, your visa is ready", "PERSON", "Michael Scott"),
        ("我叫刘备，电话13812345678", "PERSON", "刘备"),
        ("告诉令狐冲明天开会", "PERSON", "令狐冲"),  # addressed: a person, not the novel's
        ("Elsa called about her refund, her number is 617-555-0123", "PERSON", "Elsa"),
        # pets' owners
        ("Pepper is limping again. This is Arjun Mehta, her owner", "PERSON", "Arjun Mehta"),
        ("猫咪糯米的主人是张建华", "PERSON", "张建华"),
        ("Sarah's dog Rufus is limping", "PERSON", "Sarah"),
        ("boarding for Max and Luna, owner Brenda Hale", "PERSON", "Brenda Hale"),
        ("光猫坏了，账号持有人左宁", "PERSON", "左宁"),  # 光猫 is a modem, 持有人 a role
        # a service number given as one's own, or with an extension
        ("call me on my cell 0800 123 4567", "PHONE_NUMBER", "0800 123 4567"),
        ("1-800-555-0199 ext 42 is my desk", "PHONE_NUMBER", "1-800-555-0199"),
        ("call me on 0612 345 678 about folio 73920481", "PHONE_NUMBER", "0612 345 678"),
        # a brand that is a person's name, given as a person's
        ("Tiffany Nguyen paid the invoice", "PERSON", "Tiffany Nguyen"),
        ("填了子女李宁，身份证110101199003071234，每月扣除¥400", "PERSON", "李宁"),
        ("Ms. Ivory signed the lease", "PERSON", "Ivory"),
    ],
)
def test_round8_pii_in_the_same_shapes_goes(
    redactor: Redactor, text: str, entity: str, value: str
) -> None:
    hits = found(redactor, text)
    assert any(t == entity and value in v for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("number", "service"),
    [
        ("1-800-869-3557", True),
        ("+1 (888) 555 0199", True),
        ("0345 734 5345", False),  # or Halle's 0345: British only in a British text
        ("030 12345678", False),  # Berlin
        ("+44 (0)800 123 4567", True),
        ("+44 870 123 4567", True),
        ("+49 800 1234567", True),
        ("0800 12 34 56", True),  # FR numéro vert, 10 digits
        ("0800 12 3", False),  # too short for any plan
        ("+33 805 12 34 56", True),
        ("800 123456", True),  # IT numero verde
        ("900 123 456", True),  # ES
        ("8-800-123-45-67", True),  # RU
        ("1300 655 506", True),
        ("13 12 34", True),
        ("0800-080-090", True),  # TW
        ("+852 800 123 456", True),
        ("0120-123-456", True),
        ("+81 570-123-456", True),
        ("08031 12345", False),  # Rosenheim, not Korea's 080
        ("1588-1234", True),  # KR representative number
        ("400-820-1234", True),
        ("1800-123-4567", True),  # IN / SG
        ("+800 1234 5678", True),  # ITU universal freephone
        ("(415) 838-3487", False),
        ("+44 20 7946 0958", False),
        ("020 7946 0958", False),
        ("138 1234 5678", False),
        ("0612 345 678", False),
        ("91 234 5678", False),  # ES geographic
        ("080-1234-5678", False),  # JP mobile
    ],
)
def test_service_ranges_of_the_numbering_plans(number: str, service: bool) -> None:
    assert service_number(number) is service


def test_a_service_number_is_a_hotline_unless_it_is_someones() -> None:
    def judge(text: str, value: str) -> bool:
        start = text.index(value)
        return hotline(text, start, start + len(value))

    assert judge("limit £500; contact 0345 123 4567 for more", "0345 123 4567")
    assert not judge("Halle: contact 0345 123 4567", "0345 123 4567")
    assert not judge("contact 0345 123 4567 ext. 212", "0345 123 4567")
    assert not judge("her number is 0800 123 4567", "0800 123 4567")
    assert not judge("我的手机 400-820-1234", "400-820-1234")


def test_zone_names_come_from_the_tz_database() -> None:
    def judge(text: str, value: str) -> bool:
        start = text.index(value)
        return zone_name(text, start, start + len(value))

    assert judge("cron runs in Pacific/Auckland", "Pacific")
    assert judge("cron runs in Pacific/Auckland", "Auckland")
    assert judge("TZ=America/Indiana/Indianapolis", "Indiana")
    assert not judge("she moved to Auckland", "Auckland")
    assert not judge("America/Gotham is no zone", "America")


@pytest.mark.parametrize(
    ("text", "value", "kept"),
    [
        ("DB_HOST=10.123.4.5", "10.123.4.5", True),
        ('"host": "172.31.2.2"', "172.31.2.2", True),
        ("node-7 at 10.0.7.7 is down", "10.0.7.7", True),
        ("Nginx日志显示来自192.168.3.9的请求", "192.168.3.9", True),
        ("::1 answered", "::1", False),  # loopback, but nothing says which machine
        ("fd12:3456::1 is the cluster's address", "fd12:3456::1", True),
        ("my PC is 192.168.1.20", "192.168.1.20", False),
        ("his IP is 10.0.0.9, block it", "10.0.0.9", False),
        ("家里的路由器 192.168.1.1", "192.168.1.1", False),
        ("the server 8.8.4.4", "8.8.4.4", False),  # public: always redacted
        ("the server 203.0.113.9", "203.0.113.9", False),  # documentation: stands for public
        ("node 10.0.0.2 talks to 198.51.100.7", "10.0.0.2", True),
        ("host 10.0.0.1 and 1.3.6.1.4.1", "10.0.0.1", True),
    ],
)
def test_private_address_policy(text: str, value: str, kept: bool) -> None:
    start = text.index(value)
    assert ip_lookalikes.kept(text, start, start + len(value)) is kept


def test_a_pasted_line_break_escape_is_no_camel_case() -> None:
    text = "guests: vegan\\nAurelio Benedetti, nut allergy"
    start = text.index("vegan")
    assert not brand_shaped(text, start, text.index(","))
    assert brand_shaped("she loves her AirPods", 15, 22)
