"""An e-mail address with a letter outside ASCII in it (RFC 6531 allows any: a German,
Spanish or Nordic name in the local part, an IDN domain) was redacted from after that
letter only, since the pattern is ASCII (Presidio's `\\w` swallowed the Chinese text
before an address): "jürgen.müller@example.de" left "jürgen.mü" in clear, and
"zoë@example.com" was not found at all. Latin letters of any accent now belong to the
address; a Chinese character before it still does not. Found by an outside tester of
issue 19. Real Redactor."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    "text, address",
    [
        ("Schreib an jürgen.müller@example.de bitte", "jürgen.müller@example.de"),
        ("mail josé.garcía@example.es today", "josé.garcía@example.es"),
        ("write to søren.ørsted@example.dk", "søren.ørsted@example.dk"),
        ("zoë@example.com is mine", "zoë@example.com"),
        ("contact info@bäckerei-schäfer.de now", "info@bäckerei-schäfer.de"),
        ("Ðorđe: đorđe.nikolić@example.rs", "đorđe.nikolić@example.rs"),
    ],
)
def test_an_address_with_accented_letters_is_redacted_whole(
    redactor: Any, text: str, address: str
) -> None:
    red = redactor.redact(text)
    found = [text[e.start : e.end] for e in red.entities if e.type == "EMAIL_ADDRESS"]
    assert found == [address], red.text
    assert red.text == text.replace(address, "<EMAIL_ADDRESS_1>")


def test_chinese_before_an_address_stays_out_of_it(redactor: Any) -> None:
    text = "我的邮箱是zhang.wei@example.cn，谢谢"
    red = redactor.redact(text)
    assert [text[e.start : e.end] for e in red.entities if e.type == "EMAIL_ADDRESS"] == [
        "zhang.wei@example.cn"
    ]


@pytest.mark.parametrize(
    "text", ["mail jane@example.com\u0301 now", "mail jane@example.com\u200b\u0301"]
)
def test_a_mark_on_the_last_letter_leaves_the_address_found(redactor: Any, text: str) -> None:
    # m + acute composes to one letter: the address is found up to it, never dropped
    red = redactor.redact(text)
    assert "jane" not in red.text and "example" not in red.text, red.text
