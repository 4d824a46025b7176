"""`sentinel redact` and `sentinel anonymize --once` through the real `sentinel` app."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.models import Conversation
from sentinel.privacy.cli import CHUNK_LINES, redact_stream
from sentinel.privacy.redactor import Redactor
from sentinel.store.base import CacheEntry
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture(autouse=True)
def _share_the_session_redactor(redactor: Redactor) -> None:
    """The CLI uses the process-wide redactor the fixture already loaded."""


def test_plain_text_line_by_line() -> None:
    result = runner.invoke(
        app, ["redact"], input="I'm Mary Johnson.\n我是张伟，手机13800138000\n\nPython 3.12\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "I'm <PERSON_1>.\n我是<PERSON_1>，手机<PHONE_NUMBER_1>\n\nPython 3.12\n"


def test_jsonl_field_nested_and_untouched_records() -> None:
    lines = [
        {"id": 1, "msg": {"body": "mail tom@example.com"}},
        {"id": 2, "msg": {"body": 5}},
        {"id": 3},
    ]
    stdin = "".join(json.dumps(x) + "\n" for x in lines)
    result = runner.invoke(app, ["redact", "--jsonl", "--field", "msg.body"], input=stdin)
    assert result.exit_code == 0, result.output
    assert [json.loads(x) for x in result.stdout.splitlines()] == [
        {"id": 1, "msg": {"body": "mail <EMAIL_ADDRESS_1>"}},
        {"id": 2, "msg": {"body": 5}},
        {"id": 3},
    ]


def test_lang_option() -> None:
    result = runner.invoke(
        app, ["redact", "--lang", "zh"], input="我是张伟, this is Mary Johnson\n"
    )
    assert result.stdout == "我是<PERSON_1>, this is Mary Johnson\n"
    assert runner.invoke(app, ["redact", "--lang", "fr"], input="x\n").exit_code != 0


def test_bad_json_names_the_line_not_the_content() -> None:
    result = runner.invoke(
        app, ["redact", "--jsonl"], input='{"text": "ok"}\n{secret 13800138000\n'
    )
    assert result.exit_code != 0
    assert "line 2" in result.output and "13800138000" not in result.output


class CountingSource:
    """An input stream that records how many lines have been read from it."""

    def __init__(self, lines: int) -> None:
        self.read = 0
        self.total = lines

    def readline(self, limit: int = -1) -> str:
        if self.read == self.total:
            return ""
        self.read += 1
        return f"line {self.read} from bob@example.com\n"


def test_streaming_reads_one_chunk_ahead_at_most(redactor: Redactor) -> None:
    source = CountingSource(CHUNK_LINES * 3 + 5)
    read_at_write: list[int] = []

    class Sink(io.StringIO):
        def write(self, s: str) -> int:
            read_at_write.append(source.read)
            return super().write(s)

    sink = Sink()
    assert redact_stream(source, sink, redactor) == CHUNK_LINES * 3 + 5  # type: ignore[arg-type]
    assert read_at_write == [CHUNK_LINES, 2 * CHUNK_LINES, 3 * CHUNK_LINES, 3 * CHUNK_LINES + 5]
    assert sink.getvalue().count("<EMAIL_ADDRESS_1>") == CHUNK_LINES * 3 + 5


def test_anonymize_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cli.db"
    store = SQLiteStore(db)
    store.setup()
    old = datetime.now(UTC) - timedelta(hours=80)
    store.write_records(
        [
            Conversation(
                request_id="r1",
                timestamp=old,
                model="deepseek-v4-flash",
                messages=[{"role": "user", "content": "I'm Mary Johnson"}],
                subject_id="user-1",
            )
        ]
    )
    cached = CacheEntry(
        key="k1",
        app="a",
        model="deepseek-v4-flash",
        created_at=old,
        expires_at=old + timedelta(days=9),
        response={"choices": []},
        subject_id="user-1",
    )
    store.cache_put(cached, max_entries=10)
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{db}")
    result = runner.invoke(app, ["anonymize", "--once"])
    assert result.exit_code == 0, result.output
    assert "anonymized 1 conversations" in result.stdout and "PERSON=1" in result.stdout
    assert "purged 1 cached responses" in result.stdout
    assert result.stdout.rstrip().endswith("nothing left raw"), result.stdout  # not "0s old"
    conv = store.get_conversation("r1")
    store.close()
    assert conv.messages == [{"role": "user", "content": "I'm <PERSON_1>"}]
