"""The call line's direct write (`ecs.direct_handler`): when Sentinel's own handler is
all a line would pass through, it skips the logging machinery; the line must be the
one the logging path writes, and anything the app hangs on the logger (a filter, a
second handler) must put the line back on the logging path at once."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from sentinel import Sentinel
from sentinel.telemetry import ecs
from sentinel.testing import FakeDeepSeek


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key="sk-ecs-direct") as server:
        yield server


def _call(client: Sentinel) -> None:
    client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}]
    )


def test_direct_and_logging_paths_write_the_same_line(fake: FakeDeepSeek, tmp_path) -> None:
    stream = io.StringIO()
    store = f"sqlite:///{tmp_path / 's.db'}"
    with Sentinel(api_key=fake.api_key, base_url=fake.url, store=store, log_stream=stream) as c:
        logger = c._core.telemetry.logger
        assert ecs.direct_handler(logger) is not None
        _call(c)
        c.flush()  # the line is written off the calling thread, by flush() at the latest
        seen: list[logging.LogRecord] = []
        logger.addFilter(lambda record: seen.append(record) or True)  # app's filter
        assert ecs.direct_handler(logger) is None
        _call(c)
        c.flush()
        assert len(seen) == 1  # the second line went through logging, filter and all
        c.flush()
    direct, logged = (json.loads(line) for line in stream.getvalue().splitlines())
    for doc in (direct, logged):  # ECS asks for these first, in this order
        assert list(doc)[:4] == ["@timestamp", "log.level", "message", "ecs.version"]
    assert _paths(direct) == _paths(logged)  # same fields (values differ per call)
    for key in ("log.level", "message", "ecs.version", "log", "service"):
        assert direct[key] == logged[key]
    assert direct["event"]["dataset"] == logged["event"]["dataset"] == "sentinel.calls"


def _paths(doc: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in doc.items():
        path = f"{prefix}{key}"
        out |= _paths(value, path + ".") if isinstance(value, dict) else {path}
    return out


def test_a_second_handler_or_propagation_takes_the_logging_path() -> None:
    logger = ecs.call_logger(io.StringIO())
    assert ecs.direct_handler(logger) is not None
    logger.propagate = True
    assert ecs.direct_handler(logger) is None
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    assert ecs.direct_handler(logger) is None
