"""Each recognizer family on real Presidio with the real model, in en, zh and mixed text."""

from __future__ import annotations

import dataclasses

import pytest
from scoring import found

from sentinel.privacy.recognizers.cn_resident_id import gb11643_valid
from sentinel.privacy.recognizers.credit_card import luhn_valid
from sentinel.privacy.redactor import Entity, Placeholders, Redactor


def test_gb11643_checksum() -> None:
    assert gb11643_valid("11010519491231002X")
    assert gb11643_valid("11010519491231002x")
    assert not gb11643_valid("110105194912310021")
    assert not gb11643_valid("11010519491231002")


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("6212345678901265")  # UnionPay test number
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    "text, value",
    [
        ("手机13800138000", "13800138000"),
        ("call me on +86 139-1234-5678 tomorrow", "+86 139-1234-5678"),
        ("电话：138 0013 8000。", "138 0013 8000"),
        ("office +1 415-555-0132", "+1 415-555-0132"),
        ("UK desk +44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_phone_numbers(redactor: Redactor, text: str, value: str) -> None:
    assert ("PHONE_NUMBER", value) in found(redactor, text)


def test_resident_id_needs_a_valid_checksum(redactor: Redactor) -> None:
    assert ("CN_RESIDENT_ID", "11010519491231002X") in found(redactor, "身份证11010519491231002X")
    assert found(redactor, "流水号110105194912310021") == []


def test_unionpay_19_digits_in_chinese_text(redactor: Redactor) -> None:
    assert found(redactor, "卡号6212345678901234569，谢谢") == [
        ("CREDIT_CARD", "6212345678901234569")
    ]
    assert found(redactor, "订单号6212345678901234567") == []  # fails Luhn


def test_secrets(redactor: Redactor) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9"
    text = (
        f"key sk-abcdefghijklmnop1234567890 token {jwt}\n"
        "Authorization: Bearer AbCdEfGhIjKlMnOpQrStUv12"
    )
    assert found(redactor, text) == [
        ("API_KEY", "sk-abcdefghijklmnop1234567890"),
        ("JWT", jwt),
        ("API_KEY", "AbCdEfGhIjKlMnOpQrStUv12"),
    ]


def test_only_urls_with_credentials_are_redacted(redactor: Redactor) -> None:
    text = "see https://api.deepseek.com/docs and postgres://app:s3cretPw@db.internal:5432/prod."
    assert found(redactor, text) == [("URL", "postgres://app:s3cretPw@db.internal:5432/prod")]


def test_ip_and_iban_next_to_chinese(redactor: Redactor) -> None:
    assert found(redactor, "IP是192.168.1.10，IBAN：DE89370400440532013000") == [
        ("IP_ADDRESS", "192.168.1.10"),
        ("IBAN_CODE", "DE89370400440532013000"),
    ]


def test_mixed_text_finds_both_languages(redactor: Redactor) -> None:
    text = "帮我查一下张伟的订单, and cc Mary Johnson at mary.j@example.com"
    assert found(redactor, text) == [
        ("PERSON", "张伟"),
        ("PERSON", "Mary Johnson"),
        ("EMAIL_ADDRESS", "mary.j@example.com"),
    ]


def test_forced_language_skips_the_other_recognizers(redactor: Redactor) -> None:
    text = "我是张伟, this is Mary Johnson"
    assert ("PERSON", "张伟") not in found(redactor, text, "en")
    assert ("PERSON", "Mary Johnson") not in found(redactor, text, "zh")


def test_decoys_survive(redactor: Redactor) -> None:
    text = (
        "We moved from Python 3.8 to Spark 3.5.1 over TCP/IP at DeepSeek; order "
        "4111111111111112 took 5 years. 编号110105194912310021已处理。"
    )
    red = redactor.redact(text)
    assert red.text == text and red.entities == ()


def test_placeholders_are_consistent_within_a_conversation(redactor: Redactor) -> None:
    ph = Placeholders()
    first, second = redactor.redact_many(
        ["Mary Johnson wrote to bob@example.com", "Reply to bob@example.com, then Tom Baker."],
        placeholders=ph,
    )
    assert first.text == "<PERSON_1> wrote to <EMAIL_ADDRESS_1>"
    assert second.text == "Reply to <EMAIL_ADDRESS_1>, then <PERSON_2>."
    # without a shared scope each text is numbered on its own
    alone = redactor.redact_many(["Tom Baker called.", "Mary Johnson called."])
    assert [r.text for r in alone] == ["<PERSON_1> called.", "<PERSON_1> called."]


def test_entities_never_carry_the_value(redactor: Redactor) -> None:
    red = redactor.redact("mail alice@example.com")
    assert [f.name for f in dataclasses.fields(Entity)] == ["type", "start", "end", "score"]
    assert "alice" not in repr(red.entities)
    assert red.entities[0].score > 0


def test_allow_and_deny_lists() -> None:
    custom = Redactor(allow_list={"Mary Johnson"}, deny_list={"PROJECT": ["Apollo", "天穹"]})
    red = custom.redact("Mary Johnson leads Apollo; 天穹项目 is next, with Tom Baker.")
    assert red.text == "Mary Johnson leads <PROJECT_1>; <PROJECT_2>项目 is next, with <PERSON_1>."
