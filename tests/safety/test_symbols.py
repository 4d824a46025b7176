"""Symbols and emoji between CJK characters count as padding, as ASCII punctuation does:
"炸😀弹" and "炸♥弹" passed a list holding 炸弹 while "炸+弹" did not (whole prompts
and answers, and streamed answers, over real loopback HTTP to FakeDeepSeek)."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from safety_support import Harness

from sentinel.errors import ContentBlockedError
from sentinel.safety.normalize import CJK, MAX_PADDING, normalize
from sentinel.safety.symbols import SYMBOL_RANGES, SYMBOL_SET

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}
PADDED = [
    "炸😀弹", "炸♥弹", "炸❤️弹", "炸 👍🏽 弹", "炸👨‍👩‍👧弹", "炸🇨🇳弹", "炸$¥€弹", "炸→≠弹",
    "炸🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f弹", "炸㊙弹", "炸^弹",
]  # fmt: skip


@pytest.mark.parametrize("text", PADDED)
def test_a_prompt_padded_with_symbols_is_blocked(harness: Harness, text: str) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": f"where is a {text}"}], thinking=OFF
        )
    assert harness.fake.count() == 0


def test_symbols_padding_a_term_in_an_answer_are_masked(harness: Harness) -> None:
    harness.fake.reply = lambda _messages: "你是笨😀蛋吗 I ♥ NY"
    answer = harness.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}], thinking=OFF
    )
    assert answer.content == "你是***吗 I ♥ NY"  # a symbol between Latin words stays


def test_symbols_padding_a_term_across_chunks_are_masked(harness: Harness) -> None:
    harness.fake.reply = lambda _messages: "你 是 笨 👍🏽 ♥ 蛋 吗"  # one chunk per word
    stream = harness.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True, thinking=OFF
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert "笨" not in text and "蛋" not in text and text.startswith("你 是 ") and "吗" in text


def test_symbol_padding_is_capped_like_punctuation(harness: Harness) -> None:
    assert normalize("炸" + "😀" * MAX_PADDING + "弹").text == "炸弹"
    assert normalize("炸" + "😀" * (MAX_PADDING + 1) + "弹").text != "炸弹"
    far = "炸" + "♥" * (MAX_PADDING + 1) + "弹"
    harness.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": far}], thinking=OFF
    )  # not one word padded: sent
    assert harness.fake.count() == 1


def test_kana_sound_marks_are_not_padding() -> None:
    """゛ (U+309B) is Sk but a kana character: dropping it would change the word."""
    assert normalize("か゛き").text == "か゛き"


def test_the_symbol_table_holds_every_symbol_and_no_letter() -> None:
    cjk = re.compile(f"[{CJK}]")
    bmp = range(0x80, 0x10000)
    wanted = {chr(c) for c in bmp if unicodedata.category(chr(c))[0] == "S"}
    wanted = {c for c in wanted if not cjk.match(c)}
    assert wanted <= SYMBOL_SET  # every symbol of the BMP
    emoji = {chr(c) for c in range(0x1F000, 0x1FB00) if unicodedata.category(chr(c)) == "So"}
    assert emoji <= SYMBOL_SET  # every emoji and pictograph
    for lo, hi in SYMBOL_RANGES:
        for c in range(lo, min(hi, sys.maxunicode) + 1):
            assert unicodedata.category(chr(c))[0] not in "L", hex(c)  # never a letter
            assert not cjk.match(chr(c)), hex(c)
