"""A JSON-escaped placeholder right after an escaped backslash (`C:\\\\\\u003cPERSON_1\\u003e`
in a JSON answer: the text `C:\\<PERSON_1>`, a Windows path the model wrote with `<`
escaped) came back to the app as the placeholder: the restorer took any backslash
before the escape for an escaped one, without counting the run. An even run is escaped
backslashes and the escape after it is real; an odd run escapes the escape's own
backslash. Found by an outside tester of issue 19. Real client over loopback HTTP to
FakeDeepSeek; the stream restorer cut at every position."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sentinel.privacy.outbound import OutboundMask

NAME = 'Brandon "B" Gaines'
ESC = "\\u003cPERSON_1\\u003e"


def _mask() -> OutboundMask:
    mask = OutboundMask()
    mask.add("<PERSON_1>", NAME)
    return mask


@pytest.mark.parametrize("run", range(5))
def test_the_backslashes_before_an_escaped_placeholder_are_counted(run: int) -> None:
    text = '{"path": "C:' + "\\" * run + ESC + '"}'
    restored = _mask().restore_json(text)
    if run % 2:  # the escape's backslash is itself escaped: the text "\u003cPERSON_1..."
        assert restored == text
    else:
        assert json.loads(restored) == {"path": "C:" + "\\" * (run // 2) + NAME}
    for cut in range(len(text) + 1):
        r = _mask().restorer(escape=True)
        assert r.feed(text[:cut]) + r.feed(text[cut:]) + r.flush() == restored, cut
    r = _mask().restorer(escape=True)
    assert "".join(r.feed(c) for c in text) + r.flush() == restored


def test_the_app_gets_the_name_in_a_json_path(harness: Any, redactor: Any) -> None:
    def answer(messages: list[dict[str, Any]]) -> str:
        who = "<" + messages[-1]["content"].split("<", 1)[1].split(">", 1)[0] + ">"
        return (
            json.dumps({"home": "C:\\Users\\" + who})
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
        )

    harness.fake.reply = answer
    client = harness.client()
    resp = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": "Where is the profile of Brandon Gaines?"}],
        response_format={"type": "json_object"},
        redact_outbound=True,
    )
    assert "Gaines" not in harness.fake.requests[-1].body.decode()
    assert json.loads(resp.content) == {"home": "C:\\Users\\Brandon Gaines"}
