"""The public fixtures, loaded the way apps load them."""

from sentinel.testing.pytest_plugin import (  # noqa: F401  (fixtures)
    fake_deepseek,
    fake_deepseek_factory,
)
