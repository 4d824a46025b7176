"""A name written with a Unicode space between its parts (a no-break or thin space, as
text pasted from web pages and word processors has) is redacted like one with an ASCII
space, with offsets on the original text, and the original spaces stay."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009", "\u2002"])
def test_a_name_with_a_unicode_space_is_redacted(redactor: Redactor, space: str) -> None:
    text = f"please call Anne{space}Lynch back, her number is 1-619-582-5697"
    result = redactor.redact(text)
    assert "Lynch" not in result.text and "Anne" not in result.text
    assert "1-619-582-5697" not in result.text
    person = [e for e in result.entities if e.type == "PERSON"]
    assert [text[e.start : e.end] for e in person] == [f"Anne{space}Lynch"]


def test_a_no_break_space_outside_a_name_is_kept(redactor: Redactor) -> None:
    text = "the meeting is at 10\u00a0am in room 4"
    assert redactor.redact(text).text == text
