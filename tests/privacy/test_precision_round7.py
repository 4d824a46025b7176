"""Issue 19, seventh precision round: look-alikes judged by kind (Chinese dictionary
nouns, places and shops; English firms, days and everyday-word titles; code argument
values; hotlines, a network's own addresses, placeholder secrets, pets' birthdays, ids
shaped like mobiles). Sentences of our own, through the real Redactor: each kind that
must stay next to the PII of the same shape that must still go."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy import ip_lookalikes
from sentinel.privacy.redactor import Redactor
from sentinel.privacy.service_lookalikes import service_lookalike
from sentinel.privacy.word_lookalikes import firm_shaped


@pytest.mark.parametrize(
    "text",
    [
        # Chinese: dictionary nouns with a surname character, places, shops, brands
        "杨桃怎么吃？",
        "罗宋汤怎么做？",
        "丁香花什么时候开？",
        "冯大勇剪刀好用吗？",
        "刘大海麻辣烫好吃吗？",
        "我在苏宁买的空调坏了",
        # English: firms, holidays, everyday-word names of shops, merchants paid
        "Good Friday is a bank holiday here",
        "Marks & Spencer's returns policy?",
        "The St. Agnes's fair starts at noon",
        "It was $18.50 at Oberwald yesterday",
        "Denny's vs Chili's for breakfast?",
        "Ideas? Thoughts?",
        # code arguments whose value is an identifier, whatever the class
        'Account(name="Checking")',
        'User(name="Checking")',
        # services and networks
        "call 1-888-555-0199 for the airline's lost luggage desk",
        "is 10.1.2.3 routable from outside?",
        "staging runs on db01.corp and 10.4.4.4",
        "webhook_secret=whsec_your_secret_here",
        "api_key=sk_test_example_value",
        "our cat's birthday is June 9, any cake ideas",
        # ids shaped like a mobile number, talked about as such
        "订单号13912345678看起来像手机号吗？",
        "order number 13912345678 looks like a phone number, how to tell?",
        "保单号 4412345678 怎么查？",
    ],
)
def test_round7_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # the same shapes holding PII
        ('Account(name="Priya Natarajan")', "PERSON", "Priya Natarajan"),
        ('User(name="Priya Natarajan")', "PERSON", "Priya Natarajan"),
        ('User(name="wei_zhang")', "PERSON", "wei_zhang"),
        ("call 1-888-555-0199 ext 22 and ask for me", "PHONE_NUMBER", "1-888-555-0199"),
        ("blocked 81.2.69.160 hitting our NAS", "IP_ADDRESS", "81.2.69.160"),
        ("my laptop 10.9.8.7 keeps crashing", "IP_ADDRESS", "10.9.8.7"),  # a person's device
        ("my birthday is June 9, any cake ideas", "DATE_OF_BIRTH", "June 9"),
        ("我的手机13912345678", "PHONE_NUMBER", "13912345678"),
        ("安然和冉冉是同学", "PERSON", "安然"),
        # a dictionary word standing as a value, before an address, in a list
        ("delivery: 安然, 深圳市南山区科技南十二路2号", "PERSON", "安然"),
        ("| 姓名 | 部门 |\n|---|---|\n| 安然 | 财务 |", "PERSON", "安然"),
        ("名单：安然、陈静、刘洋", "PERSON", "安然"),
    ],
)
def test_round7_pii_in_the_same_shapes_goes(
    redactor: Redactor, text: str, entity: str, value: str
) -> None:
    hits = found(redactor, text)
    assert any(t == entity and value in v for t, v in hits), hits
    assert value not in redactor.redact(text).text


def test_a_private_address_beside_a_public_one_stays(redactor: Redactor) -> None:
    text = "blocked 81.2.69.160 hitting our NAS at 192.168.50.2"
    out = redactor.redact(text).text
    assert "192.168.50.2" in out and "81.2.69.160" not in out, out


def test_code_arguments_are_judged_by_value_not_class(redactor: Redactor) -> None:
    """`Account(...)` and `User(...)` get the same verdict for the same value."""
    for value, kept in [("Checking", True), ("svc_backup", True), ("Priya Natarajan", False)]:
        outs = {redactor.redact(f'{cls}(name="{value}")').text for cls in ("Account", "User")}
        assert len({o.split("(", 1)[1] for o in outs}) == 1, outs
        assert all((value in o) == kept for o in outs), outs


def test_firm_shapes() -> None:
    assert firm_shaped("Is Procter & Gamble hiring?", 3, 10)
    assert firm_shaped("Is Procter & Gamble hiring?", 13, 19)
    assert firm_shaped("paid €12 at Brandt today", 12, 18)
    assert not firm_shaped("I met Procter today", 6, 13)


def ip_kept(text: str, value: str) -> bool:
    start = text.index(value)
    return ip_lookalikes.kept(text, start, start + len(value))


def test_service_shapes_by_text_only() -> None:
    from presidio_analyzer import RecognizerResult

    def judge(text: str, kind: str, value: str) -> bool:
        start = text.index(value)
        return service_lookalike(text, RecognizerResult(kind, start, start + len(value), 0.5))

    assert judge("客服热线 400-820-1234 全天", "PHONE_NUMBER", "400-820-1234")
    assert not judge("my cell 415-555-0132", "PHONE_NUMBER", "415-555-0132")
    assert ip_kept("内网网关是 10.1.0.1", "10.1.0.1")
    assert ip_kept("ssh to 10.1.0.1 fails", "10.1.0.1")  # ssh: a machine's address
    assert not ip_kept("her tablet 10.1.0.1 fails", "10.1.0.1")
    assert judge("TZ=Asia/Kolkata in the cron", "LOCATION", "Kolkata")
    assert not judge("api_key=sk_live_9fQ2xT7bLm", "API_KEY", "sk_live_9fQ2xT7bLm")
