"""What an operator sees from the real `sentinel` console script with bad settings:
doctor reports every problem in one run and creates nothing; `serve`, `proxy` and the
other commands stop with exit status 2 and one line per refused setting, naming the
variable; none prints a traceback, pydantic's field names or its web site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.testing import FakeDeepSeek

SENTINEL = Path(sys.executable).with_name("sentinel")


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key="sk-doctor-process-1234") as server:
        yield server


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SENTINEL), *args], cwd=cwd, env={**os.environ, **env, "COLUMNS": "80"},
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def _friendly(result: subprocess.CompletedProcess[str]) -> None:
    out = result.stdout + result.stderr
    assert "Traceback" not in out and "pydantic" not in out and "errors.pydantic.dev" not in out


def test_doctor_reports_every_problem_at_once_and_creates_nothing(
    tmp_path: Path, fake: FakeDeepSeek
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    before = _files(tmp_path)
    result = _run(
        ["doctor", "--skip", "privacy"], work,
        DEEPSEEK_BASE_URL=fake.url, DEEPSEEK_API_KEY=fake.api_key,
        SENTINEL_TIMEOUT="soon", SENTINEL_STORE="sqlite:///nonexistent/dir/x.db",
        SENTINEL_SPOOL_DIR=str(tmp_path / "spool"),
    )  # fmt: skip
    out = result.stdout  # not a terminal: one line per row, whatever COLUMNS says
    assert result.returncode == 1, result.stdout + result.stderr
    _friendly(result)
    assert "SENTINEL_TIMEOUT: invalid duration" in out and "soon" not in out
    # the second problem shows in the same run, as an absolute path, and is not created
    missing = work / "nonexistent" / "dir"
    assert f"SENTINEL_STORE: directory {missing} does not exist" in result.stdout
    assert "failed: settings, store" in out
    # the checks that do not read the refused settings still ran, and passed
    assert f"{fake.url} answered 200" in out, out
    assert re.search(r"│ rules +│ ok ", out) and re.search(r"│ spool +│ ok ", out), out
    assert "all checks passed" not in out
    assert _files(tmp_path) == before, _files(tmp_path) - before


def test_doctor_leaves_a_store_that_does_not_exist_yet_uncreated(
    tmp_path: Path, fake: FakeDeepSeek
) -> None:
    db = tmp_path / "data" / "sentinel.db"
    db.parent.mkdir()
    result = _run(
        ["doctor", "--skip", "privacy"], tmp_path,
        DEEPSEEK_BASE_URL=fake.url, DEEPSEEK_API_KEY=fake.api_key,
        SENTINEL_STORE=f"sqlite:///{db}", SENTINEL_SPOOL_DIR=str(tmp_path / "spool"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "will be created on first use" in result.stdout
    assert not db.exists() and list(db.parent.iterdir()) == []
    assert not (tmp_path / "spool").exists()


def test_unreachable_upstream_says_the_models_were_not_compared(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _run(
        ["doctor", "--skip", "privacy", "--timeout", "2s"], tmp_path,
        DEEPSEEK_BASE_URL=f"http://127.0.0.1:{port}", DEEPSEEK_API_KEY="sk-x",
        SENTINEL_STORE=f"sqlite:///{tmp_path / 's.db'}",
    )  # fmt: skip
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert " warn " in rows["models"]
    assert f"http://127.0.0.1:{port}/models unreachable" in rows["models"]


@pytest.mark.parametrize(
    "args", [["serve"], ["proxy"], ["tokens", "list"], ["audit", "show"], ["spool", "inspect"]]
)
def test_commands_refuse_bad_settings_naming_each_variable(args: list[str], tmp_path: Path):
    result = _run(
        args, tmp_path, DEEPSEEK_API_KEY="sk-x", SENTINEL_CONNECT_TIMEOUT="0",
        SENTINEL_BREAKER_THRESHOLD="many", SENTINEL_STORE=f"sqlite:///{tmp_path / 's.db'}",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    _friendly(result)
    lines = result.stderr.splitlines()
    assert "SENTINEL_CONNECT_TIMEOUT: must be positive" in lines, result.stderr
    assert any(line.startswith("SENTINEL_BREAKER_THRESHOLD: ") for line in lines)
    assert "connect_timeout" not in result.stderr and not (tmp_path / "s.db").exists()


def test_the_client_constructor_names_the_variable_or_the_argument(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sentinel import Sentinel
    from sentinel.errors import ConfigurationError

    monkeypatch.setenv("SENTINEL_READ_TIMEOUT", "two minutes")
    with pytest.raises(ConfigurationError) as info:
        Sentinel(api_key="sk-x")
    assert str(info.value).startswith("SENTINEL_READ_TIMEOUT: invalid duration")
    assert "pydantic" not in str(info.value) and info.value.__cause__ is None
    monkeypatch.delenv("SENTINEL_READ_TIMEOUT")
    with pytest.raises(ConfigurationError, match=r"^timeout= argument: must be positive"):
        Sentinel(api_key="sk-x", timeout=0)


@pytest.mark.parametrize("value", ["0", "-1s", "soon"])
def test_doctor_duration_options_refuse_bad_values_as_usage_errors(
    value: str, tmp_path: Path
) -> None:
    result = _run(["doctor", "--timeout", value], tmp_path, DEEPSEEK_API_KEY="sk-x")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--timeout" in result.stderr and "Traceback" not in result.stderr
