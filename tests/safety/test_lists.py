"""List files as data: categories from file name or header, actions and sides from
headers, variants, regex lines, and every problem named with its file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentinel.errors import ConfigurationError
from sentinel.safety.lists import SafetyListError, load_lists


def test_categories_actions_and_terms_from_the_files(lists_dir: Path) -> None:
    lists = load_lists([str(lists_dir)])
    policies = {c: (p.action, p.apply) for c, p in lists.policies.items()}
    assert policies == {
        "insult-zh": ("mask", "output"),  # from the header
        "insult-en": ("mask", "both"),  # from the file name
        "violence": ("block", "both"),
        "spam": ("flag", "both"),
    }
    terms = {(t.text, t.category) for t in lists.terms}
    # `# variants: zh` adds the traditional (and simplified) forms; `|` writes variants out
    zh = {t for t, c in terms if c == "insult-zh"}
    assert {"笨蛋", "蠢货", "蠢貨", "废物", "廢物", "廢柴", "废柴"} <= zh
    assert ("bomb", "violence") in terms and ("发票", "spam") in terms
    assert [p.category for p in lists.patterns] == ["insult-en"]
    assert lists.longest == len("moronic")


def test_a_second_category_header_starts_a_new_section(tmp_path: Path) -> None:
    f = tmp_path / "mixed.txt"
    f.write_text("# action: mask\nfoo\n# category: other\n# action: block\nbar\n")
    lists = load_lists([str(f)])
    assert {c: p.action for c, p in lists.policies.items()} == {"mixed": "mask", "other": "block"}
    assert {(t.text, t.category) for t in lists.terms} == {("foo", "mixed"), ("bar", "other")}


def test_every_problem_is_named_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        "# action: zap\n"  # 1
        "# apply: sideways\n"  # 2
        "ok\n"  # 3
        "re:(unclosed\n"  # 4
        "re:a+\n"  # 5: unbounded
        "re:x?\n"  # 6: matches ""
        " | \n"  # 7: empty term
        "# action: mask\n",  # 8: after terms
        encoding="utf-8",
    )
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"fine\n\xff\xfe\n")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(bad), str(binary)])
    problems = info.value.problems
    expected = [
        f"{bad}:4: invalid regular expression",
        f"{bad}:5: regular expression can match more than",
        f"{bad}:6: regular expression matches the empty string",
        f"{bad}:7: empty term",
        f"{bad}:8: 'action:' must come before the terms",
        f"{bad}:2: action must be one of flag, mask, block, got 'zap'",
        f"{bad}:2: apply must be one of input, output, both, got 'sideways'",
        f"{binary}:2: not UTF-8",
    ]
    for prefix in expected:
        assert any(p.startswith(prefix) for p in problems), (prefix, problems)
    assert len(problems) == len(expected)
    assert isinstance(info.value, ConfigurationError)  # a client refuses to start with it


def test_a_category_declared_twice_must_agree(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("# category: x\n# action: block\nfoo\n")
    (tmp_path / "b.txt").write_text("# category: x\n# action: mask\nbar\n")
    expected = r"b\.txt:2: category 'x' is mask/both here but block/both at .*a\.txt:2"
    with pytest.raises(SafetyListError, match=expected):
        load_lists([str(tmp_path)])


def test_missing_path_and_bad_category_name(tmp_path: Path) -> None:
    with pytest.raises(SafetyListError, match=r"SENTINEL_SAFETY_LISTS: .*nope: no such file"):
        load_lists([str(tmp_path / "nope")])
    f = tmp_path / "x.txt"
    f.write_text("# category: has space\nfoo\n")
    with pytest.raises(SafetyListError, match=r"x\.txt:1: category 'has space' must be"):
        load_lists([str(f)])


def test_settings_take_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentinel.config import Settings

    monkeypatch.setenv("SENTINEL_SAFETY_LISTS", "/a/one.txt, /b/dir ,")
    monkeypatch.setenv("SENTINEL_SAFETY_RELOAD", "250ms")
    s = Settings()
    assert s.safety_lists == ["/a/one.txt", "/b/dir"]
    assert s.safety_reload.total_seconds() == 0.25


def test_a_term_longer_than_a_regex_may_match_is_refused(tmp_path: Path) -> None:
    # a streamed answer is held back by the longest term: one 5 MB line would hold
    # back every answer whole, so terms are bounded like regex lines
    f = tmp_path / "huge.txt"
    f.write_text("fine\n" + "x" * 5_000_000 + "\n" + "y" * 256 + "\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    assert info.value.problems == [
        f"{f}:2: term of 5000000 characters; at most 256"
        " (a streamed answer is held back by the longest term)"
    ]
    f.write_text("fine\n" + "y" * 256 + "\n", encoding="utf-8")
    assert load_lists([str(f)]).longest == 256


def test_a_fifo_or_device_is_named_as_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "words.txt"
    os.mkfifo(fifo)
    for spec in (fifo, Path("/dev/zero")):
        with pytest.raises(SafetyListError, match=rf"{spec}: not a regular file"):
            load_lists([str(spec)])
