"""Where an app's ECS call lines go, from a real app process calling FakeDeepSeek over
loopback: stderr by default (the app's stdout stays its own), or where
SENTINEL_LOG_STREAM says: stdout, stderr or a file path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.testing import FakeDeepSeek

APP = """
from sentinel import Sentinel
client = Sentinel(app="shop")
client.chat.completions.create(model="deepseek-v4-flash",
                               messages=[{"role": "user", "content": "hi"}])
client.close()
print("the app's own output")
"""


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key="sk-log-stream-test") as server:
        yield server


def _app(fake: FakeDeepSeek, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", APP], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=os.environ | {"DEEPSEEK_BASE_URL": fake.url, "DEEPSEEK_API_KEY": fake.api_key,
                          "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}", **env},
        check=False,
    )  # fmt: skip


def _call_lines(text: str) -> list[dict]:
    docs = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in docs if d.get("log", {}).get("logger") == "sentinel.calls"]


def test_call_lines_go_to_stderr_by_default(fake: FakeDeepSeek, tmp_path: Path) -> None:
    ran = _app(fake, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "the app's own output\n"
    (line,) = _call_lines(ran.stderr)
    assert line["event"]["outcome"] == "success"


@pytest.mark.parametrize("where", ["stdout", "stderr", "file"])
def test_sentinel_log_stream_chooses(fake: FakeDeepSeek, tmp_path: Path, where: str) -> None:
    target = tmp_path / "logs" / "calls.jsonl"
    target.parent.mkdir()
    ran = _app(fake, tmp_path, SENTINEL_LOG_STREAM=str(target) if where == "file" else where)
    assert ran.returncode == 0, ran.stderr
    streams = {"stdout": ran.stdout, "stderr": ran.stderr, "file": ""}
    if target.exists():
        streams["file"] = target.read_text()
    assert {k: len(_call_lines(v)) for k, v in streams.items()} == {
        k: int(k == where) for k in streams
    }
    assert "the app's own output" in ran.stdout


def test_upper_case_stream_names_are_streams_not_files(fake: FakeDeepSeek, tmp_path: Path) -> None:
    ran = _app(fake, tmp_path, SENTINEL_LOG_STREAM="STDOUT")
    assert ran.returncode == 0, ran.stderr
    assert len(_call_lines(ran.stdout)) == 1
    assert not (tmp_path / "STDOUT").exists()


@pytest.mark.parametrize("where", ["missing/dir/calls.jsonl", "."])
def test_an_unwritable_log_file_is_a_configuration_error(
    fake: FakeDeepSeek, tmp_path: Path, where: str
) -> None:
    ran = _app(fake, tmp_path, SENTINEL_LOG_STREAM=where)
    assert ran.returncode == 1
    last = ran.stderr.strip().splitlines()[-1]
    assert last.startswith("sentinel.errors.ConfigurationError: SENTINEL_LOG_STREAM: "), last
    assert str((tmp_path / where).resolve()) in last
    assert "FileNotFoundError" not in ran.stderr and "IsADirectoryError" not in ran.stderr
