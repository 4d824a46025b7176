"""The analysis view (sentinel.privacy.view) alone: what the analyzers see of a hostile
text and how a view span maps back to the original, without loading any model."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.privacy.entities import Entity
from sentinel.privacy.view import DIGIT_ZEROS, analysis_view, fold


def test_a_clean_text_is_its_own_view_without_a_map() -> None:
    for text in ("write to john@example.com", "我叫张伟，手机13800138000", "", "Zoë Müller"):
        view = analysis_view(text)
        assert view.text is text and view.starts is None


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("Jose\u0301 Garci\u0301a", "José García"),
        ("j\u200bo\u200ch\u200dn\u2060@ex\u00adam\ufeffple.com", "john@example.com"),
        ("4111\x001111\x1f1111\x9b1111", "4111111111111111"),
        ("\u202eAnne\u200e Lynch\u202c \u2066x\u2069", "Anne Lynch x"),
        ("Anne\u00a0Lynch\u202fSmith", "Anne Lynch Smith"),
        ("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ ＋８６ １３８－０", "john@example.com +86 138-0"),
        ("٠١٣٨ ۱۲۳ १२३", "0138 123 123"),
        ("电话：１３８（手机）", "电话：138（手机）"),  # Chinese punctuation is kept
        ("a\U000e0041\U000e0042b\ufe0f", "ab"),  # tag characters, variation selector
        ("\u1100\u1161\u11a8", "\uac01"),  # conjoining jamo compose across starters
    ],
)
def test_what_the_analyzers_see(text: str, seen: str) -> None:
    assert analysis_view(text).text == seen


def test_each_view_character_maps_to_its_whole_original_span() -> None:
    text = "x Jo\u200bse\u0301 y"
    view = analysis_view(text)
    assert view.text == "x José y"
    start = view.text.index("José")
    assert view.span(start, start + 4) == (2, 8)
    assert text[2:8] == "Jo\u200bse\u0301"
    é = view.text.index("é")  # composed from two characters: both or neither
    assert view.span(é, é + 1) == (6, 8)


def test_a_span_never_ends_inside_a_combining_sequence_or_surrogate_pair() -> None:
    # a script's own marks with no precomposed form (Hebrew points) stay marks in the view
    text = "\u05d1\u05b4\u200b\u05bcx"
    view = analysis_view(text)
    assert view.span(0, 1) == (0, 4)
    assert view.span(1, 2) == (0, 4)  # starting on a mark starts at its base
    pair = "a\ud83d\ude00b"  # a pair spelled as two code points (JSON with surrogatepass)
    view = analysis_view(pair)
    assert view.text == "a\U0001f600b"
    assert view.span(1, 2) == (1, 3)
    assert analysis_view("x").span(0, 1) == (0, 1)


def test_lone_surrogates_and_invisible_only_texts_do_not_raise() -> None:
    assert analysis_view("a\ud800b\udfffc").text == "a\ufffdb\ufffdc"
    only = analysis_view("\u200b\x00\u202e\ufeff")
    assert only.text == "" and only.entities([]) == []
    assert analysis_view("\ud800").text == "\ufffd"


def test_offsets_at_the_start_and_the_end_of_the_text() -> None:
    text = "\u200bj\u200bo@x.io\u200b"
    view = analysis_view(text)
    assert view.text == "jo@x.io"
    # the value's own invisible characters are covered, the ones around it are not
    assert view.entities([Entity("EMAIL_ADDRESS", 0, 7, 1.0)]) == [
        Entity("EMAIL_ADDRESS", 1, 9, 1.0)
    ]


def test_findings_widened_into_one_sequence_merge() -> None:
    view = analysis_view("\u05d0\u05d1\u05bc")
    merged = view.entities([Entity("PERSON", 0, 2, 0.5), Entity("LOCATION", 2, 3, 0.9)])
    assert merged == [Entity("PERSON", 0, 3, 0.5)]  # the longer finding's type


def test_one_value_written_two_ways_folds_to_one() -> None:
    assert fold("Jose\u0301") == fold("Jo\u200bsé") == "José"


_INVISIBLE = st.sampled_from(
    list(
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\x07\x85"
        "\u200e\u200f\u202a\u202e\u2066\u2069\u034f\U000e0020\u180b\U000e0100"
    )
)


@given(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.lists(st.tuples(st.integers(0, 30), _INVISIBLE), max_size=8),
)
def test_inserted_invisibles_leave_the_view_unchanged(
    text: str, inserts: list[tuple[int, str]]
) -> None:
    clean = unicodedata.normalize("NFC", analysis_view(text).text)
    hostile = text
    for pos, c in sorted(inserts, reverse=True):
        hostile = hostile[:pos] + c + hostile[pos:]
    view = analysis_view(hostile)
    assert view.text == analysis_view(clean).text
    # every view span maps inside the original, in order
    spans = [view.span(i, i + 1) for i in range(len(view.text))]
    assert all(0 <= s < e <= len(hostile) for s, e in spans)
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)


def test_every_decimal_digit_of_another_script_is_folded() -> None:
    """DIGIT_ZEROS spells out Unicode's digit blocks: a Python with a newer Unicode
    (new scripts' digits) fails here until the list is extended."""
    every = "".join(map(chr, range(0x80, 0x110000)))
    digits = re.findall(r"\d", every)
    assert analysis_view("".join(digits)).text == "".join(str(int(d)) for d in digits)
    assert sorted(ord(d) for d in digits if int(d) == 0) == sorted(DIGIT_ZEROS)


def test_emoji_need_no_map_and_astral_digits_and_tags_are_folded() -> None:
    assert analysis_view("ok 👍 call 😀").starts is None
    assert analysis_view("𝟏𝟑𝟖 \U000e0041x 👍").text == "138 x 👍"
    assert analysis_view("😀Jose\u0301").text == "😀José"
    assert analysis_view("𝐣𝐨𝐡𝐧@𝑒𝑥.𝚌𝚘𝚖").text == "john@ex.com"


@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_any_text_has_a_view_whose_spans_are_in_order_and_in_bounds(text: str) -> None:
    view = analysis_view(text)  # lone surrogates, controls, marks: never raises
    spans = [view.span(i, i + 1) for i in range(len(view.text))]
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(spans))
    view.text.encode("utf-8")  # no lone surrogate left for an analyzer step to fail on


def test_a_span_starting_on_a_mark_starts_at_its_base_across_invisibles() -> None:
    text = "x\u05d1\u200b\u05bc\u05b4y"
    view = analysis_view(text)
    assert view.text == "x\u05d1\u05b4\u05bcy"  # NFC orders the marks; both stay marks
    assert view.span(2, 3) == (1, 5)
    assert view.span(4, 5) == (5, 6)
