"""The real `openai` npm package (pinned in tests/proxy/node, installed by `make
node-deps`) pointed at the proxy: a Node service gets the same calls, records and
refusals as a Python one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from proxy_support import Proxy

from sentinel.models import subject_key_for

NODE_DIR = Path(__file__).parent / "node"


def test_openai_npm_package_through_the_proxy(
    proxy: Proxy, require_service: Callable[[bool, str], None]
) -> None:
    node = shutil.which("node")
    require_service(node is not None, "node is not installed")
    require_service(
        (NODE_DIR / "node_modules" / "openai").is_dir(),
        "the openai npm package is not installed (run `make node-deps`)",
    )
    result = subprocess.run(
        [node, "proxy.mjs"],
        cwd=NODE_DIR,
        env=os.environ | {"PROXY_BASE_URL": proxy.base_url, "PROXY_TOKEN": proxy.tokens["proxy"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["content"] == "Echo: hello from node"
    assert out["streamed"] == "Echo: hello from node"
    assert out["chunks"] >= 4  # role, one per word, the finishing chunk with usage
    assert out["models"] == proxy.fake.models
    assert out["badTokenStatus"] == 401
    proxy.flush()
    secret = proxy.client._core.settings.subject_secret_bytes()
    for request_id in (out["requestId"], out["streamRequestId"]):
        record = proxy.store.get_call(request_id)
        assert record is not None and record.outcome == "success"
        assert record.app == "node-service"
        assert record.subject_key == subject_key_for("node-user-7", secret)
    assert proxy.store.get_call(out["requestId"]).total_tokens == out["totalTokens"]
