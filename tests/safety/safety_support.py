"""Helpers for the safety tests (a plain module so tests import it by name; every
conftest is a module named `conftest`): the Chinese and English lists, what the fake
answers, and a harness of real clients with in-memory OTel readers."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from loopback import QuietHandler
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.telemetry import ecs
from sentinel.testing import FakeDeepSeek
from sentinel.testing.telemetry import FlushingLog, FlushingMetricReader, FlushingSpanExporter


class SSEUpstream(QuietHandler):
    """A raw SSE upstream on loopback for stream tests that FakeDeepSeek cannot shape
    (bodies that stop early, tokens that do not spell their text): `begin()` reads the
    request and answers an event stream, `event(choice)` sends one chunk as DeepSeek does."""

    model = "deepseek-v4-flash"

    def begin(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

    def event(self, choice: dict[str, Any]) -> None:
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": self.model}
        self.wfile.write(b"data: " + orjson.dumps(chunk | {"choices": [choice]}) + b"\n\n")
        self.wfile.flush()

    def content(self, text: str, **extra: Any) -> None:
        self.event({"index": 0, "delta": {"content": text}, "finish_reason": None, **extra})


INSULTS_ZH = """\
# 辱骂: masked in answers only
# category: insult-zh
# action: mask
# apply: output
# variants: zh
笨蛋
蠢货
废物|廢柴
"""
INSULTS_EN = """\
# English insults, masked in prompts and answers
# action: mask
idiot
ass
re:moron(s|ic){0,1}
"""
VIOLENCE = """\
# category: violence
# action: block
炸弹
bomb
"""
SPAM = """\
# flagged only: counted, nothing changed
发票
casino
"""


def write_lists(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "insult_zh.txt").write_text(INSULTS_ZH, encoding="utf-8")
    (root / "insult-en.txt").write_text(INSULTS_EN, encoding="utf-8")
    (root / "violence.txt").write_text(VIOLENCE, encoding="utf-8")
    (root / "spam.txt").write_text(SPAM, encoding="utf-8")
    return root


class Replies:
    """What the fake answers next (default: echo the prompt)."""

    def __init__(self) -> None:
        self.text: str | None = None

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        if self.text is not None:
            return self.text
        return str(messages[-1]["content"])


class Harness:
    """Real clients with in-memory OTel readers, a log stream and a SQLite store."""

    def __init__(self, tmp_path: Path, fake: FakeDeepSeek, lists_dir: Path) -> None:
        self.tmp_path = tmp_path
        self.fake = fake
        self.lists_dir = lists_dir
        # readers that flush the clients first (telemetry is built off the calling thread)
        self.spans = FlushingSpanExporter(self.flush)
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = FlushingMetricReader(self.flush)
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])
        self.log = FlushingLog(self.flush)
        self.store = SQLiteStore(tmp_path / "safety.db")
        self.store.setup()
        self.clients: list[Any] = []

    def flush(self) -> None:
        """Every client's telemetry built and lines written (a closed client: nothing)."""
        for c in self.clients:
            c._core.telemetry.flush(10)
            ecs.flush(c._core.telemetry.logger)

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "spool_dir": self.tmp_path / "spool",
            "safety_lists": [str(self.lists_dir)],
            "safety_reload": "0s",
        }
        values.update(overrides)
        return Settings(**values)

    def kwargs(self, **settings: Any) -> dict[str, Any]:
        return {
            "api_key": self.fake.api_key,
            "base_url": self.fake.url,
            "store": self.store,
            "tracer_provider": self.tracer_provider,
            "meter_provider": self.meter_provider,
            "log_stream": self.log,
            "settings": self.settings(**settings),
        }

    def client(self, **settings: Any) -> Sentinel:
        c = Sentinel(**self.kwargs(**settings))
        self.clients.append(c)
        return c

    def aclient(self, **settings: Any) -> AsyncSentinel:
        c = AsyncSentinel(**self.kwargs(**settings))
        self.clients.append(c)
        return c

    def calls(self) -> list[dict[str, Any]]:
        """Every stored call record's JSON document, as the store keeps it."""
        for c in self.clients:
            if isinstance(c, Sentinel):
                c.flush()
        with contextlib.closing(sqlite3.connect(self.tmp_path / "safety.db")) as db:
            rows = db.execute("SELECT doc FROM calls ORDER BY ts").fetchall()
        return [json.loads(r[0]) for r in rows]

    def stored(self, table: str) -> list[str]:
        """Every stored document of a SQLite table (calls, conversations...) as JSON."""
        for c in self.clients:
            c.flush()
        with contextlib.closing(sqlite3.connect(self.tmp_path / "safety.db")) as db:
            return [row[0] for row in db.execute(f"SELECT doc FROM {table}")]

    def counted(self) -> dict[tuple[str, str, str], int]:
        """sentinel.safety.matches by (category, action, direction)."""
        out: dict[tuple[str, str, str], int] = {}
        data = self.metrics.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name != "sentinel.safety.matches":
                        continue
                    for p in metric.data.data_points:
                        a = p.attributes
                        key = (
                            a["sentinel.safety.category"],
                            a["sentinel.safety.action"],
                            a["sentinel.safety.direction"],
                        )
                        out[key] = p.value
        return out
