"""Invisible characters above U+FFFF are ignored like the ones below it: the variation
selectors supplement (U+E0100-E01EF, what "emoji smuggling" hides text in) and the tag
characters (U+E0001, U+E0020-E007F). Only the BMP's variation selectors were dropped,
so `id\\U000e0100iot` reached the app unmasked and `b\\U000e0100omb` got a prompt past
a block list, though the README says variation selectors are ignored anywhere. And an
invisible character between two spaces inside CJK padding hid the term. Through the
real client over loopback to FakeDeepSeek, whole and streamed."""

from __future__ import annotations

from typing import Any

import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}
HIDDEN = [
    "\U000e0100",  # variation selector 17
    "\U000e01ef",  # variation selector 256
    "\U000e0001",  # language tag
    "\U000e0041",  # tag latin capital letter a
    "\U000e007f",  # cancel tag
    # the ones the filter missed while the privacy view dropped them (before both took
    # sentinel.invisibles, see test_shared_invisibles.py): Khmer inherent vowels,
    # interlinear annotation and specials, shorthand and musical format controls
    "\u17b4",
    "\u17b5",
    "\ufff0",
    "\ufff9",
    "\ufffb",
    "\U0001bca0",
    "\U0001d173",
]


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_an_astral_invisible_inside_a_term_is_ignored(harness: Harness, hidden: str) -> None:
    client = harness.client()
    answer = client.chat.completions.create(
        model=MODEL, messages=ask(f"you id{hidden}iot"), thinking=OFF
    )
    assert answer.content == "you " + "*" * 6  # the mask covers the hidden character too
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask(f"a b{hidden}omb"), thinking=OFF)
    assert harness.fake.count() == 1  # the blocked prompt was never sent


@pytest.mark.parametrize("hidden", ["\U000e0100\U000e0041", "\ufff9\U0001d173\u17b4"])
def test_astral_invisibles_between_cjk_characters_across_chunks(
    harness: Harness, hidden: str
) -> None:
    """The fake streams word by word: the term's characters and the run of hidden
    characters between them arrive in separate chunks."""
    client = harness.client()
    pieces = [
        c.choices[0].delta.content
        for c in client.chat.completions.create(
            model=MODEL, messages=ask(f"你 是 笨 {hidden} 蛋 吗"), thinking=OFF, stream=True
        )
        if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == "你 是 " + "*" * len(f"笨 {hidden} 蛋") + " 吗"


@pytest.mark.parametrize("hidden", ["\u180b", "\u061c", "\u0301", "\U000e0100", "\ufe00"])
def test_an_invisible_character_inside_padding_is_padding(harness: Harness, hidden: str) -> None:
    """`笨 \\u180b 蛋` was not `笨蛋`: the invisible character was dropped on its own and
    the spaces around it were left, joined by nothing, so a space either side of any
    invisible character outside U+2000-U+206F hid a CJK term from every list."""
    client = harness.client()
    answer = client.chat.completions.create(
        model=MODEL, messages=ask(f"你 是 笨 {hidden} 蛋 吗"), thinking=OFF
    )
    assert answer.content == "你 是 ***** 吗"
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(
            model=MODEL, messages=ask(f"做 炸 {hidden} 弹"), thinking=OFF
        )
