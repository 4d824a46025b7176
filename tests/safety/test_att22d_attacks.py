"""Outside attacks on the content-safety filter (att22d): each test is a bypass or a
wrong result found from the public surfaces, through the real client over loopback HTTP
to FakeDeepSeek with real list files."""

from __future__ import annotations

import unicodedata

import pytest
from safety_support import Harness, Replies

from sentinel.safety.normalize import fold

# Superscript and subscript letters NFKC maps to one letter but the fold left as they
# were: the modifier letters (`ᵈ`, `ʰ`), the Latin subscripts (`ᵢ`, `ⱼ`), the long s
# and the one-letter Roman numerals. `ⁱ` was folded, `ᵈ` next to it was not.


@pytest.mark.parametrize("spelling", ["ⁱᵈⁱᵒᵗ", "ᵢdᵢot", "ᴵᴰᴵᴼᵀ", "ⅰdⅰot"])
def test_modifier_and_subscript_letters_are_masked(
    harness: Harness, replies: Replies, spelling: str
) -> None:
    replies.text = f"you {spelling}!"
    client = harness.client()
    whole = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}]
    )
    assert whole.choices[0].message.content == "you " + "*" * len(spelling) + "!"
    streamed = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)
    assert text == "you " + "*" * len(spelling) + "!"


def test_every_one_letter_compatibility_form_below_u10000_folds() -> None:
    """Every BMP character NFKC writes as one ASCII letter or digit folds to it, so no
    such look-alike is left for a sender to find (the ones above U+FFFF that are not
    searched for, U+107A5 and the segmented digits, excepted)."""
    missed = [
        f"U+{cp:04X}"
        for cp in [*range(0x80, 0xD800), *range(0xE000, 0x10000)]
        if len(n := unicodedata.normalize("NFKC", chr(cp))) == 1
        and n.isascii()
        and n.isalnum()
        and fold(chr(cp)) != n.lower()
    ]
    assert missed == []
