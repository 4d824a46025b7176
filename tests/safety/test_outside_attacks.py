"""Attacks from outside (an operator's and an attacker's view, README and issue only),
over real loopback HTTP to FakeDeepSeek with real list files: each test is one way the
filter was found to break, kept so it stays fixed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from loopback import wait_until
from safety_support import Harness

from sentinel.errors import ContentBlockedError

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _span_text(harness: Harness) -> str:
    return "\n".join(
        json.dumps(dict(s.attributes or {}), ensure_ascii=False)
        + json.dumps([dict(e.attributes or {}) for e in s.events], ensure_ascii=False)
        for s in harness.spans.get_finished_spans()
    )


def test_content_capture_puts_the_screened_prompt_on_the_span(harness: Harness) -> None:
    """With SENTINEL_CAPTURE_CONTENT_IN_TELEMETRY on, the span's gen_ai.input.messages
    was the app's raw prompt: a refused prompt's listed term and a masked one reached
    the trace store, while the ECS line and the stored conversation had them masked."""
    client = harness.client(capture_content_in_telemetry=True)
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask("a bomb, idiot"), thinking=OFF)
    client.chat.completions.create(model=MODEL, messages=ask("you idiot"), thinking=OFF)
    spans = _span_text(harness)
    assert "bomb" not in spans and "idiot" not in spans
    assert "a ****, *****" in spans and "you *****" in spans  # what crossed the boundary
    assert "bomb" not in harness.log.getvalue() and "idiot" not in harness.log.getvalue()


def _stream(harness: Harness, text: str) -> list[str]:
    harness.fake.reply = lambda _messages: text
    client = harness.client()
    stream = client.chat.completions.create(
        model=MODEL, messages=ask("x"), stream=True, thinking=OFF
    )
    return [c.choices[0].delta.content or "" for c in stream if c.choices]


def test_a_run_of_punctuation_in_latin_text_is_not_held_back(harness: Harness) -> None:
    """Trailing spaces and punctuation were held back whatever came before them (they
    might yet be padding between two CJK characters), so an English answer's divider
    line ("----- ----- ...") reached the app only when a letter came: every chunk of
    it was delayed past the longest term (5 characters here), and each one rescanned
    the growing backlog."""
    pieces = _stream(harness, "start " + " ".join(["-----"] * 200) + " end")
    assert "".join(pieces) == "start " + " ".join(["-----"] * 200) + " end"
    # the role chunk, "start", then one chunk per divider: each is out by the next one
    dividers = pieces[2:202]
    assert sum(1 for p in dividers if not p) <= 2, dividers[:10]


def test_a_cjk_term_split_by_padding_across_chunks_is_still_masked(harness: Harness) -> None:
    """The fix above must keep holding padding that follows a CJK character."""
    pieces = _stream(harness, "你 是 笨 . 蛋 吗")
    assert "".join(pieces) == "你 是 ***** 吗"


@pytest.mark.parametrize(
    "hidden",
    [
        "\ufe00",  # variation selector 1 (the README: variation selectors are ignored)
        "\ufe0d",
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u2062",  # invisible times
        "\u180b",  # Mongolian free variation selector
        "\u061c",  # Arabic letter mark
    ],
)
def test_every_invisible_character_inside_a_term_is_ignored(harness: Harness, hidden: str) -> None:
    """Only ten invisible characters were dropped: a bidirectional mark or any
    variation selector but the two emoji ones inside "idiot" got it past a mask list,
    and inside "bomb" past a block list."""
    client = harness.client()
    answer = client.chat.completions.create(
        model=MODEL, messages=ask(f"you id{hidden}iot"), thinking=OFF
    )
    assert answer.content == "you " + "*" * 6
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask(f"a b{hidden}omb"), thinking=OFF)


def test_an_edit_that_keeps_size_and_mtime_is_reloaded(harness: Harness) -> None:
    """The reload poll compared only mtime and size: a list replaced by one of the
    same size with its mtime kept (`cp -p`, `rsync -t`, a tar or package unpacking)
    was never reloaded, so the new term went unscreened until a restart."""
    client = harness.client(safety_reload="100ms")
    path = harness.lists_dir / "spam.txt"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "casino" in text
    staged = path.with_suffix(".new")
    staged.write_text(text.replace("casino", "wombat"), encoding="utf-8")
    os.utime(staged, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(staged, path)  # what cp -p / rsync -t leave: same size, same mtime
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    def flagged() -> bool:
        client.chat.completions.create(model=MODEL, messages=ask("a wombat"), thinking=OFF)
        return (harness.calls()[-1].get("safety") or {}).get("categories") == ["spam"]

    assert wait_until(flagged, 10, step=0.2)


def test_a_variants_list_matches_mixed_simplified_and_traditional_text(
    harness: Harness, tmp_path: Path
) -> None:
    """`# variants: zh` matched the whole simplified and the whole traditional form
    only, so writing one character of each ("開发票", or Taiwan's "台灣" for a list
    saying "台湾") got past the list."""
    lists = tmp_path / "mixed"
    lists.mkdir()
    (lists / "fapiao.txt").write_text(
        "# action: mask\n# variants: zh\n开发票\n台湾\n", encoding="utf-8"
    )
    harness.lists_dir = lists
    client = harness.client()
    for text in ("開发票", "开發票", "開發票", "开发票", "台灣", "臺湾"):
        answer = client.chat.completions.create(model=MODEL, messages=ask(text), thinking=OFF)
        assert answer.content == "*" * len(text), text
