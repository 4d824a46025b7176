"""FIM answers (`client.completions.create`) are screened like chat answers, whole and
streamed: a FIM choice has `text` where chat has `message` / `delta`, and used to fail
the call with an AttributeError once an output list was loaded. FakeDeepSeek's FIM
answer is "/* between N and M words */", so the list masks "between"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_support import Harness, write_lists

from sentinel.errors import ContentBlockedError
from sentinel.testing import FakeDeepSeek

FIM = {"model": "deepseek-v4-flash", "prompt": "def add(a, b):\n", "suffix": "\n    return c"}
GAPS = """\
# category: gaps
# action: mask
# apply: output
between
"""


@pytest.fixture
def fim_harness(tmp_path: Path, fake: FakeDeepSeek) -> Iterator[Harness]:
    lists = write_lists(tmp_path / "lists")
    (lists / "gaps.txt").write_text(GAPS, encoding="utf-8")
    h = Harness(tmp_path, fake, lists)
    yield h
    for c in h.clients:
        if hasattr(c, "aclose"):
            continue  # async clients are closed by their test, on its loop
        c.close()
    h.store.close()


def test_whole_fim_answer_is_masked(fim_harness: Harness) -> None:
    resp = fim_harness.client().completions.create(**FIM)
    assert resp.content is not None and "/*" in resp.content
    assert "between" not in resp.content
    [call] = fim_harness.calls()
    assert call["safety"]["counts"] == {"gaps": 1}


def test_streamed_fim_answer_is_masked_across_pieces(fim_harness: Harness) -> None:
    client = fim_harness.client()
    stream = client.completions.create(**FIM, stream=True)
    text = "".join(c.choices[0].text for c in stream if c.choices)
    assert "/*" in text and "*/" in text and "between" not in text
    [call] = fim_harness.calls()
    assert call["safety"]["counts"] == {"gaps": 1}


async def test_async_streamed_fim_answer_is_masked(fim_harness: Harness) -> None:
    client = fim_harness.aclient()
    stream = await client.completions.create(**FIM, stream=True)
    text = "".join([c.choices[0].text async for c in stream if c.choices])
    assert "/*" in text and "between" not in text
    await client.aclose()


FIM_INPUT = """\
# category: fim-in
# action: mask
# apply: input
wombat
"""


def test_fim_prompt_and_suffix_are_screened_before_they_are_sent(
    fim_harness: Harness, fake: FakeDeepSeek
) -> None:
    # both texts go upstream: a masked term left the prompt unmasked (the masked copy
    # was sent as a stray `messages` key) and the suffix was not screened at all
    (fim_harness.lists_dir / "fim_in.txt").write_text(FIM_INPUT, encoding="utf-8")
    client = fim_harness.client()
    client.completions.create(model="deepseek-v4-flash", prompt="a wombat ", suffix=" wombat!")
    sent = fake.requests[-1].json()
    assert sent == {"model": "deepseek-v4-flash", "prompt": "a ****** ", "suffix": " ******!"}
    [call] = fim_harness.calls()
    assert call["safety"]["counts"]["fim-in"] == 2
    [stored] = fim_harness.stored("conversations")
    assert "wombat" not in stored and "******" in stored


def test_a_listed_term_in_the_fim_suffix_blocks_the_call(
    fim_harness: Harness, fake: FakeDeepSeek
) -> None:
    client = fim_harness.client()
    before = fake.count()
    with pytest.raises(ContentBlockedError):
        client.completions.create(model="deepseek-v4-flash", prompt="def f():", suffix="# bomb")
    assert fake.count() == before  # refused before anything was sent
    [stored] = fim_harness.stored("conversations")
    assert "bomb" not in stored and "def f():" in stored
