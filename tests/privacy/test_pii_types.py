"""The PII types of issue 19, each through the real Redactor (Presidio + spaCy + jieba),
with the look-alikes each one must leave alone. Hand-written cases, separate from the
seeded corpus in benchmarks/ that measures leak and over-redaction rates."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.recognizers.us_ssn import ssn_valid
from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("My SSN is 536-90-4399, do I need it?", "US_SSN", "536-90-4399"),
        ("social security number 536904399 please", "US_SSN", "536904399"),
        ("护照号码E12345678，下周出发", "PASSPORT", "E12345678"),
        ("my passport number is 912345678", "PASSPORT", "912345678"),
        ("Passport no. C03005988, issued to me", "PASSPORT", "C03005988"),
        ("I was born on March 3, 1985 in Ohio", "DATE_OF_BIRTH", "March 3, 1985"),
        ("DOB: 03/14/1985", "DATE_OF_BIRTH", "03/14/1985"),
        ("我的生日是1990年5月6日", "DATE_OF_BIRTH", "1990年5月6日"),
        ("加我微信 chenxc_1988 吧", "IM_ACCOUNT", "chenxc_1988"),
        ("QQ号：123456789", "IM_ACCOUNT", "123456789"),
        ("my WeChat id: lily_wang88", "IM_ACCOUNT", "lily_wang88"),
        ("车牌号粤B12345的车", "CN_LICENSE_PLATE", "粤B12345"),
        ("新能源车沪AD12345停在门口", "CN_LICENSE_PLATE", "沪AD12345"),
        ("身份证110101199003071234，请核对", "CN_RESIDENT_ID", "110101199003071234"),
        ("call 1-619-582-5697 after lunch", "PHONE_NUMBER", "1-619-582-5697"),
        ("bel me op 0612 345 678", "PHONE_NUMBER", "0612 345 678"),
        ("Telefon: 030 12345678", "PHONE_NUMBER", "030 12345678"),
        ("appelez le 01 23 45 67 89", "PHONE_NUMBER", "01 23 45 67 89"),
        (
            "ship it to 8908 5th Court, Springfield, IL 62745 please",
            "LOCATION",
            "8908 5th Court, Springfield, IL 62745",
        ),
        ("I live at 44 Ochoa Crossing Apt. 12", "LOCATION", "44 Ochoa Crossing Apt. 12"),
    ],
)
def test_each_new_type_is_found(redactor: Redactor, text: str, entity: str, value: str) -> None:
    hits = found(redactor, text)
    assert any(t == entity and v == value for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        "ticket 536-00-4399 and 666-12-3456 and 900-12-3456 are not SSNs",  # SSA rules
        "order 912345678 shipped in E12345678 box",  # no passport context
        "the release date is March 3, 1985",  # a date without birth context
        "WeChat support replied within 2 hours",  # no id after WeChat
        "vxlan_config is wrong",
        "阿里云ECS实例挂了",
        "订单号110101199003071234已发货",  # wrong checksum and no 身份证 before it
        "version 1.26.2 and 2024-05-01",
        "we need 3 Kafka Streams apps",
    ],
)
def test_look_alikes_stay(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert result.text == text, found(redactor, text)


def test_ssn_validity_rules() -> None:
    assert ssn_valid("536-90-4399")
    for never in ("000-12-3456", "666-12-3456", "901-12-3456", "536-00-4399", "536-90-0000"):
        assert not ssn_valid(never), never
    assert not ssn_valid("078-05-1120")  # the Woolworth wallet card number


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, I'm Brandon Gaines and I need help", "Brandon Gaines"),
        ("Please forward it to Anne Lynch today", "Anne Lynch"),
        ("Ana García will join the call", "Ana García"),
        ("Mr. Lynch asked for a refund", "Lynch"),
        ("Dear Vandersloot, your order shipped", "Vandersloot"),
        ("Thanks Samantha, it works now", "Samantha"),
        ("我叫高阳，想问一下", "高阳"),
        ("联系人：石斌，电话没变", "石斌"),
        ("请转告谈旭老师", "谈旭"),
        ("罗阳说明天到", "罗阳"),
        ("我叫欧阳娜娜", "欧阳娜娜"),
        ("诸葛亮先生来了", "诸葛亮"),
        ("王先生明天下午来取", "王"),
    ],
)
def test_person_names(redactor: Redactor, text: str, name: str) -> None:
    redacted = redactor.redact(text).text
    assert name not in redacted, redacted
    assert "PERSON" in redacted


def test_compound_surname_is_redacted_whole(redactor: Redactor) -> None:
    assert redactor.redact("我叫欧阳娜娜").text == "我叫<PERSON_1>"
