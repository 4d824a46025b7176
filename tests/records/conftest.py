"""FakeDeepSeek fixtures for the client-level outage test."""

from sentinel.testing.pytest_plugin import (  # noqa: F401  (fixtures)
    fake_deepseek,
    fake_deepseek_factory,
)
