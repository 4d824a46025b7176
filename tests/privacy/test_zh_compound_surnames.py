"""Compound-surname names that jieba's dictionary splits at a famous person's name
(欧阳修 + 远, 诸葛亮 + 亮) or whose second surname character is not a given-name
character (皇甫 + 嵩): found by an outside tester's sentences, all leaked whole."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("欧阳修远明天来公司面试。", "欧阳修远"),
        ("请把合同交给诸葛亮亮处理。", "诸葛亮亮"),
        ("感谢皇甫嵩老师的耐心指导！", "皇甫嵩"),
    ],
)
def test_compound_surname_name_is_redacted_whole(redactor: Any, text: str, name: str) -> None:
    out = redactor.redact(text, "zh").text
    assert name not in out and name[:2] not in out and name[2:] not in out, out
    assert "<PERSON_1>" in out


@pytest.mark.parametrize("text", ["事后诸葛亮谁都会当。", "司马光砸缸的故事大家都知道。"])
def test_famous_name_alone_is_not_extended_into_the_next_word(redactor: Any, text: str) -> None:
    out = redactor.redact(text, "zh").text
    # whatever happens to the famous name, the everyday word after it survives
    assert ("谁都会" in out) if "诸葛" in text else ("砸缸" in out), out
