"""The client harness of tests/client/conftest.py (FakeDeepSeek + in-memory OTel +
captured ECS log + SQLite) for the areas that reuse it, loaded once by path: every
conftest is a module named `conftest`, so it cannot be imported by name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "client_harness_conftest", Path(__file__).parent / "client" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)

fake_deepseek = _harness.fake_deepseek
fake_deepseek_factory = _harness.fake_deepseek_factory
harness = _harness.harness
