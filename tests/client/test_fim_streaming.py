"""FIM completion streamed (`client.completions.create(stream=True)`): chunks in the shape
DeepSeek (and OpenAI's completions API) streams them, `choices[].text`, adding up to the
answer the same call gives unstreamed; recorded like a chat stream; restored for the app
when outbound masking is on (the proxy's relay: tests/proxy/test_proxy_fim_stream.py)."""

from __future__ import annotations

from typing import Any

from sentinel.client.outbound import RestoringStream
from sentinel.client.types import TextChoice, TextCompletion
from sentinel.privacy.outbound import OutboundMask

FIM = {"model": "deepseek-v4-flash", "prompt": "def add(a, b):\n", "suffix": "\n    return c"}


def _text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].text for c in chunks if c.choices)


def test_fim_stream_adds_up_to_the_answer_and_is_recorded(harness: Any) -> None:
    client = harness.client()
    whole = client.completions.create(**FIM)
    harness.fake.keepalive_comments = 2
    stream = client.completions.create(**FIM, stream=True)
    chunks = list(stream)
    assert len(chunks) > 2 and all(isinstance(c, TextCompletion) for c in chunks)
    assert _text(chunks) == whole.content
    sent = harness.fake.requests[-1]
    assert sent.path == "/beta/completions" and sent.json()["stream"] is True
    assert sent.json()["stream_options"] == {"include_usage": True}
    harness.flush()
    record = harness.store.get_call(stream.request_id)
    assert record is not None and record.operation == "text_completion"
    assert record.params.stream is True and record.finish_reasons == ["stop"]
    assert record.params.thinking is None  # FIM has no thinking mode to record
    assert record.output_tokens == chunks[-1].usage.completion_tokens
    assert record.time_to_first_chunk is not None and record.keepalives == 2
    conv = harness.store.get_conversation(stream.request_id)
    assert conv is not None and conv.completion == whole.content


async def test_async_fim_stream(harness: Any) -> None:
    client = harness.aclient()
    whole = await client.completions.create(**FIM)
    stream = await client.completions.create(**FIM, stream=True)
    chunks = [c async for c in stream]
    assert _text(chunks) == whole.content
    await client.aclose()
    record = harness.store.get_call(stream.request_id)
    assert record is not None and record.operation == "text_completion" and record.params.stream


def test_fim_stream_is_restored_for_the_app() -> None:
    class Chunks:  # what a Stream of FIM chunks yields, a placeholder split in two
        request_id = "r1"

        def __iter__(self) -> Any:
            for text, finish in (("hi <PER", None), ("SON_1>!", None), ("", "stop")):
                yield TextCompletion(choices=[TextChoice(text=text, finish_reason=finish)])

        def close(self) -> None:
            pass

    mask = OutboundMask(values={"<PERSON_1>": "Brandon Gaines"})
    restored = list(RestoringStream(Chunks(), mask))
    assert _text(restored) == "hi Brandon Gaines!"
    assert all(isinstance(c, TextCompletion) for c in restored)
