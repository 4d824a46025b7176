"""Texts longer than the NLP model's limit: overlapping windows, through the real Redactor."""

from __future__ import annotations

import pytest

from sentinel.privacy.chunks import OVERLAP_CHARS, WINDOW_CHARS, split, windows
from sentinel.privacy.redactor import Redactor

FILLER = "the parcel was shipped on time and arrived in good order. "


def filler(n: int) -> str:
    return (FILLER * (n // len(FILLER) + 1))[:n]


@pytest.mark.parametrize("length", [0, 1, 999, 1000, 1001, 5000, 9999, 10_000, 10_001, 23_457])
def test_every_short_span_lies_whole_in_some_window(length: int) -> None:
    size, overlap = 1000, 100
    starts = windows(length, size, overlap)
    assert starts[0] == 0 and starts == sorted(set(starts))
    assert max(s + size for s in starts) >= length  # the whole text is covered
    for a in range(0, max(length - overlap, 0) + 1, 7):  # every span of `overlap` chars
        assert any(s <= a and a + overlap <= s + size for s in starts), a


def test_split_keeps_short_texts_as_they_are() -> None:
    pieces, layout = split(["short", "x" * (WINDOW_CHARS + 1)])
    assert pieces[0] == "short" and layout[0] == [0]
    assert len(layout[1]) == 2 and len(pieces) == 3
    assert pieces[2] == ("x" * (WINDOW_CHARS + 1))[layout[1][1] :]
    with pytest.raises(ValueError):
        windows(10, 100, 100)


def test_entities_straddling_a_window_edge_are_found_whole(redactor: Redactor) -> None:
    email = "mary.johnson@example.com"
    phone = "13800138000"
    # The first window ends at WINDOW_CHARS; the second starts OVERLAP_CHARS before it.
    at_edge = WINDOW_CHARS - len(email) // 2
    at_start = WINDOW_CHARS - OVERLAP_CHARS - len(phone) // 2
    text = filler(at_start - 1) + " " + phone + " "
    text += filler(at_edge - len(text) - 1) + " " + email + " " + filler(WINDOW_CHARS)
    assert text.index(phone) == at_start
    assert text.index(email) == at_edge
    found = redactor.analyze_many([text])[0]
    spans = {(e.type, text[e.start : e.end]) for e in found}
    assert ("EMAIL_ADDRESS", email) in spans
    assert ("PHONE_NUMBER", phone) in spans
    red = redactor.redact(text).text
    assert email not in red and phone not in red
    assert "<EMAIL_ADDRESS_1>" in red and "<PHONE_NUMBER_1>" in red


def test_a_text_over_spacys_limit_is_redacted(redactor: Redactor) -> None:
    text = filler(1_100_000) + " Write to Mary Johnson at mary@example.com."
    red = redactor.redact(text)
    assert red.text.endswith("Write to <PERSON_1> at <EMAIL_ADDRESS_1>.")
    assert len(red.entities) == 2


def test_replacement_in_segments_equals_one_pass() -> None:
    from sentinel.privacy.entities import Entity
    from sentinel.privacy.redactor import Placeholders, apply

    unit = "mail ann@example.com or bob@example.org now. "
    text = unit * (3 * WINDOW_CHARS // len(unit))
    entities = []
    for name in ("ann@example.com", "bob@example.org"):
        at = text.find(name)
        while at != -1:
            entities.append(Entity("EMAIL_ADDRESS", at, at + len(name), 1.0))
            at = text.find(name, at + 1)
    entities.sort(key=lambda e: e.start)
    expected = unit.replace("ann@example.com", "<EMAIL_ADDRESS_1>").replace(
        "bob@example.org", "<EMAIL_ADDRESS_2>"
    ) * (3 * WINDOW_CHARS // len(unit))
    assert apply(text, entities, Placeholders()) == expected
