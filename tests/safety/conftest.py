"""Safety fixtures: real list files (Chinese and English) in a temp dir, and a real
client over loopback HTTP to FakeDeepSeek, storing into SQLite, with the lists on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.testing import FakeDeepSeek

INSULTS_ZH = """\
# 辱骂: masked in answers only
# category: insult-zh
# action: mask
# apply: output
# variants: zh
笨蛋
蠢货
废物|廢柴
"""
INSULTS_EN = """\
# English insults, masked in prompts and answers
# action: mask
idiot
ass
re:moron(s|ic){0,1}
"""
VIOLENCE = """\
# category: violence
# action: block
炸弹
bomb
"""
SPAM = """\
# flagged only: counted, nothing changed
发票
casino
"""


def write_lists(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "insult_zh.txt").write_text(INSULTS_ZH, encoding="utf-8")
    (root / "insult-en.txt").write_text(INSULTS_EN, encoding="utf-8")
    (root / "violence.txt").write_text(VIOLENCE, encoding="utf-8")
    (root / "spam.txt").write_text(SPAM, encoding="utf-8")
    return root


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    return write_lists(tmp_path / "lists")


class Replies:
    """What the fake answers next (default: echo the prompt)."""

    def __init__(self) -> None:
        self.text: str | None = None

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        if self.text is not None:
            return self.text
        return str(messages[-1]["content"])


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def fake(replies: Replies) -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(reply=replies) as server:
        yield server


@pytest.fixture
def settings_for(tmp_path: Path, lists_dir: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "spool_dir": tmp_path / "spool",
            "safety_lists": [str(lists_dir)],
            "safety_reload": "0s",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def client(
    fake: FakeDeepSeek, tmp_path: Path, settings_for: Callable[..., Settings]
) -> Iterator[Sentinel]:
    c = Sentinel(
        api_key=fake.api_key,
        base_url=fake.url,
        store=f"sqlite:///{tmp_path / 'safety.db'}",
        settings=settings_for(),
    )
    yield c
    c.close()
