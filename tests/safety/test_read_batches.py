"""The chunks of one network read are screened in one pass (CallGuard.screen): the
answer the app gets is the same as when they came apart (the whole text's masks, every
term split across chunk borders included), no chunk carries text of a later one, none
holds back more than the longest term, and a block still cuts the stream before the
chunk that brings the term. The parser (what the clients and the proxy use) gives the
same chunks, ids, finish reasons and usage however the body's bytes are split into
reads, and relays unchanged chunks as the upstream sent them."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from safety_support import Harness

from sentinel.client.async_ import AsyncSentinel
from sentinel.client.sse import ChunkParser, LineSplitter
from sentinel.client.types import ChatCompletionChunk
from sentinel.errors import ContentBlockedError
from sentinel.safety.guard import INPUT, OUTPUT, CallGuard, Direction
from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.normalize import normalize, strip_separators
from sentinel.safety.stream import mask_spans

TEXT = (
    "你真是个笨 蛋，Idiot! class ass 买发票 casino: morons 廢物 ok, 笨\u200b蛋 and ASS "
    "pass the 蠢 貨 then moronic moron. idiot"
)


@pytest.fixture
def matcher(lists_dir: Path) -> Matcher:
    return Matcher(load_lists([str(lists_dir)]))


def new_guard(matcher: Matcher) -> CallGuard:
    sides = {d: Direction(matcher, d) for d in (INPUT, OUTPUT)}
    call = SimpleNamespace(request_id="r", span=None, fail=lambda e: None)
    return CallGuard(matcher, sides, call, lambda *a: None)


def whole(matcher: Matcher, text: str) -> tuple[str, dict[str, int]]:
    side = Direction(matcher, OUTPUT)
    folded, matches = matcher.scan(text)
    matches = [m for m in matches if m.category in side.categories]
    spans = [folded.raw_span(m.start, m.end) for m in matches if m.category in side.masked]
    counts: dict[str, int] = {}
    for m in matches:
        counts[m.category] = counts.get(m.category, 0) + 1
    return mask_spans(text, spans), counts


def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """A chunk as DeepSeek sends it (`"logprobs": null` in every choice)."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {"id": "c1", "model": "deepseek-v4-flash", "choices": [choice], **extra}


def chunks_of(pieces: list[str], field: str = "content") -> list[ChatCompletionChunk]:
    events = [event({"role": "assistant", "content": ""})]
    events += [event({field: p}) for p in pieces]
    events.append(event({"content": ""}, "stop", usage={"total_tokens": 3}))
    return [ChatCompletionChunk.model_validate(e) for e in events]


def random_split(rng: random.Random, text: str, most: int) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, most)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def reads_of(rng: random.Random, items: list[Any]) -> list[list[Any]]:
    out, i = [], 0
    while i < len(items):
        n = rng.choice((1, 2, 3, 5, 8, len(items)))
        out.append(items[i : i + n])
        i += n
    return out


def held(text: str) -> int:
    return len(strip_separators(normalize(text).text))


def test_any_grouping_into_reads_gives_the_whole_text_result(matcher: Matcher) -> None:
    expected, counts = whole(matcher, TEXT)
    assert expected.count("*") > 20 and "class" in expected and "pass" in expected
    rng = random.Random(22)
    batched_runs = 0
    for _ in range(300):
        pieces = random_split(rng, TEXT, 40)
        chunks = chunks_of(pieces)
        originals = [c.choices[0].delta.content for c in chunks]
        guard = new_guard(matcher)
        received = delivered = ""
        for read in reads_of(rng, list(range(len(chunks)))):
            changed: list[bool] = []
            guard.screen([chunks[i] for i in read], changed)
            assert len(changed) == len(read)
            batched_runs += len(read) > 3
            for i, was_changed in zip(read, changed, strict=True):
                content = chunks[i].choices[0].delta.content
                assert was_changed == (content != originals[i])
                received += originals[i] or ""
                delivered += content or ""
                # never text of a later chunk, never more than the longest term behind
                assert len(delivered) <= len(received)
                assert expected.startswith(delivered), (pieces, read)
                assert held(received[len(delivered) :]) <= matcher.longest, (pieces, read)
        assert delivered == expected, pieces
        assert guard.counts == counts, pieces
        last = chunks[-1]
        assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens == 3
    assert batched_runs > 100  # the one-pass path was taken, not only chunk by chunk


