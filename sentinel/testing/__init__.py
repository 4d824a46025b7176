"""Test Sentinel-using apps against real HTTP: `FakeDeepSeek` with fault injection.

See `sentinel.testing.fake` for the server and `sentinel.testing.pytest_plugin` for the
fixtures (`pytest_plugins = ["sentinel.testing.pytest_plugin"]`).
"""

from sentinel.testing.fake import FakeDeepSeek, RecordedRequest, echo_reply
from sentinel.testing.faults import Fault, FaultPlan

__all__ = ["FakeDeepSeek", "Fault", "FaultPlan", "RecordedRequest", "echo_reply"]
