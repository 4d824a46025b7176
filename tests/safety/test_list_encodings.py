"""List files in the wrong encoding, or with regex syntax whose meaning Python will
change, are errors that say so, naming file and line: UTF-32 used to be named UTF-16
(its BOM starts with UTF-16's), an ASCII list saved as UTF-16 without a BOM decoded as
UTF-8 and came out as one "control character U+0000" per line, and `re:[[a]` printed a
FutureWarning from Sentinel's own module on stderr while `safety check` said OK."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app as cli
from sentinel.safety.lists import SafetyListError, load_lists

TEXT = "idiot\nfool\n"
FILES = [
    (TEXT.encode("utf-32"), "not UTF-8 (byte 0): it is UTF-32 little-endian"),
    (TEXT.encode("utf-16-le"), "not UTF-8: it is UTF-16 little-endian"),
    (TEXT.encode("utf-16-be"), "not UTF-8: it is UTF-16 big-endian"),
    (TEXT.encode("utf-16"), "not UTF-8 (byte 0): it is UTF-16 little-endian"),
]


@pytest.mark.parametrize(("data", "problem"), FILES)
def test_a_list_in_another_encoding_is_one_error_naming_it(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "words.txt"
    path.write_bytes(data)
    with pytest.raises(SafetyListError) as info:
        load_lists([str(path)])
    [message] = info.value.problems
    assert message.startswith(f"{path}:1: {problem}"), message


def test_ascii_lists_are_not_taken_for_utf16(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("a\nab\nidiot\n", encoding="utf-8")
    assert sorted(t.text for t in load_lists([str(path)]).terms) == ["a", "ab", "idiot"]


def test_an_ambiguous_regex_is_named_not_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("ok\nre:[[a]x\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the loader fails the test
        with pytest.raises(SafetyListError) as info:
            load_lists([str(path)])
    [message] = info.value.problems
    assert message.startswith(f"{path}:2: ambiguous regular expression: Possible nested set")
    result = CliRunner().invoke(cli, ["safety", "check", "--lists", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: ambiguous regular expression" in result.output
    assert "FutureWarning" not in result.output and "Traceback" not in result.output
