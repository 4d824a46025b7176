"""Privacy test fixtures: one real Redactor (real Presidio + spaCy model + jieba) per
session, the same process-wide instance the CLI and the job use; and the client harness
(tests/client_harness.py) for the outbound-redaction tests."""

from __future__ import annotations

import pytest
from client_harness import fake_deepseek, harness

from sentinel.privacy.job import default_redactor
from sentinel.privacy.redactor import Redactor

__all__ = ["fake_deepseek", "harness"]


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return default_redactor()
