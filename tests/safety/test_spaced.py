"""Spaced-out Latin spellings (`i d i o t`, `i.d.i.o.t`) for the terms of a list that
asks for them (`# spaced: latin`): matched whole and streamed (FakeDeepSeek streams
every spaced letter as a chunk of its own), at any chunk size as whole, and never
joining letters that spell another word (`a s s e t s`) or a list that did not ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_support import Harness

from sentinel.safety.lists import SafetyListError, load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.stream import StreamMasker, mask_spans
from sentinel.testing import FakeDeepSeek

SPACED = """\
# category: rude
# action: mask
# spaced: latin
# plurals: en
idiot
ass
笨蛋
"""
TEXT = "so i d i o t s and a s s e t s, a s s ok, a.s.s. and i-d-i-o-t; a b c U S A"
MASKED = "so *********** and a s s e t s, ***** ok, *****. and *********; a b c U S A"


@pytest.fixture
def spaced_dir(tmp_path: Path) -> Path:
    root = tmp_path / "spaced"
    root.mkdir()
    (root / "rude.txt").write_text(SPACED, encoding="utf-8")
    return root


def _masked(matcher: Matcher, text: str) -> str:
    folded, matches = matcher.scan(text)
    return mask_spans(text, [folded.raw_span(m.start, m.end) for m in matches])


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("you i d i o t!", "you *********!"),
        ("I . D . I . O . T", "*****************"),
        ("i  d  i  o  t", "*************"),
        ("idiot", "*****"),  # the term itself: once, by the automaton
        ("a s s e t s", "a s s e t s"),  # more spaced letters follow: another word
        ("i d i o", "i d i o"),
        ("class a b c", "class a b c"),
        (TEXT, MASKED),
    ],
)
def test_spaced_out_terms_of_a_marked_list(spaced_dir: Path, text: str, masked: str) -> None:
    assert _masked(Matcher(load_lists([str(spaced_dir)])), text) == masked


def test_one_match_per_spelling_and_none_without_the_header(
    spaced_dir: Path, tmp_path: Path
) -> None:
    matcher = Matcher(load_lists([str(spaced_dir)]))
    assert len(matcher.scan("idiot and i d i o t")[1]) == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "rude.txt").write_text(SPACED.replace("# spaced: latin\n", ""), encoding="utf-8")
    assert _masked(Matcher(load_lists([str(plain)])), TEXT) == TEXT


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_streamed_at_any_chunk_size_as_whole(spaced_dir: Path, size: int) -> None:
    matcher = Matcher(load_lists([str(spaced_dir)]))
    categories = set(matcher.policies)
    masker = StreamMasker(matcher, categories, categories)
    out = ""
    for i in range(0, len(TEXT), size):
        released, _ = masker.feed(TEXT[i : i + size])
        out += released
        assert len(TEXT[: i + size]) - len(out) <= matcher.longest  # held back at most
    out += masker.end()[0]
    assert out == MASKED


def test_a_stream_of_one_letter_a_chunk_is_masked(
    tmp_path: Path, fake: FakeDeepSeek, spaced_dir: Path
) -> None:
    harness = Harness(tmp_path, fake, spaced_dir)
    try:
        fake.reply = lambda _messages: "you are an i d i o t s ok"
        stream = harness.client().chat.completions.create(
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "x"}],
            stream=True, thinking={"type": "disabled"},
        )  # fmt: skip
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "you are an *********** ok"
        [call] = harness.calls()
        assert call["safety"]["counts"] == {"rude": 1}
    finally:
        for c in harness.clients:
            c.close()
        harness.store.close()


def test_a_bad_spaced_value_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "rude.txt"
    f.write_text("# spaced: yes\nidiot\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    assert info.value.problems == [f"{f}:1: spaced must be latin or none, got 'yes'"]


def test_more_than_the_spaced_cap_is_an_error_naming_the_line(tmp_path: Path) -> None:
    from sentinel.safety.forms import MAX_SPACED

    words = [f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_SPACED + 5)]
    f = tmp_path / "many.txt"
    f.write_text("# spaced: latin\n" + "\n".join(words) + "\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    [problem] = info.value.problems
    assert problem.startswith(f"{f}:{MAX_SPACED + 2}: more than {MAX_SPACED} terms")
    f.write_text("# spaced: latin\n" + "\n".join(words[:MAX_SPACED]) + "\n", encoding="utf-8")
    matcher = Matcher(load_lists([str(f)]))
    assert len(matcher.lists.patterns) == 1  # one regex for the category, not one a term
    assert _masked(matcher, f"say {' '.join(words[7])} now") == f"say {'*' * 11} now"


# A spaced-out term followed directly by a letter or digit is no match, as the plain
# term is none there (`scam1`): the rule for whole texts and streams alike.
ENDS = [
    ("a s c a m1 here", "a s c a m1 here"),
    ("a s c a mx here", "a s c a mx here"),
    ("a scam1 here", "a scam1 here"),
    ("a s c a m, here", "a *******, here"),
    ("a s-c-a-m! here", "a *******! here"),
    ("a s c a m", "a *******"),
]


@pytest.mark.parametrize(("text", "masked"), ENDS)
def test_a_spaced_term_must_end_its_word_whole_and_streamed(
    tmp_path: Path, text: str, masked: str
) -> None:
    (tmp_path / "scam.txt").write_text("# action: mask\n# spaced: latin\nscam\n", "utf-8")
    matcher = Matcher(load_lists([str(tmp_path)]))
    assert _masked(matcher, text) == masked
    categories = set(matcher.policies)
    for cut in range(1, len(text)):
        for second in range(cut, len(text)):
            masker = StreamMasker(matcher, categories, categories)
            pieces = (text[:cut], text[cut:second], text[second:])
            out = "".join(masker.feed(p)[0] for p in pieces) + masker.end()[0]
            assert out == masked, pieces


def test_a_spaced_term_and_a_digit_through_the_client(tmp_path: Path, fake: FakeDeepSeek) -> None:
    root = tmp_path / "lists"
    root.mkdir()
    (root / "scam.txt").write_text("# action: mask\n# spaced: latin\nscam\n", "utf-8")
    harness = Harness(tmp_path, fake, root)
    try:
        fake.reply = lambda _messages: "a s c a m1 and a s c a m here"
        client = harness.client()
        kwargs = {
            "model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}],
            "thinking": {"type": "disabled"},
        }  # fmt: skip
        whole = client.chat.completions.create(**kwargs).content
        stream = client.chat.completions.create(**kwargs, stream=True)
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert whole == streamed == "a s c a m1 and a ******* here"
    finally:
        for c in harness.clients:
            c.close()
        harness.store.close()
