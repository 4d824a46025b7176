"""A list header written wrong is an error naming file and line, never a comment: with
`# acton: block` read as a comment the list's terms would silently be flag-only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.safety.lists import SafetyListError, load_lists


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("# acton: block", "did you mean '# action:'"),
        ("# Action: block", "did you mean '# action:'"),
        ("# actions: mask", "did you mean '# action:'"),
        ("# catgory: violence", "did you mean '# category:'"),
        ("# variant: zh", "did you mean '# variants:'"),
        ("# plural: en", "did you mean '# plurals:'"),
        ("#aply: output", "did you mean '# apply:'"),
        ("# action block", "header without ':'"),
        ("# mode: block", "unknown header 'mode:'"),
        ("# action\uff1ablock", "full-width colon"),
    ],
)
def test_a_misspelt_header_is_an_error_naming_file_and_line(
    tmp_path: Path, line: str, fragment: str
) -> None:
    f = tmp_path / "violence.txt"
    f.write_text(f"# a list of weapons\n{line}\nbomb\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.startswith(f"{f}:2: ") and fragment in problem


@pytest.mark.parametrize(
    "line",
    [
        "# source: the 2019 report",
        "# note: reviewed by legal",
        "# 辱骂: masked in answers only",
        "# action items for the next review",
        "# category names follow the file names",
        "# TODO: add plurals",
    ],
)
def test_ordinary_comments_with_a_colon_stay_comments(tmp_path: Path, line: str) -> None:
    f = tmp_path / "spam.txt"
    f.write_text(f"{line}\n# action: mask\ncasino\n", encoding="utf-8")
    lists = load_lists([str(f)])
    assert lists.policies["spam"].action == "mask"
    assert [t.text for t in lists.terms] == ["casino"]


def test_a_misspelt_header_after_terms_is_named_too_and_check_exits_1(tmp_path: Path) -> None:
    f = tmp_path / "mixed.txt"
    f.write_text("# action: mask\nfoo\n# categroy: other\nbar\n", encoding="utf-8")
    run = subprocess.run(
        [str(Path(sys.executable).with_name("sentinel")), "safety", "check"],
        env={"SENTINEL_SAFETY_LISTS": str(f), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert f"{f}:3:" in run.stdout + run.stderr
    assert "did you mean '# category:'" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
