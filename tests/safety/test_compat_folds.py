"""Compatibility look-alikes of a listed term are caught, whole and streamed, and the
mask covers exactly the characters the term was written with: mathematical letters
(`𝐢𝐝𝐢𝐨𝐭`, `𝕚𝕕𝕚𝕠𝕥`), circled and negative circled letters (`ⓘⓓⓘⓞⓣ`, `🅘`), ligatures
written out (`ﬁ`, `ﬂ`: one character, two letters), Hangul fillers used as invisible
padding, and tabs, newlines and runs of spaces inside a multi-word term (a run reads
as the term's one space). Through the real client over loopback to FakeDeepSeek, and
any split of a stream (the hold-back agrees with the whole-text fold)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from safety_support import Harness, write_lists
from test_evasions import ask, assert_every_split_masks_as_whole

from sentinel.safety.compattable import COMPAT_FROM, COMPAT_TO, EXPAND
from sentinel.safety.lists import load_lists
from sentinel.safety.normalize import normalize

LOOKALIKE = """\
# category: lookalike
# action: mask
free money
fish
fly
"""
# (what the model answers, what the app must get); idiot is in insult-en (mask)
CASES = [
    ("you 𝐢𝐝𝐢𝐨𝐭 ok", "you ***** ok"),  # mathematical bold
    ("you 𝕚𝕕𝕚𝕠𝕥 ok", "you ***** ok"),  # double-struck
    ("you ⓘⓓⓘⓞⓣ ok", "you ***** ok"),  # circled
    ("you 🅘🅓🅘🅞🅣 ok", "you ***** ok"),  # negative circled: no decomposition
    ("you 𝐈𝐃ⓘ🅾t ok", "you ***** ok"),  # mixed, capitals
    ("a ﬁsh and a ﬂy", "a *** and a **"),  # a ligature is one character, two letters
    ("id\u3164iot, id\uffa0iot, id\u115f\u1160iot", "******, ******, *******"),
    ("get free\tmoney", "get **********"),
    ("get free\n\nmoney now", "get *********** now"),
    ("get free \t\n money now", "get ************* now"),  # (the fake streams words)
    ("get free\r\nmoney", "get ***********"),
    ("free moneyﬁ and ⓘdiotic", "free moneyﬁ and ⓘdiotic"),  # word boundaries hold
]


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    root = write_lists(tmp_path / "lists")
    (root / "lookalike.txt").write_text(LOOKALIKE, encoding="utf-8")
    return root


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_compatibility_look_alike_is_masked_where_it_was_written(
    harness: Harness, text: str, expected: str, stream: bool
) -> None:
    assert len(expected) == len(text)
    assert ask(harness, text, stream) == expected


def test_a_prompt_in_look_alikes_is_masked_before_it_is_sent(harness: Harness) -> None:
    client = harness.client()
    client.chat.completions.create(
        model="deepseek-v4-flash", thinking={"type": "disabled"},
        messages=[{"role": "user", "content": "you 𝕚𝕕𝕚𝕠𝕥, free\n\nmoney"}],
    )  # fmt: skip
    sent = harness.fake.requests[-1].json()["messages"][-1]["content"]
    assert sent == "you *****, ***********"


def test_any_split_of_a_stream_masks_as_the_whole_text(lists_dir: Path) -> None:
    assert_every_split_masks_as_whole(lists_dir, CASES)


def test_a_list_term_written_in_look_alikes_is_the_plain_term(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("# action: mask\nﬁsh\n𝐟𝐫𝐞𝐞\t\tcash\n", encoding="utf-8")
    assert sorted(t.text for t in load_lists([str(tmp_path)]).terms) == ["fish", "free cash"]


def test_the_compatibility_table_is_unicodedatas() -> None:
    """Every 1:1 entry is the character's NFKD without marks, lower-cased (but the
    negative circled and squared capitals, which have none: their letter); every
    expansion is two or three letters or digits, as NFKC writes them."""
    negative = {chr(s + i): chr(0x61 + i) for s in (0x1F150, 0x1F170) for i in range(26)}
    for a, b in zip(COMPAT_FROM, COMPAT_TO, strict=True):
        if a in negative:
            assert b == negative[a]
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", a) if not unicodedata.combining(c))
        assert base.lower() == b and b.isalnum(), hex(ord(a))
    for a, b in EXPAND.items():
        base = "".join(c for c in unicodedata.normalize("NFKD", a) if not unicodedata.combining(c))
        assert base.lower() == b and b.isalnum() and 2 <= len(b) <= 3, hex(ord(a))


def test_a_long_whitespace_run_is_not_one_space() -> None:
    """Like CJK padding, a run is one space only up to a bound, so a stream never holds
    back an unbounded run of whitespace after the start of a multi-word term."""
    assert normalize("free" + " " * 257 + "money").text == "free money"
    assert normalize("free" + " " * 258 + "money").text != "free money"
