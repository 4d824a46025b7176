"""Attacks from outside (an operator's and an attacker's view, README and issue only),
over real loopback HTTP to FakeDeepSeek with real list files: each test is one way the
filter was found to break, kept so it stays fixed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from loopback import QuietHandler, http_server, wait_until
from safety_support import Harness

from sentinel.client import Sentinel
from sentinel.errors import ContentBlockedError
from sentinel.safety.guard import Direction
from sentinel.safety.lists import MAX_LIST_BYTES, SafetyListError, load_lists
from sentinel.safety.logprobs import mask_logprobs
from sentinel.safety.matcher import Matcher
from sentinel.safety.normalize import MAX_PADDING, normalize
from sentinel.safety.stream import StreamMasker, mask_spans

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _span_text(harness: Harness) -> str:
    return "\n".join(
        json.dumps(dict(s.attributes or {}), ensure_ascii=False)
        + json.dumps([dict(e.attributes or {}) for e in s.events], ensure_ascii=False)
        for s in harness.spans.get_finished_spans()
    )


def test_content_capture_puts_the_screened_prompt_on_the_span(harness: Harness) -> None:
    """With SENTINEL_CAPTURE_CONTENT_IN_TELEMETRY on, the span's gen_ai.input.messages
    was the app's raw prompt: a refused prompt's listed term and a masked one reached
    the trace store, while the ECS line and the stored conversation had them masked."""
    client = harness.client(capture_content_in_telemetry=True)
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask("a bomb, idiot"), thinking=OFF)
    client.chat.completions.create(model=MODEL, messages=ask("you idiot"), thinking=OFF)
    spans = _span_text(harness)
    assert "bomb" not in spans and "idiot" not in spans
    assert "a ****, *****" in spans and "you *****" in spans  # what crossed the boundary
    assert "bomb" not in harness.log.getvalue() and "idiot" not in harness.log.getvalue()


def _stream(harness: Harness, text: str) -> list[str]:
    harness.fake.reply = lambda _messages: text
    client = harness.client()
    stream = client.chat.completions.create(
        model=MODEL, messages=ask("x"), stream=True, thinking=OFF
    )
    return [c.choices[0].delta.content or "" for c in stream if c.choices]


def test_a_run_of_punctuation_in_latin_text_is_not_held_back(harness: Harness) -> None:
    """Trailing spaces and punctuation were held back whatever came before them (they
    might yet be padding between two CJK characters), so an English answer's divider
    line ("----- ----- ...") reached the app only when a letter came: every chunk of
    it was delayed past the longest term (5 characters here), and each one rescanned
    the growing backlog."""
    pieces = _stream(harness, "start " + " ".join(["-----"] * 200) + " end")
    assert "".join(pieces) == "start " + " ".join(["-----"] * 200) + " end"
    # the role chunk, "start", then one chunk per divider: each is out by the next one
    dividers = pieces[2:202]
    assert sum(1 for p in dividers if not p) <= 2, dividers[:10]


def test_a_cjk_term_split_by_padding_across_chunks_is_still_masked(harness: Harness) -> None:
    """The fix above must keep holding padding that follows a CJK character."""
    pieces = _stream(harness, "你 是 笨 . 蛋 吗")
    assert "".join(pieces) == "你 是 ***** 吗"


@pytest.mark.parametrize(
    "hidden",
    [
        "\ufe00",  # variation selector 1 (the README: variation selectors are ignored)
        "\ufe0d",
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u2062",  # invisible times
        "\u180b",  # Mongolian free variation selector
        "\u061c",  # Arabic letter mark
    ],
)
def test_every_invisible_character_inside_a_term_is_ignored(harness: Harness, hidden: str) -> None:
    """Only ten invisible characters were dropped: a bidirectional mark or any
    variation selector but the two emoji ones inside "idiot" got it past a mask list,
    and inside "bomb" past a block list."""
    client = harness.client()
    answer = client.chat.completions.create(
        model=MODEL, messages=ask(f"you id{hidden}iot"), thinking=OFF
    )
    assert answer.content == "you " + "*" * 6
    with pytest.raises(ContentBlockedError):
        client.chat.completions.create(model=MODEL, messages=ask(f"a b{hidden}omb"), thinking=OFF)


def test_an_edit_that_keeps_size_and_mtime_is_reloaded(harness: Harness) -> None:
    """The reload poll compared only mtime and size: a list replaced by one of the
    same size with its mtime kept (`cp -p`, `rsync -t`, a tar or package unpacking)
    was never reloaded, so the new term went unscreened until a restart."""
    client = harness.client(safety_reload="100ms")
    path = harness.lists_dir / "spam.txt"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "casino" in text
    staged = path.with_suffix(".new")
    staged.write_text(text.replace("casino", "wombat"), encoding="utf-8")
    os.utime(staged, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(staged, path)  # what cp -p / rsync -t leave: same size, same mtime
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    def flagged() -> bool:
        client.chat.completions.create(model=MODEL, messages=ask("a wombat"), thinking=OFF)
        return (harness.calls()[-1].get("safety") or {}).get("categories") == ["spam"]

    assert wait_until(flagged, 10, step=0.2)


def test_a_variants_list_matches_mixed_simplified_and_traditional_text(
    harness: Harness, tmp_path: Path
) -> None:
    """`# variants: zh` matched the whole simplified and the whole traditional form
    only, so writing one character of each ("開发票", or Taiwan's "台灣" for a list
    saying "台湾") got past the list."""
    lists = tmp_path / "mixed"
    lists.mkdir()
    (lists / "fapiao.txt").write_text(
        "# action: mask\n# variants: zh\n开发票\n台湾\n", encoding="utf-8"
    )
    harness.lists_dir = lists
    client = harness.client()
    for text in ("開发票", "开發票", "開發票", "开发票", "台灣", "臺湾"):
        answer = client.chat.completions.create(model=MODEL, messages=ask(text), thinking=OFF)
        assert answer.content == "*" * len(text), text


def _logprob(token: str) -> dict[str, Any]:
    alt = {"token": token, "logprob": -0.1, "bytes": list(token.encode())}
    return {**alt, "top_logprobs": [alt, {"token": " x", "logprob": -3.0, "bytes": [32, 120]}]}


class LogprobsUpstream(QuietHandler):
    """DeepSeek with logprobs on (thinking off): the answer's tokens come back beside it."""

    tokens = ("you", " idi", "ot", " ok")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = orjson.dumps(
            {
                "id": "cmpl-1", "object": "chat.completion", "created": 1, "model": MODEL,
                "choices": [{
                    "index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "".join(self.tokens)},
                    "logprobs": {"content": [_logprob(t) for t in self.tokens]},
                }],
                "usage": {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5},
            }
        )  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_logprobs_do_not_give_a_masked_term_back(harness: Harness) -> None:
    """With logprobs=True the answer's tokens (and their alternatives) came back
    unscreened beside the masked content: the app read "idiot" out of logprobs."""
    with http_server(LogprobsUpstream) as url:
        client = Sentinel(**{**harness.kwargs(), "base_url": url})
        harness.clients.append(client)
        answer = client.chat.completions.create(
            model=MODEL, messages=ask("hi"), thinking=OFF, logprobs=True, top_logprobs=2
        )
    choice = answer.choices[0]
    assert choice.message.content == "you ***** ok"
    entries = choice.model_dump()["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == "you ***** ok"  # still the text, aligned
    dumped = json.dumps(entries)
    assert "idi" not in dumped and "105, 100, 105" not in dumped  # nor in bytes
    assert [e["token"] for e in entries[:1]] == ["you"]  # tokens outside a mask stay
    assert entries[0]["top_logprobs"][1]["token"] == " x"


def test_logprobs_that_cannot_be_lined_up_with_the_text_are_dropped() -> None:
    """Byte-level tokens (a CJK character split over two), or legacy FIM columns of
    unequal length, cannot be masked position by position: none of them is passed on,
    rather than the term. Legacy columns that line up are masked like chat's."""
    split = {"content": [{"token": "\\xe7\\x82", "bytes": [231, 130]}, {"token": "x"}]}
    assert mask_logprobs(split, "炸弹", "**") is None
    legacy = {"tokens": ["bo", "mb"], "token_logprobs": [-0.1, -0.2]}
    assert mask_logprobs(legacy, "bomb", "****") == {
        "tokens": ["**", "**"],
        "token_logprobs": [-0.1, -0.2],
    }
    assert mask_logprobs(legacy, "fine", "fine") is legacy  # nothing masked: untouched
    ragged = {"tokens": ["bo", "mb"], "token_logprobs": [-0.1], "text_offset": [0, 2]}
    assert mask_logprobs(ragged, "bomb", "****") is None


def test_trailing_padding_after_a_cjk_character_is_held_back_a_bounded_amount(
    harness: Harness,
) -> None:
    """Padding between CJK characters had no length limit, so after a CJK character a
    stream held back every space and dot that followed (here 1,500 chunks of " ."),
    rescanning the whole backlog with each chunk: the app got nothing until the end,
    and the cost grew with the square of the run. Padding is at most MAX_PADDING
    characters now, in a whole text as in a stream."""
    pieces = _stream(harness, "中文 " + " ".join(["."] * 1500) + " 好")
    assert "".join(pieces) == "中文 " + " ".join(["."] * 1500) + " 好"
    dots = pieces[2:1502]
    held = sum(1 for p in dots if not p)
    assert held <= MAX_PADDING // 2 + 1, held
    assert normalize("炸" + " " * MAX_PADDING + "弹").text == "炸弹"
    assert normalize("炸" + " " * (MAX_PADDING + 1) + "弹").text != "炸弹"


def test_list_lines_are_numbered_as_an_editor_numbers_them(tmp_path: Path) -> None:
    """A form feed in a comment (or U+0085 / U+2028 inside a term) counted as a line
    break: the error below was reported on line 6 of a 4-line file, and "foo\\x85bar"
    became two terms."""
    path = tmp_path / "ff.txt"
    path.write_text(
        "# action: mask\r\n# a comment\x0c with a form feed\r\nfoo\x85bar\r\nre:(\r\n",
        encoding="utf-8",
    )
    with pytest.raises(SafetyListError) as exc:
        load_lists([str(path)])
    assert [p.split(": ")[0] for p in exc.value.problems] == [f"{path}:4"]
    path.write_text("# action: mask\nfoo\x85bar\n", encoding="utf-8")
    # one term (NEL is matched as the space it stands for, as a newline is)
    assert [t.text for t in load_lists([str(path)]).terms] == ["foo bar"]


def test_a_huge_list_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """A list file was read whole into memory, at start and on every reload: a 1 GB
    line (a mistaken copy, a log written into the list directory) took gigabytes of a
    running proxy's memory before failing as one overlong term."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # sparse: no disk is written
        f.truncate(MAX_LIST_BYTES + 4096)
    with pytest.raises(SafetyListError) as exc:
        load_lists([str(path)])
    assert exc.value.problems == [
        f"{path}: over 64 MB; a list file is at most that (50,000 terms take about 1 MB)"
    ]


def test_a_full_width_space_is_a_space(harness: Harness, tmp_path: Path) -> None:
    """Width folding covered full-width letters and digits but not the full-width
    (ideographic) space, so a phrase typed on a Chinese keyboard ("ｆｒｅｅ　ｍｏｎｅｙ",
    "free　money") got past a list of "free money"."""
    lists = tmp_path / "phrase"
    lists.mkdir()
    (lists / "spam.txt").write_text("# action: mask\nfree money\n", encoding="utf-8")
    harness.lists_dir = lists
    client = harness.client()
    for text in ("ｆｒｅｅ\u3000ｍｏｎｅｙ", "free\u3000money", "FREE MONEY"):
        answer = client.chat.completions.create(model=MODEL, messages=ask(text), thinking=OFF)
        assert answer.content == "*" * len(text), text


@pytest.mark.parametrize("line", ["re:\\b", "re:\\b\\b", "re:(?:\\b|$)"])
def test_a_regex_that_can_only_match_nothing_is_refused(tmp_path: Path, line: str) -> None:
    """`re:\\b` passed `safety check` (its empty match at the start of "" fails, so the
    empty-string test missed it) and then screened nothing: a dead line reported OK."""
    path = tmp_path / "zero.txt"
    path.write_text(f"# action: block\n{line}\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as exc:
        load_lists([str(path)])
    assert exc.value.problems == [f"{path}:2: regular expression matches the empty string"]


def _masker(lists_dir: Path) -> tuple[Matcher, StreamMasker]:
    matcher = Matcher(load_lists([str(lists_dir)]))
    side = Direction(matcher, "output")
    return matcher, StreamMasker(matcher, side.categories, side.masked)


def test_a_run_of_invisible_characters_is_held_back_a_bounded_amount(lists_dir: Path) -> None:
    """Invisible characters were dropped however many came in a row, so a stream of
    them (an answer told to repeat U+200B) was held back whole, and the released ones
    stayed in the left context: every chunk rescanned all of it, 4,000 chunks took
    seconds of the proxy's event loop. A run over MAX_PADDING is kept, like padding."""
    _, masker = _masker(lists_dir)
    released = masker.feed("ok b")[0]
    for _ in range(2000):
        released += masker.feed("\u200b\u200b")[0]
        assert len(masker.held) + len(masker._ctx) <= MAX_PADDING + 2 * 8
    assert released == "ok b" + "\u200b" * (4000 - len(masker.held))
    assert normalize("b" + "\u200b" * MAX_PADDING + "omb").text == "bomb"
    assert normalize("b" + "\u200b" * (MAX_PADDING + 1) + "omb").text != "bomb"


@pytest.mark.parametrize("run", [1, MAX_PADDING, MAX_PADDING + 1, 600])
def test_a_streamed_invisible_run_matches_like_the_whole_text(lists_dir: Path, run: int) -> None:
    matcher, masker = _masker(lists_dir)
    text = "k " + "\u200b" * run + "idiot and id" + "\u200b" * run + "iot ok"
    whole = normalize(text)
    spans = [whole.raw_span(m.start, m.end) for m in matcher.scan_folded(whole.text)]
    out = "".join(masker.feed(text[i : i + 7])[0] for i in range(0, len(text), 7))
    assert out + masker.end()[0] == mask_spans(text, spans)
