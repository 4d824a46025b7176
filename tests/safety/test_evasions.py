"""Look-alike spellings of a listed term are caught, and the mask covers exactly the
characters of the original text the term was written with: combining marks after
each letter, precomposed accents, Kangxi radicals and CJK compatibility ideographs
(which NFKC maps to ordinary ideographs), NBSP and other Unicode spaces inside a
term, and English plurals where a list opts in (`# plurals: en`). Through the real
client over loopback to FakeDeepSeek, whole and streamed, and any split of a stream."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest
from safety_support import Harness, write_lists
from test_stream_masker import whole

from sentinel.safety.foldtable import FOLD_FROM, FOLD_TO
from sentinel.safety.guard import OUTPUT, Direction
from sentinel.safety.lists import SafetyListError, english_plural, load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.stream import StreamMasker

EVASION = """\
# category: evasion
# action: mask
# plurals: en
scam
spy
free money
大麻
樂園
re:\\bcafé{1,2}\\b
"""
OFF = {"type": "disabled"}
# (what the model answers, what the app must get)
CASES = [
    ("you i\u0301d\u0301i\u0301o\u0301t\u0301 ok", "you " + "*" * 10 + " ok"),
    ("you ÍDÍÓT ok", "you ***** ok"),
    ("买⼤⿇吗", "买**吗"),  # Kangxi radicals 大 麻
    ("去\uf914園玩", "去**玩"),  # a compatibility ideograph 樂
    ("get free\u00a0money now", "get ********** now"),
    ("get free\u2009money or free\u202fmoney", "get ********** or **********"),
    ("two scams, three spies", "two *****, three *****"),  # this list opts in
    ("you idiots", "you idiots"),  # that one does not: no plural
    ("a cláss act, déjà vu", "a cláss act, déjà vu"),  # boundaries and accents kept
    ("un cafe\u0301 noir, un café", "un ***** noir, un ****"),  # a regex with an accent
]


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    root = write_lists(tmp_path / "lists")
    (root / "evasion.txt").write_text(EVASION, encoding="utf-8")
    return root


def ask(harness: Harness, text: str, stream: bool) -> str:
    harness.fake.reply = lambda _messages: text
    client = harness.client()
    prompt = [{"role": "user", "content": "x"}]
    if not stream:
        resp = client.chat.completions.create(
            model="deepseek-v4-flash", messages=prompt, thinking=OFF
        )
        return resp.content or ""
    chunks = client.chat.completions.create(
        model="deepseek-v4-flash", messages=prompt, thinking=OFF, stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_look_alike_term_is_masked_exactly_where_it_was_written(
    harness: Harness, text: str, expected: str, stream: bool
) -> None:
    assert ask(harness, text, stream) == expected


def assert_every_split_masks_as_whole(lists_dir: Path, cases: list[tuple[str, str]]) -> None:
    """The cases' texts joined, streamed in 300 random splits: each must mask exactly as
    the whole text does, and the whole text as the cases expect."""
    matcher = Matcher(load_lists([str(lists_dir)]))
    side = Direction(matcher, OUTPUT)
    text = " ".join(t for t, _ in cases)
    expected, _ = whole(matcher, text, side)
    assert expected == " ".join(e for _, e in cases)
    rng = random.Random(22)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, 60)))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        masker = StreamMasker(matcher, side.categories, side.masked)
        out = [masker.feed(p)[0] for p in pieces]
        out.append(masker.end()[0])
        assert "".join(out) == expected, pieces


def test_any_split_of_a_stream_masks_as_the_whole_text(lists_dir: Path) -> None:
    assert_every_split_masks_as_whole(lists_dir, CASES)


@pytest.mark.parametrize(
    ("term", "plural"),
    [("scam", "scams"), ("kiss", "kisses"), ("box", "boxes"), ("spy", "spies"),
     ("day", "days"), ("free money", "free moneys"), ("炸弹", None), ("abc1", None)],
)  # fmt: skip
def test_english_plurals(term: str, plural: str | None) -> None:
    assert english_plural(term) == plural


def test_a_bad_plurals_header_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("# plurals: fr\nscam\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(tmp_path)])
    assert f"{tmp_path / 'x.txt'}:1: plurals must be en or none" in str(info.value)


def test_the_fold_table_is_unicodedatas() -> None:
    """Every character below U+3100 or in the CJK compatibility block whose NFD is one
    character once its diacritical marks are dropped maps to it (lower-cased), and
    every radical NFKC maps to one ideograph to that: what foldtable.py holds."""
    marks = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0xFE20, 0xFE2F)]
    expected: dict[str, str] = {}
    for cp in [*range(0x80, 0x3100), *range(0xF900, 0xFB00)]:
        parts = unicodedata.normalize("NFD", chr(cp))
        base = "".join(c for c in parts if not any(lo <= ord(c) <= hi for lo, hi in marks))
        if len(base) == 1 and base != chr(cp):
            expected[chr(cp)] = base.lower() if len(base.lower()) == 1 else base
    for cp in range(0x2E80, 0x2FE0):
        form = unicodedata.normalize("NFKC", chr(cp))
        if len(form) == 1 and form != chr(cp):
            expected[chr(cp)] = form
    got = dict(zip(FOLD_FROM, FOLD_TO, strict=True))
    assert got == {k: v for k, v in expected.items() if v != k}
