"""A phone number after an id's label is kept as that id (EIN, order no.), unless the
sentence calls the number a phone right after it: then the label was the line's, and
keeping the number would leak the user's phone."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("account no. 415-555-0132 is my cell, call it", "415-555-0132"),
        ("employee id 617-555-0199 is also my work phone", "617-555-0199"),
        ("订单 138 1234 5678 是我的手机", "138 1234 5678"),
    ],
)
def test_a_number_called_a_phone_after_an_id_label_is_redacted(
    redactor: Redactor, text: str, number: str
) -> None:
    assert number not in redactor.redact(text).text


@pytest.mark.parametrize(
    "text", ["employee id 617-555-0199 for the badge", "tracking number 415-555-0132, thanks"]
)
def test_a_number_after_an_id_label_alone_stays(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text
