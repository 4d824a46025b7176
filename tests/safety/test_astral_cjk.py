"""CJK ideographs above U+FFFF (extensions B-H: Cantonese characters such as 𠮶 and 𡃁,
names) are CJK like those below it: a Latin term written right after one is a word of
its own (as after 中), and padding between them is padding. They used to count as
letters of the term's word, so `𠮶idiot` reached the app unmasked while `中idiot` was
masked. Whole and streamed, through the real client to FakeDeepSeek over loopback."""

from __future__ import annotations

import pytest
from safety_support import Harness, Replies

from sentinel.errors import ContentBlockedError

ASK = {
    "model": "deepseek-v4-flash",
    "messages": [{"role": "user", "content": "hi"}],
    "thinking": {"type": "disabled"},
}
CASES = [
    ("佢係𠮶idiot啊", "佢係𠮶*****啊"),
    ("𡃁仔idiot 𠀀", "𡃁仔***** 𠀀"),
    ("idiot𠀀 ok", "*****𠀀 ok"),
    ("中idiot", "中*****"),  # as before
    ("𠀀x idiot", "𠀀x *****"),  # a letter between: still a word boundary at the space
]


@pytest.mark.parametrize(("answer", "masked"), CASES)
def test_a_term_beside_an_ideograph_above_the_bmp_is_masked(
    harness: Harness, replies: Replies, answer: str, masked: str
) -> None:
    replies.text = answer
    client = harness.client()
    whole = client.chat.completions.create(**ASK).choices[0].message.content
    assert whole == masked
    pieces = [
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(**ASK, stream=True)
        if c.choices
    ]
    assert "".join(pieces) == masked
    assert len(masked) == len(answer)  # the mask covers the term's characters only


def test_a_term_after_an_ideograph_above_the_bmp_is_not_a_word_inside_latin(
    harness: Harness, replies: Replies
) -> None:
    replies.text = "𠀀idiots and 𠀀idiotic"  # still whole words only: no plurals listed
    reply = harness.client().chat.completions.create(**ASK).choices[0].message.content
    assert reply == replies.text


def test_padding_between_ideographs_above_the_bmp_is_padding(
    harness: Harness, replies: Replies
) -> None:
    (harness.lists_dir / "names.txt").write_text("# action: block\n𠮶𡃁\n", encoding="utf-8")
    replies.text = "佢 𠮶 . 𡃁 啊"
    with pytest.raises(ContentBlockedError):
        harness.client().chat.completions.create(**ASK)
