"""A value found once is redacted at every occurrence in the text: a recognizer that
sees "Mr. Lynch" may miss the bare "Lynch" of the next sentence, and that second
occurrence would leak what the first one hid. Offsets stay right around astral
characters and CRLF."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Mr. Lynch called. Lynch said the parcel is late; tell lynch thanks", "lynch"),
        ("WeChat id: lily_88 ... add lily_88 please", "lily_88"),
        ("😀 Mr. Lynch\r\n😀😀 Lynch again\r\n", "lynch"),
        ("home wifi is 192.168.1.23; open http://192.168.1.23:8080", "192.168.1.23"),
    ],
)
def test_a_value_found_once_is_redacted_everywhere(
    redactor: Redactor, text: str, value: str
) -> None:
    result = redactor.redact(text)
    assert value not in result.text.casefold()
    for e in result.entities:
        assert text[e.start : e.end].casefold() == value


def test_a_value_inside_a_longer_word_stays(redactor: Redactor) -> None:
    result = redactor.redact("Mr. Lynch called about the Lynchburg office")
    assert result.text == "Mr. <PERSON_1> called about the Lynchburg office"
