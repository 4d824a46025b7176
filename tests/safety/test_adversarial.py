"""What a sender or an operator found when trying to break the filter (outside test of
issue 22), kept as regressions over the real client and FakeDeepSeek."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from safety_support import Harness, Replies

from sentinel.errors import ContentBlockedError
from sentinel.safety.filter import SafetyFilter
from sentinel.safety.lists import SafetyListError, load_lists
from sentinel.testing import FakeDeepSeek

MODEL = "deepseek-v4-flash"


def ask(text: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_a_backtracking_regex_cannot_hang_a_call(
    harness: Harness, replies: Replies, lists_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Accepted by validation (bounded width, no repeat inside a repeat), yet polynomial
    # on a run of a's: without the budget this text takes seconds. (Exponential shapes,
    # (a{1,10}){1,20}$, are refused when the list loads: test_regex_guard.)
    (lists_dir / "slow.txt").write_text(
        "# action: mask\nre:a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}b\n", "utf-8"
    )
    client = harness.client()
    replies.text = "you idiot " + "a" * 1000 + "c b"
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="sentinel.safety"):
        resp = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "a" * 1000 + "c b"}]
        )
    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed  # bounded by the search budget, not by the text
    # the rest of the lists still applies to the same text
    assert resp.content.startswith("you ***** ")
    warned = [r.getMessage() for r in caplog.records if "ran out of time" in r.getMessage()]
    assert warned and "slow.txt:2" in warned[0]
    assert "a" * 20 not in "".join(warned)  # the text itself is never logged


def test_a_block_regex_that_runs_out_of_time_blocks(
    harness: Harness, lists_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Padding a prompt until a block list's regex gives up must not get it past the
    list: a timed-out block regex counts as a match (a mask or flag one is skipped)."""
    (lists_dir / "slow-block.txt").write_text(
        "# category: slow\n# action: block\nre:a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}b\n",
        "utf-8",
    )
    client = harness.client()
    with (
        caplog.at_level(logging.WARNING, logger="sentinel.safety"),
        pytest.raises(ContentBlockedError) as info,
    ):
        client.chat.completions.create(model=MODEL, messages=ask("a" * 1000 + "c b"))
    assert info.value.categories == ["slow"]
    assert harness.fake.count() == 0
    warned = [r.getMessage() for r in caplog.records if "ran out of time" in r.getMessage()]
    assert warned and "taken as a match" in warned[0] and "slow-block.txt:3" in warned[0]


def _text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_invisible_characters_inside_a_latin_term_do_not_hide_it(
    harness: Harness, replies: Replies, fake: FakeDeepSeek
) -> None:
    # A zero-width space, joiner or soft hyphen renders as nothing: "id\u200biot" reads
    # "idiot". Between CJK characters they were already padding; inside Latin words
    # they evaded every list.
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask("a b\u200bo\u200dmb"))
    assert fake.count() == 0
    replies.text = "you i\u00add\u200diot twice: id\ufe0fiot\ufeff end"
    whole = client.chat.completions.create(model=MODEL, messages=ask("hi"))
    assert whole.content == "you ******* twice: ******\ufeff end"
    streamed = _text(
        list(client.chat.completions.create(model=MODEL, messages=ask("hi"), stream=True))
    )
    assert streamed == whole.content
    assert [c["safety"]["counts"] for c in harness.calls()[1:]] == [{"insult-en": 2}] * 2


@pytest.mark.parametrize("regex", ["(?<=secret )code", "code(?=s)", "x(?!y)", "a(?:b(?<!q)c){1,2}"])
def test_a_lookaround_regex_is_refused_naming_file_and_line(tmp_path: Path, regex: str) -> None:
    # A stream is held back by the longest match (lookarounds not counted) and rescanned
    # with one released character before it: "the secret code" streamed word by word was
    # not masked by (?<=secret )code although the same whole answer was.
    f = tmp_path / "look.txt"
    f.write_text(f"# action: mask\nplain\nre:{regex}\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    assert info.value.problems == [
        f"{f}:3: invalid regular expression: lookahead/lookbehind (?=, ?!, ?<=, ?<!) is not"
        " supported (use \\b)"
    ]


def test_a_deleted_list_file_is_logged_once_and_its_terms_stay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # SENTINEL_SAFETY_LISTS naming a file that is then removed (a deploy swapping it,
    # a mistaken rm): the lists in force stay, and the error is logged once rather
    # than on every poll (every 2 s by default, forever).
    f = tmp_path / "violence.txt"
    f.write_text("# action: block\nbomb\n", encoding="utf-8")
    screen = SafetyFilter([str(f)], reload_every=0)
    f.unlink()
    with caplog.at_level(logging.ERROR, logger="sentinel.safety"):
        assert [screen.check() for _ in range(5)] == [False] * 5
        missing = [r for r in caplog.records if "no such file" in r.getMessage()]
        assert len(missing) == 1 and str(f) in missing[0].getMessage()
        assert screen.matcher.scan("a bomb")[1]  # still filtering
        f.write_text("# action: block\nbomb\ngrenade\n", encoding="utf-8")
        assert screen.check() and screen.matcher.scan("a grenade")[1]
        f.unlink()
        screen.check()
        assert len([r for r in caplog.records if "no such file" in r.getMessage()]) == 2


def test_a_bare_string_in_a_content_list_is_screened(harness: Harness, fake: FakeDeepSeek) -> None:
    # The client forwards a content list holding a plain string next to text parts;
    # only the {"type": "text"} parts were screened, so the string went out unmasked.
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(
            model=MODEL, messages=ask([{"type": "text", "text": "hi"}, "bomb"])
        )  # type: ignore[arg-type]
    assert fake.count() == 0
    client.chat.completions.create(model=MODEL, messages=ask(["you idiot"]))  # type: ignore[arg-type]
    conversations = harness.stored("conversations")
    assert not any("idiot" in d for d in conversations)
    assert any('"you *****"' in d for d in conversations)


@pytest.mark.parametrize("regex", [r"\d{3}-\d{4}-\d{4}", r"(c|d){4,4}x", r"\bfree\s{1,3}money\b"])
def test_repeats_are_not_taken_for_lookarounds(tmp_path: Path, regex: str) -> None:
    # opcodes are ints: a repeat's (3, 3, ...) bounds once compared equal to ASSERT
    f = tmp_path / "ok.txt"
    f.write_text(f"re:{regex}\n", encoding="utf-8")
    assert [p.regex.pattern for p in load_lists([str(f)]).patterns] == [regex]
