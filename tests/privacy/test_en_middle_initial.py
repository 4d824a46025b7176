"""A middle initial split an English name into two capitalized runs, so the name rules
never saw given name + surname together: "Signed: Harold P. Finch" came out as
"<PERSON_1> P. Finch", the surname left in the text (found by an outside tester)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("text", "surname"),
    [
        ("Signed: Harold P. Finch", "Finch"),
        ("Contact Mary J. Blige today.", "Blige"),  # surname outside the census list
        ("Brandon K. Gaines approved it.", "Gaines"),
    ],
)
def test_name_with_middle_initial_is_redacted_whole(redactor: Any, text: str, surname: str) -> None:
    out = redactor.redact(text, "en").text
    assert surname not in out and "<PERSON_1>" in out, out


@pytest.mark.parametrize("text", ["Use Option B. Then restart.", "Plan A. Smith said no."])
def test_an_initial_alone_does_not_make_a_name(redactor: Any, text: str) -> None:
    assert redactor.redact(text, "en").text == text
