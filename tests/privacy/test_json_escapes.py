"""JSON `\\uXXXX` escapes in free text (issue 19): what `json.dumps` writes for a
Chinese name is hex to a recognizer but a name to the model. The analysis view decodes
the escapes and maps each decoded character to its whole escape."""

from __future__ import annotations

import json
from typing import Any

from sentinel.privacy.escapes import decoded
from sentinel.privacy.view import analysis_view

RECORD = {"name": "张伟", "addr": "上海市浦东新区世纪大道100号", "mail": "zhang.wei@example.com"}
APP_TEXT = "客户资料：" + json.dumps(RECORD)  # ensure_ascii: \u5f20\u4f1f ...


def test_a_text_without_escapes_is_not_decoded() -> None:
    assert decoded("客户资料：张伟 - no escapes, a \\n and a \\t") is None
    view = analysis_view("plain text")
    assert view.starts is None and view.text == "plain text"


def test_escapes_decode_and_each_character_spans_its_whole_escape() -> None:
    text = r'{"n": "\u5f20\u4f1f", "e": "\ud83d\ude00"}'
    view = analysis_view(text)
    assert view.text == '{"n": "张伟", "e": "😀"}'
    i = view.text.index("张伟")
    assert view.span(i, i + 2) == (text.index("\\u5f20"), text.index("\\u5f20") + 12)
    j = view.text.index("😀")
    assert text[slice(*view.span(j, j + 1))] == r"\ud83d\ude00"  # a pair is one character


def test_escaped_backslashes_and_lone_surrogates_stay_as_written() -> None:
    text = r"a\\u5f20 b\udc00 c\u00"
    assert decoded(text) is None
    assert analysis_view(r"x\\u5f20\u4f1f").text == r"x\\u5f20伟"


def test_a_decoded_invisible_character_is_folded_away_too() -> None:
    text = r"mail jo\u200bhn@example.com"
    view = analysis_view(text)
    assert view.text == "mail john@example.com"
    start = view.text.index("john")
    assert text[slice(*view.span(start, len(view.text)))] == r"jo\u200bhn@example.com"


def test_redact_masks_the_escaped_values_and_keeps_the_rest_byte_for_byte(
    redactor: Any,
) -> None:
    [plain] = redactor.redact_many(["客户资料：" + json.dumps(RECORD, ensure_ascii=False)])
    [escaped] = redactor.redact_many([APP_TEXT])
    for value in RECORD.values():
        escaped_value = json.dumps(value)[1:-1]
        assert escaped_value not in escaped.text
    assert escaped.text == plain.text  # found as in the plain form
    outside = APP_TEXT
    for e in sorted(escaped.entities, key=lambda e: e.start, reverse=True):
        assert "\\" not in APP_TEXT[e.start - 1 : e.start]  # never half an escape
        outside = outside[: e.start] + outside[e.end :]
    assert json.loads(outside[len("客户资料：") :]).keys() == RECORD.keys()
