"""The packaged /docs and /redoc really render in Chromium under their CSP, from the
real API on loopback: the operations appear, so no script was blocked and nothing had
to come from a CDN (this machine's tests have no internet)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

import pytest
from security_support import Target


@pytest.fixture
def chromium(require_service: Callable[[bool, str], None]) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    require_service(binary is not None, "Debian's chromium is missing (make system-deps)")
    assert binary is not None
    return binary


@pytest.mark.chromium
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_render_offline_under_the_csp(api: Target, chromium: str, page: str) -> None:
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--virtual-time-budget=10000", "--dump-dom",
         f"http://localhost:{api.settings.api_port}{page}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Export everything held about a subject" in dom.stdout, dom.stdout[-3000:]
    # nothing rendered points off the machine (Swagger UI's validator badge would)
    assert not re.search(r"src=\"(https?:)?//(?!localhost[:/])", dom.stdout), dom.stdout[-3000:]
