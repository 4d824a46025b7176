"""sse.LineSplitter: the async stream's raw reads cut into SSE lines however the
network split them (line endings \n, \r\n or \r, a \r\n or a UTF-8 character torn
between two reads, a last line without a break)."""

from __future__ import annotations

import pytest

from sentinel.client.sse import LineSplitter

BODY = (
    ": keep-alive\r\n\r\n"
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    '"choices":[{"index":0,"delta":{"content":"héllo 你好"}}]}\r\n\r\n'
    "data: [DONE]\r\n\r\n"
).encode()


def lines_of(reads: list[bytes]) -> list[str]:
    splitter = LineSplitter()
    out = [line for data in reads for line in splitter.feed(data)]
    return out + splitter.end()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(BODY)])
def test_any_split_of_the_body_gives_the_same_lines(size: int) -> None:
    reads = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    assert lines_of(reads) == lines_of([BODY])
    assert lines_of([BODY])[:2] == [": keep-alive", ""]


def test_a_torn_crlf_is_one_line_break() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"data: a\r") == []  # the \r may be the start of \r\n
    assert splitter.feed(b"\ndata: b\r\n\r\n") == ["data: a", "data: b", ""]  # one event


def test_lone_cr_and_lf_endings_and_an_unterminated_last_line() -> None:
    assert lines_of([b"a\rb\nc\r\nd"]) == ["a", "b", "c", "d"]
    assert lines_of([b""]) == []
