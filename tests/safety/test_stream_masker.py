"""Masking text that arrives in pieces: the same result as masking the whole text, for
any split, and never more than the longest term held back."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sentinel.safety.guard import OUTPUT, Direction
from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.normalize import normalize, strip_separators
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
    return len(strip_separators(text))


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


def stream(matcher: Matcher, pieces: list[str], side: Direction) -> tuple[str, int, int]:
    """(released text, matches found, most characters ever held) for `pieces`."""
    masker = StreamMasker(matcher, side.categories, side.masked)
    out, n, most = [], 0, 0
    for piece in pieces:
        released, found = masker.feed(piece)
        out.append(released)
        n += len(found)
        most = max(most, held_chars(masker.held))
    released, found = masker.end()
    return "".join([*out, released]), n + len(found), most


def test_a_term_split_across_many_chunks_is_masked(matcher: Matcher) -> None:
    side = Direction(matcher, OUTPUT)
    text = "you idiot, 真是个笨蛋 and an idiot"
    for pieces in (
        ["you i", "d", "i", "o", "t, 真是个笨", "蛋 and an ", "idi", "ot"],
        ["you ", "id", "io", "t, 真是个", "笨", "蛋", " and an i", "d", "iot"],
    ):
        out, n, _ = stream(matcher, pieces, side)
        assert out == whole(matcher, text, side)[0]
        assert "idiot" not in out and "笨蛋" not in out and n == 3


def test_a_term_at_the_very_end_comes_out_masked_with_the_end(matcher: Matcher) -> None:
    side = Direction(matcher, OUTPUT)
    masker = StreamMasker(matcher, side.categories, side.masked)
    released, _ = masker.feed("ok then 笨")
    released2, _ = masker.feed("蛋")
    assert "笨" not in released + released2  # held: the term may still be completing
    last, found = masker.end()
    assert (released + released2 + last).endswith("**") and len(found) == 1


def test_cjk_padding_across_a_boundary_still_matches(matcher: Matcher) -> None:
    """Punctuation and spaces between two CJK characters are padding, also when the
    chunk boundary falls inside the padding."""
    side = Direction(matcher, OUTPUT)
    text = "他是笨 ， 蛋，还是蠢\u3000貨"
    expected, n_expected = whole(matcher, text, side)
    assert n_expected == 2 and "笨" not in expected and "貨" not in expected
    for cut_points in ((3, 4), (4, 5), (3, 5, 6), (10, 11)):
        pieces = [
            text[a:b] for a, b in zip([0, *cut_points], [*cut_points, len(text)], strict=True)
        ]
        assert stream(matcher, pieces, side)[:2] == (expected, n_expected), pieces


def test_a_mask_followed_by_another_term(matcher: Matcher) -> None:
    side = Direction(matcher, OUTPUT)
    text = "笨蛋蠢货 idiot ass moron!"
    expected, n_expected = whole(matcher, text, side)
    assert n_expected == 5
    for size in (1, 2, 3, 5):
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        assert stream(matcher, pieces, side)[:2] == (expected, n_expected), pieces


def test_streamed_equals_whole_on_random_texts_and_splits(matcher: Matcher) -> None:
    """Property test (fixed seed): random texts built from terms, pieces of terms, CJK,
    Latin, padding, invisible and wide characters, cut at random, stream to exactly
    what the whole text gives (released text and match count), never holding more
    than the longest term: the fast path for windows without a match and the full
    path agree."""
    side = Direction(matcher, OUTPUT)
    atoms = [
        "笨蛋", "笨", "蛋", "蠢貨", "廢物", "炸弹", "发票", "idiot", "id", "iot", "ass",
        "class", "moron", "morons", "moronic", "casino", "ＢＯＭＢ", "bomb", "你好",
        "的", "ok", " ", "，", "。", "、", "\u3000", ". ", "\u200b", "\u00ad", "İ", "x",
        "\n", "ａ", "-",
    ]  # fmt: skip
    rng = random.Random(22)
    for _ in range(400):
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 30)))
        expected, n_expected = whole(matcher, text, side)
        cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 12))))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        out, n, most = stream(matcher, pieces, side)
        assert (out, n) == (expected, n_expected), pieces
        assert most <= matcher.longest, pieces


def test_screened_chunks_serialise_as_assigned(matcher: Matcher) -> None:
    """The guard writes released text into the chunk models without pydantic's
    __setattr__; what they serialise (also with exclude_unset, as a proxy re-sending
    them would) is still the masked text, and a field the chunk lacked appears once
    it is given text."""
    from types import SimpleNamespace

    from sentinel.client.types import ChatCompletionChunk
    from sentinel.safety.guard import INPUT, CallGuard

    sides = {d: Direction(matcher, d) for d in (INPUT, OUTPUT)}
    call = SimpleNamespace(request_id="r", span=None, fail=lambda e: None)
    guard = CallGuard(matcher, sides, call, lambda *a: None)
    chunks = [
        ChatCompletionChunk.model_validate({"choices": [{"delta": d, "finish_reason": f}]})
        for d, f in (({"reasoning_content": "an idio"}, None), ({"content": "t 笨"}, None),
                     ({"content": "蛋", "x_extra": 1}, None), ({}, "stop"))
    ]  # fmt: skip
    dumped = []
    for c in chunks:
        guard.chunk(c)
        dumped.append(c.model_dump(exclude_unset=True)["choices"][0]["delta"])
    reasoning = "".join(d.get("reasoning_content") or "" for d in dumped)
    content = "".join(d.get("content") or "" for d in dumped)
    assert reasoning == "an idio" and content == "t **"
    assert dumped[2]["x_extra"] == 1 and "content" in dumped[3]
