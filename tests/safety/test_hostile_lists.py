"""Hostile or damaged list files: each is an error naming file and line (every one of
them in one run), or a documented normalisation, never a hang, a traceback, a term that
masks every comma, or a message as long as the offending line. Through `load_lists`,
`sentinel safety check` and a real client refusing to start with the list."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app as cli
from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.errors import ConfigurationError
from sentinel.safety.lists import SafetyListError, load_lists
from sentinel.safety.matcher import Matcher

# (file bytes, the problem named at line 2); line 1 is always a good term
HOSTILE = [
    (b"ok\n" + b"re:" + b"a" * 2_000_000 + b"\n", "regular expression of 2000000 characters"),
    (b"ok\nre:" + b"(" * 3000 + b"a" + b")" * 3000 + b"\n", "nested too deeply"),
    (b"ok\r\n# action: mask\rfoo\rbar\n", "carriage return inside the line"),
    (b"ok\nfo\x00o\n", "control character U+0000"),
    (b"ok\n...\n", "term '...' is only spaces and punctuation"),
    (b"ok\n \xe2\x80\x94 ,\xef\xbc\x8c\n", "only spaces and punctuation"),  # dash, commas
    (b"ok\n\xff\xfeok\n", "not UTF-8 (byte 3)"),
    (b"ok\n# category: " + b"x" * 100_000 + b"\nterm\n", "category 'xxxx"),
    (b"ok\n" + b"y" * 1_000_000 + b"\n", "term of 1000000 characters"),
]


@pytest.mark.parametrize(("data", "problem"), HOSTILE)
def test_a_hostile_line_is_named_with_file_and_line(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "hostile.txt"
    path.write_bytes(data)
    with pytest.raises(SafetyListError) as info:
        load_lists([str(path)])
    message = str(info.value)
    assert f"{path}:2: {problem}" in message or (f"{path}:2: " in message and problem in message)
    assert len(message) < 400  # the line is quoted cut short, not whole


def test_every_hostile_file_is_reported_at_once(tmp_path: Path) -> None:
    for i, (data, _) in enumerate(HOSTILE):
        (tmp_path / f"h{i}.txt").write_bytes(data)
    with pytest.raises(SafetyListError) as info:
        load_lists([str(tmp_path)])
    assert len(info.value.problems) == len(HOSTILE)


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes("bomb\n".encode("utf-16"))
    with pytest.raises(SafetyListError, match=r"u16\.txt:1: not UTF-8 .*UTF-16 little-endian"):
        load_lists([str(path)])


def test_boms_crlf_and_blank_lines_are_normalised(tmp_path: Path) -> None:
    """A leading BOM, CRLF line ends, a BOM left mid-file by concatenation, lines of
    whitespace only (NBSP too): read as the plain terms (documented in lists.py)."""
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbf# action: mask\r\nfoo\r\n \t\r\n\xc2\xa0\n\xef\xbb\xbfbar\r\n")
    lists = load_lists([str(path)])
    assert sorted(t.text for t in lists.terms) == ["bar", "foo"]
    assert lists.policies["win"].action == "mask"
    _, matches = Matcher(lists).scan("a foo and a bar")
    assert len(matches) == 2


def test_safety_check_and_the_client_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine\n" + b"re:" + b"a" * 100_000 + b"\n!!!\n")
    result = CliRunner().invoke(cli, ["safety", "check", "-l", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: regular expression of 100000 characters" in result.output
    assert f"{path}:3: term '!!!' is only spaces and punctuation" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ConfigurationError, match=r"bad\.txt:3: term '!!!'"):
        Sentinel(
            api_key="sk-test",
            base_url="http://127.0.0.1:9",
            settings=Settings(spool_dir=tmp_path / "spool", safety_lists=[str(path)]),
        )
