"""Every command meets a refused setting the same way: one message naming the variable,
exit status 2, no traceback (the console script's `main`, not only serve and proxy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SENTINEL = Path(sys.executable).with_name("sentinel")


@pytest.mark.parametrize(
    "args",
    [["anonymize", "--once"], ["gdpr", "export", "user-42"], ["redact"], ["rules", "check"]],
    ids=lambda a: " ".join(a),
)
def test_a_refused_setting_is_one_message_not_a_traceback(args: list[str]) -> None:
    env = {**os.environ, "SENTINEL_ANONYMIZE_WITHIN": "0"}
    result = subprocess.run(
        [str(SENTINEL), *args], env=env, input="", capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SENTINEL_ANONYMIZE_WITHIN" in result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
