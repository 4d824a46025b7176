"""Look-alikes of scripts other than Cyrillic and Greek inside a Latin word (Armenian
օ, Cherokee Ꮃ, the small capital ᴏ) were read as written, so an e-mail pattern started
after them and a name list missed the name: "jօhn.doe@example.com" left "jօ" in clear.
They are folded from Unicode's confusables data like the Cyrillic and Greek ones, only
in a word mixing scripts: Armenian and Cherokee text stays as written. Found by an
outside tester of issue 19. Real Redactor."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.privacy.view import analysis_view


@pytest.mark.parametrize(
    "text, value",
    [
        ("mail t\u0585m.reyes@example.org now", "t\u0585m.reyes@example.org"),  # Armenian oh
        ("mail t\u1d0fm.reyes@example.org now", "t\u1d0fm.reyes@example.org"),  # small cap O
        ("mail tom.reye\ua731@example.org now", "tom.reye\ua731@example.org"),  # small cap S
        ("mail \u13b3ilma.ortiz@example.org now", "\u13b3ilma.ortiz@example.org"),  # Cherokee
    ],
)
def test_a_lookalike_of_another_script_hides_no_part_of_a_value(
    redactor: Any, text: str, value: str
) -> None:
    red = redactor.redact(text)
    assert [text[e.start : e.end] for e in red.entities] == [value], red.text
    assert red.text == text.replace(value, "<EMAIL_ADDRESS_1>")


def test_armenian_and_cherokee_text_is_read_as_written() -> None:
    for text in ("Երևանը մայրաքաղաքն է", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏍᎦᏯ", "ʃɪp and ʙʀᴀɴᴅ"):
        assert analysis_view(text).text == text
    assert analysis_view("\u13b3ilma").text == "Wilma"
