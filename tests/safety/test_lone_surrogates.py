"""Text that is not valid Unicode never breaks the filter. A Python string may hold a
lone surrogate (built from undecodable bytes with `surrogateescape`); the automaton
takes only UTF-8, so with lists on the app got a bare UnicodeEncodeError from inside
the filter (no call made, none recorded) where with the filter off the call goes
ahead; now the text is screened around it. `sentinel safety test` given undecodable
bytes (on stdin or as its argument) printed a traceback; now it names the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from safety_support import Harness
from typer.testing import CliRunner

from sentinel.cli import app as cli
from sentinel.errors import ContentBlockedError
from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


@pytest.mark.parametrize("text", ["a \ud800 idiot", "idiot\udcff", "\udfff笨蛋\ud800"])
def test_a_lone_surrogate_is_screened_around(lists_dir: Path, text: str) -> None:
    matcher = Matcher(load_lists([str(lists_dir)]))
    folded, matches = matcher.scan(text)
    assert matches, "the term beside the surrogate was not found"
    assert all(folded.text[m.start : m.end] in ("idiot", "笨蛋") for m in matches)


def test_a_prompt_with_a_lone_surrogate_is_still_blocked(harness: Harness) -> None:
    client = harness.client()
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "a \udcff bomb"}], thinking=OFF
        )
    assert harness.fake.count() == 0


def test_safety_test_names_undecodable_text_instead_of_a_traceback(lists_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["safety", "test", "--lists", str(lists_dir), "-"],
                                input=b"you \xff idiot")  # fmt: skip
    assert result.exit_code == 2 and "not UTF-8" in result.output
    assert "Traceback" not in result.output
    argv = [str(Path(sys.executable).with_name("sentinel")), "safety", "test", "-l", str(lists_dir)]
    done = subprocess.run([*argv, b"you \xff idiot"], capture_output=True, timeout=120)
    assert done.returncode == 2 and b"not UTF-8" in done.stderr
    assert b"Traceback" not in done.stderr
