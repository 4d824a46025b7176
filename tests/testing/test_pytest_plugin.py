"""The pytest plugin, used exactly as the README tells app developers: a separate pytest
run of a test suite whose conftest only says `pytest_plugins = [...]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APP_TESTS = """
import json

from sentinel import Sentinel
from sentinel.errors import RateLimitError
from sentinel.testing import Fault

MSG = [{"role": "user", "content": "hi"}]


def test_retry_is_instant_and_logged(fake_deepseek, sentinel_client, sentinel_clock, sentinel_log):
    fake_deepseek.script(429, 200)
    resp = sentinel_client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert resp.content == "Echo: hi" and sentinel_clock.sleeps == [1.0]
    (line,) = [json.loads(x) for x in sentinel_log.getvalue().splitlines()]
    assert line["sentinel"]["request_id"] == resp.request_id and line["sentinel"]["retries"] == 1
    sentinel_client.flush()
    assert sentinel_client.store.get_call(resp.request_id).rate_limited


def test_rate_limit_exhausted(fake_deepseek, sentinel_client):
    fake_deepseek.fail_always(Fault.rate_limited(retry_after=2))
    try:
        sentinel_client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    except RateLimitError as exc:
        assert exc.status_code == 429
    else:
        raise AssertionError("expected RateLimitError")


def test_backup_with_the_factory(fake_deepseek_factory, tmp_path):
    primary = fake_deepseek_factory()
    backup = fake_deepseek_factory(api_key=primary.api_key)
    primary.fail_always(503)
    with Sentinel(
        api_key=primary.api_key, base_url=primary.url, backup_base_urls=[backup.url],
        store=f"sqlite:///{tmp_path / 'app.db'}",
    ) as client:
        assert client.chat.completions.create(model="deepseek-v4-flash", messages=MSG).content
    assert (primary.count(), backup.count()) == (1, 1)
"""


def test_plugin_fixtures_in_an_app_test_suite(tmp_path: Path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["sentinel.testing.pytest_plugin"]\n')
    (tmp_path / "test_app.py").write_text(APP_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
