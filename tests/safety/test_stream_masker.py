"""Masking text that arrives in pieces: the same result as masking the whole text, for
any split, and never more than the longest term held back."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sentinel.safety.guard import OUTPUT, Direction
from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.normalize import is_separator, normalize
from sentinel.safety.stream import StreamMasker, mask_spans

TEXT = (
    "你真是个笨 蛋，Idiot! class ass 买发票 casino: morons 廢物 ok, 笨\u200b蛋 and ASS "
    "pass the 蠢 貨 then moronic moron. 炸弹 bomb"
)


@pytest.fixture
def matcher(lists_dir: Path) -> Matcher:
    return Matcher(load_lists([str(lists_dir)]))


def whole(matcher: Matcher, text: str, side: Direction) -> tuple[str, int]:
    folded, matches = matcher.scan(text)
    matches = [m for m in matches if m.category in side.categories]
    spans = [folded.raw_span(m.start, m.end) for m in matches if m.category in side.masked]
    return mask_spans(text, spans), len(matches)


def held_chars(held: str) -> int:
    """Characters held back that count against the limit (padding does not)."""
    text = normalize(held).text
    return len(text.rstrip("".join(c for c in set(text) if is_separator(c))))


def test_any_split_gives_the_whole_text_result(matcher: Matcher) -> None:
    side = Direction(matcher, OUTPUT)
    expected, n_expected = whole(matcher, TEXT, side)
    assert expected.count("*") > 20 and "class" in expected and "pass" in expected
    rng = random.Random(5)
    for _ in range(500):
        cuts = sorted(rng.sample(range(1, len(TEXT)), rng.randint(1, 40)))
        pieces = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True)]
        masker = StreamMasker(matcher, side.categories, side.masked)
        out, n = [], 0
        for piece in pieces:
            released, found = masker.feed(piece)
            out.append(released)
            n += len(found)
            assert held_chars(masker.held) <= matcher.longest, (pieces, masker.held)
        released, found = masker.end()
        out.append(released)
        n += len(found)
        assert "".join(out) == expected, pieces
        assert n == n_expected, pieces


def test_one_character_at_a_time_is_released_as_soon_as_it_is_final(matcher: Matcher) -> None:
    side = Direction(matcher, OUTPUT)
    masker = StreamMasker(matcher, side.categories, side.masked)
    sent = ""
    released_total = 0
    for ch in TEXT:
        sent += ch
        released, _ = masker.feed(ch)
        released_total += len(released)
        # everything but (at most) the longest term's worth of text is out already
        assert held_chars(sent[released_total:]) <= matcher.longest
    released, _ = masker.end()
    assert released_total + len(released) == len(TEXT)


def test_reasoning_content_is_screened_too(matcher: Matcher) -> None:
    """Thinking mode: DeepSeek streams `reasoning_content` before the answer's content;
    both reach the app, so both are masked, the reasoning's held-back rest released
    with the first content chunk."""
    from types import SimpleNamespace

    from sentinel.client.types import ChatCompletion, ChatCompletionChunk
    from sentinel.safety.guard import INPUT, CallGuard

    sides = {d: Direction(matcher, d) for d in (INPUT, OUTPUT)}
    call = SimpleNamespace(request_id="r", span=None, fail=lambda e: None)
    guard = CallGuard(matcher, sides, call, lambda *a: None)
    deltas = [{"reasoning_content": "the user is an id"}, {"reasoning_content": "iot, so"},
              {"content": "You are"}, {"content": " 笨"}, {"content": "蛋"}]  # fmt: skip
    chunks = [ChatCompletionChunk.model_validate({"choices": [{"delta": d}]}) for d in deltas]
    chunks.append(
        ChatCompletionChunk.model_validate({"choices": [{"delta": {}, "finish_reason": "stop"}]})
    )
    reasoning = content = ""
    for c in chunks:
        guard.chunk(c)
        delta = c.choices[0].delta
        reasoning += getattr(delta, "reasoning_content", None) or ""
        content += delta.content or ""
    assert reasoning == "the user is an *****, so"
    assert content == "You are **"
    assert guard.counts == {"insult-en": 1, "insult-zh": 1}

    answer = ChatCompletion.model_validate(
        {"choices": [{"message": {"content": "ok", "reasoning_content": "an idiot"}}]}
    )
    guard.completion(answer)
    assert answer.choices[0].message.reasoning_content == "an *****"