def test_a_term_split_over_chunks_of_one_read_is_masked(matcher: Matcher) -> None:
    chunks = chunks_of(["you ", "i", "d", "i", "o", "t", " and ", "笨", " ", "蛋", " ok"])
    guard = new_guard(matcher)
    changed: list[bool] = []
    guard.screen(chunks, changed)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "you ***** and *** ok" == whole(matcher, "you idiot and 笨 蛋 ok")[0]
    assert guard.counts == {"insult-en": 1, "insult-zh": 1}
    assert len(chunks) == 13 and chunks[-1].choices[0].finish_reason == "stop"


def test_reasoning_then_content_in_one_read_releases_the_reasoning_first(
    matcher: Matcher,
) -> None:
    """The first content chunk ends the reasoning: what the reasoning held comes out with
    it, as chunk by chunk, not with the finishing chunk."""
    events = [event({"reasoning_content": p}) for p in ("the user is", " an id", "iot, so")]
    events += [event({"content": p}) for p in ("You are", " 笨", "蛋", " indeed")]
    events.append(event({}, "stop"))
    chunks = [ChatCompletionChunk.model_validate(e) for e in events]
    guard = new_guard(matcher)
    guard.screen(chunks, [])
    reasoning = [c.choices[0].delta.reasoning_content or "" for c in chunks]
    assert "".join(reasoning[:4]) == "the user is an *****, so"  # out by the first content
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "You are ** indeed"


def test_a_block_in_a_read_cuts_before_the_chunk_that_brings_it(matcher: Matcher) -> None:
    """Screened in one pass, a block would let the chunks around the term go out; the
    read is screened again chunk by chunk instead: the same cut as when apart."""
    pieces = ["one two ", "three ", "four ", "炸", " 弹", " and", " the rest"]

    def deliver(reads: list[list[int]]) -> tuple[list[str], ContentBlockedError | None]:
        chunks = chunks_of(pieces)
        guard = new_guard(matcher)
        out: list[str] = []
        for read in reads:
            changed: list[bool] = []
            try:
                guard.screen([chunks[i] for i in read], changed)
            except ContentBlockedError as exc:
                out += [chunks[i].choices[0].delta.content or "" for i in read[: len(changed)]]
                return out, exc
            out += [chunks[i].choices[0].delta.content or "" for i in read]
        return out, None

    apart, error = deliver([[i] for i in range(len(pieces) + 2)])
    assert error is not None and error.categories == ["violence"]
    together, error = deliver([list(range(len(pieces) + 2))])
    assert error is not None and error.categories == ["violence"]
    assert together == apart
    assert "炸" not in "".join(together) and "one two" in "".join(together)


def sse_body(chunks: list[dict[str, Any]]) -> bytes:
    events = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    return b": keep-alive\n\n" + events + b"data: [DONE]\n\n"


def parse(body: bytes, sizes: list[int], guard: CallGuard | None) -> list[Any]:
    """The body read in pieces of `sizes` bytes (the rest in one), as a client does."""
    parser = ChunkParser("rid", guard)
    splitter = LineSplitter()
    out: list[Any] = []
    pos = 0
    for size in [*sizes, len(body)]:
        out += parser.read(splitter.feed(body[pos : pos + size]))
        pos += size
        if pos >= len(body):
            break
    assert parser.done
    return out


def test_the_parser_gives_the_same_stream_however_the_bytes_are_read(
    matcher: Matcher,
) -> None:
    rng = random.Random(7)
    expected, _ = whole(matcher, TEXT)
    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": p}) for p in random_split(rng, TEXT, 30)]
    events.append(event({"content": ""}, "stop", usage={"total_tokens": 9}))
    body = sse_body(events)
    for _ in range(40):
        sizes = [rng.randint(1, 400) for _ in range(rng.randint(0, 30))]
        items = parse(body, sizes, new_guard(matcher))
        assert items[0] == ": keep-alive"
        chunks = [c for c in items if not isinstance(c, str)]
        assert len(chunks) == len(events)  # boundaries kept: one chunk per event
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected
        assert all(c.id == "c1" and c.request_id == "rid" for c in chunks)
        assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
        assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 9
        for chunk, sent in zip(chunks, events, strict=True):
            if chunk._wire is not None:  # relayed byte for byte only if unchanged
                assert json.loads(chunk._wire) == sent
                assert chunk.choices[0].delta.content == sent["choices"][0]["delta"]["content"]
            else:
                assert chunk.choices[0].delta.content != sent["choices"][0]["delta"]["content"]
    # without lists every chunk is relayed as sent
    plain = [c for c in parse(body, [50, 50], None) if not isinstance(c, str)]
    assert all(json.loads(c._wire) == e for c, e in zip(plain, events, strict=True))


