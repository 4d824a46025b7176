"""Matching Chinese and English lists: case, width, simplified/traditional variants,
padding between CJK characters, word boundaries for Latin terms, regex lines, and a
50,000-term list checked against a plain search."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.normalize import normalize


@pytest.fixture
def matcher(lists_dir: Path) -> Matcher:
    return Matcher(load_lists([str(lists_dir)]))


def found(matcher: Matcher, text: str) -> list[tuple[str, str]]:
    """(category, original text of the match), in order."""
    folded, matches = matcher.scan(text)
    out = []
    for m in sorted(matches, key=lambda m: (m.start, m.category)):
        start, end = folded.raw_span(m.start, m.end)
        out.append((m.category, text[start:end]))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你真是个笨蛋。", [("insult-zh", "笨蛋")]),
        ("你真是个笨 蛋", [("insult-zh", "笨 蛋")]),  # a space inserted
        ("笨，。蛋", [("insult-zh", "笨，。蛋")]),  # CJK punctuation
        ("笨\u200b蛋", [("insult-zh", "笨\u200b蛋")]),  # a zero-width space
        ("笨-_-蛋 and 蠢貨", [("insult-zh", "笨-_-蛋"), ("insult-zh", "蠢貨")]),  # traditional
        ("廢物 废柴", [("insult-zh", "廢物"), ("insult-zh", "废柴")]),
        ("what an IDIOT", [("insult-en", "IDIOT")]),  # case
        ("ｉｄｉｏｔ！", [("insult-en", "ｉｄｉｏｔ")]),  # full width
        ("a b o m b", []),  # padding between Latin letters is not CJK padding
        ("class assumes passion", []),  # word boundaries: "ass" is not in "class"
        ("ass. Ass", [("insult-en", "ass"), ("insult-en", "Ass")]),
        (
            "morons and moronic moron",
            [("insult-en", "morons"), ("insult-en", "moronic"), ("insult-en", "moron")],
        ),
        ("买发票 casino炸弹", [("spam", "发票"), ("spam", "casino"), ("violence", "炸弹")]),
        ("nothing to see", []),
    ],
)
def test_matches(matcher: Matcher, text: str, expected: list[tuple[str, str]]) -> None:
    assert found(matcher, text) == expected


def test_normalize_maps_every_character_back() -> None:
    text = "Ａ笨 . 蛋x笨\u200b蛋 Y"
    folded = normalize(text)
    assert folded.text == "a笨蛋x笨蛋 y"
    assert [text[folded.raw(i)] for i in range(len(folded.text))] == list("Ａ笨蛋x笨蛋 Y")


def _terms(n: int, rng: random.Random) -> list[str]:
    cjk = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    terms: set[str] = set()
    while len(terms) < n // 2:
        terms.add("".join(rng.choice(cjk) for _ in range(rng.randint(2, 6))))
    while len(terms) < n:
        terms.add(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 12)))
        )
    return sorted(terms)


def test_a_50000_term_list_finds_exactly_what_a_plain_search_finds(tmp_path: Path) -> None:
    rng = random.Random(22)
    terms = _terms(50_000, rng)
    (tmp_path / "big.txt").write_text("\n".join(terms) + "\n", encoding="utf-8")
    matcher = Matcher(load_lists([str(tmp_path / "big.txt")]))
    planted = rng.sample(terms, 40)
    filler = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)] + list(" ,.")
    parts = []
    for t in planted:
        parts.append("".join(rng.choice(filler) for _ in range(30)))
        parts.append(f" {t} ")
    text = "".join(parts)
    folded, matches = matcher.scan(text)
    got = {(m.start, m.end) for m in matches}
    # the plain search: every term at every position of the folded text, with the same
    # word-boundary rule for Latin terms
    ftext = folded.text
    expected = set()
    for t in terms:
        start = ftext.find(t)
        while start != -1:
            end = start + len(t)
            latin = t[0].isascii()
            if not latin or (
                (start == 0 or not ftext[start - 1].isalnum())
                and (end == len(ftext) or not ftext[end].isalnum())
            ):
                expected.add((start, end))
            start = ftext.find(t, start + 1)
    assert got == expected
    assert {ftext[s:e] for s, e in got} >= set(planted)
