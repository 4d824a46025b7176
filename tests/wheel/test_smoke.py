"""The installed wheel, run as an operator runs it: its own `sentinel` script from a
fresh venv outside the checkout, in an empty working directory, with none of the
checkout on the path. Real FakeDeepSeek and the Kibana stand-in on loopback."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_kibana import fake_kibana
from loopback import free_port, wait_until

from sentinel.dashboards import DEFAULT_DIR
from sentinel.testing import FakeDeepSeek

API_KEY = "sk-wheel-smoke-5c1d9e2f7a3b"
BUILTIN_RULES = Path(__file__).resolve().parents[2] / "sentinel" / "rules" / "builtin"


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key=API_KEY) as server:
        yield server


def _env(venv: Path, home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "xdg"),
        "LANG": "C.UTF-8",
        "COLUMNS": "120",
        "SENTINEL_SUBJECT_KEY": "wheel-smoke-subject-key",
        "SENTINEL_STORE": f"sqlite:///{home / 'store' / 'sentinel.db'}",
        "SENTINEL_SPOOL_DIR": str(home / "spool"),
    }
    env.update(extra)
    return env


def _sentinel(venv: Path, home: Path, *args: str, timeout: float = 120, **extra: str):
    return subprocess.run(
        [str(venv / "bin" / "sentinel"), *args],
        cwd=home,
        env=_env(venv, home, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_the_commands(venv: Path, tmp_path: Path) -> None:
    result = _sentinel(venv, tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("serve", "doctor", "demo", "rules", "dashboards"):
        assert command in result.stdout


def test_rules_check_and_test_the_built_in_rules(venv: Path, tmp_path: Path) -> None:
    check = _sentinel(venv, tmp_path, "rules", "check")
    assert check.returncode == 0, check.stderr
    shipped = len(list(BUILTIN_RULES.glob("*.yml")))
    assert check.stdout.startswith(f"OK: {shipped} file(s)") and " 0 rule(s)" not in check.stdout
    tests = _sentinel(venv, tmp_path, "rules", "test")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "PASS " in tests.stdout and "all rule tests passed" in tests.stdout


def test_doctor_passes_on_a_temporary_store(venv: Path, tmp_path: Path, fake: FakeDeepSeek) -> None:
    # doctor never creates files: the store's directory is the operator's to make
    (tmp_path / "store").mkdir()
    result = _sentinel(
        venv,
        tmp_path,
        "doctor",
        "--timeout",
        "30",
        DEEPSEEK_BASE_URL=fake.url,
        DEEPSEEK_API_KEY=API_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout
    for name in ("store", "rules", "privacy models"):
        assert name in result.stdout
    assert API_KEY not in result.stdout + result.stderr
    assert fake.count("models") == 1


def test_doctor_names_a_broken_store(venv: Path, tmp_path: Path, fake: FakeDeepSeek) -> None:
    """The smoke check can fail: an unreachable store is reported, exit non-zero."""
    closed = free_port()
    result = _sentinel(
        venv,
        tmp_path,
        "doctor",
        "--timeout",
        "30",
        DEEPSEEK_BASE_URL=fake.url,
        DEEPSEEK_API_KEY=API_KEY,
        SENTINEL_STORE=f"http://127.0.0.1:{closed}",
    )
    assert result.returncode != 0
    assert "store" in result.stdout and "unreachable" in result.stdout
    assert "Traceback" not in result.stderr


def test_demo_runs_to_its_summary(venv: Path, tmp_path: Path) -> None:
    result = _sentinel(venv, tmp_path, "demo", "--dir", str(tmp_path / "demo"), timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "demo").is_dir() and any((tmp_path / "demo").rglob("*.db"))


def test_dashboards_import_sends_the_packaged_objects(venv: Path, tmp_path: Path) -> None:
    with fake_kibana() as kibana:
        result = _sentinel(venv, tmp_path, "dashboards", "import", "--kibana", kibana.url)
    assert result.returncode == 0, result.stderr
    (upload,) = kibana.uploads
    shipped = [
        line
        for p in sorted(DEFAULT_DIR.glob("*.ndjson"))
        for line in p.read_text().splitlines()
        if line.strip()
    ]
    assert len(upload.objects()) == len(shipped) > 0
    assert f"imported {len(shipped)} saved object(s)" in result.stdout


def test_serve_answers_readyz(venv: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "sentinel"), "serve"],
        cwd=tmp_path,
        env=_env(venv, tmp_path, SENTINEL_API_HOST="127.0.0.1", SENTINEL_API_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def ready() -> httpx.Response | None:
            if proc.poll() is not None:
                return None
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.HTTPError:
                return None

        answer = wait_until(lambda: proc.poll() is not None or ready(), timeout=90, step=0.5)
        assert proc.poll() is None, f"serve exited {proc.returncode}"
        assert isinstance(answer, httpx.Response)
        assert answer.status_code == 200 and answer.json()["status"] == "ready"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "Traceback" not in out, out[-3000:]
    assert proc.returncode in (0, -signal.SIGTERM), out[-2000:]