def test_logprobs_chunks_are_screened_one_by_one(matcher: Matcher) -> None:
    """Chunks with logprobs (held back with the text they spell) never take the
    one-pass path: read together, they come out exactly as read apart."""
    words = ["You", " are", " an", " id", "iot", " ok"]
    events = [
        {
            "id": "c1",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": w},
                    "logprobs": {"content": [{"token": w, "logprob": -0.1, "top_logprobs": []}]},
                    "finish_reason": None,
                }
            ],
        }
        for w in words
    ]
    events.append(event({"content": ""}, "stop"))
    body = sse_body(events)
    apart = parse(body, [1] * len(body), new_guard(matcher))
    together = parse(body, [], new_guard(matcher))
    dump = [c.model_dump() if not isinstance(c, str) else c for c in apart]
    assert [c.model_dump() if not isinstance(c, str) else c for c in together] == dump
    text = "".join(c.choices[0].delta.content or "" for c in together if not isinstance(c, str))
    assert text == "You are an ***** ok"


def in_one_write(events: list[dict[str, Any]]) -> bytes:
    """An HTTP response streaming `events`, one HTTP chunk each (as DeepSeek does), to
    be written at once: they reach the client in one network read."""
    pieces = [e + b"\n\n" for e in sse_body(events).split(b"\n\n")[:-1]]
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
        + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
        + b"0\r\n\r\n"
    )


async def stream_from(harness: Harness, response: bytes, use: Any) -> Any:
    """`use(stream)` on an AsyncSentinel stream from a loopback upstream that answers
    `response` in one write."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        writer.write(response)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = AsyncSentinel(**{**harness.kwargs(), "base_url": f"http://127.0.0.1:{port}"})
    harness.clients.append(client)
    try:
        stream = await client.chat.completions.create(
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return await use(stream)
    finally:
        server.close()


def words_of(text: str) -> list[dict[str, Any]]:
    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": w if i == 0 else " " + w}) for i, w in enumerate(text.split())]
    events.append(event({"content": ""}, "stop", usage={"total_tokens": 5}))
    return events


def test_events_that_arrive_together_reach_a_relay_as_one_batch(
    harness: Harness, matcher: Matcher
) -> None:
    """An upstream whose events (one HTTP chunk each) arrive in one network read: a
    relay reading the async stream's batches() (the proxy) gets them as one batch, so
    they are screened in one pass, and the answer is the whole text's masks."""
    events = words_of(TEXT)

    async def collect(stream: Any) -> list[list[Any]]:
        return [batch async for batch in stream.batches()]

    batches = asyncio.run(stream_from(harness, in_one_write(events), collect))
    chunks = [c for batch in batches for c in batch if not isinstance(c, str)]
    assert len(chunks) == len(events)
    assert max(len(b) for b in batches) > len(events) // 2  # together, not one by one
    expected = whole(matcher, " ".join(TEXT.split()))[0]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage.total_tokens == 5


def test_the_proxy_relay_of_one_read_records_first_and_cuts_at_a_block(
    harness: Harness,
) -> None:
    """Through the proxy's relay: a stream read whole ends with [DONE] only after the
    call is recorded; one with a blocked term in the same read ends with the error
    event instead, nothing of the term (or after it) relayed."""
    from sentinel.proxy.app import _relay

    async def relay(stream: Any) -> list[tuple[bytes, bool, bool]]:
        call = stream._call
        return [(data, more, call.obs.finished) async for data, more in _relay(stream, float)]

    fine = asyncio.run(stream_from(harness, in_one_write(words_of("one two idiot")), relay))
    data, more, recorded = fine[-1]
    assert data.endswith(b"data: [DONE]\n\n") and not more and recorded
    body = b"".join(d for d, _, _ in fine).decode()
    assert "*****" in body and "idiot" not in body

    text = "one two three four five six seven 炸 弹 and the rest"
    cut = asyncio.run(stream_from(harness, in_one_write(words_of(text)), relay))
    body = b"".join(d for d, _, _ in cut).decode()
    assert "[DONE]" not in body and '"content_blocked"' in body
    assert "one" in body and "炸" not in body and "rest" not in body
    assert cut[-1][0].startswith(b"data: {") and b"content_blocked" in cut[-1][0]
