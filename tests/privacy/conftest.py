"""Privacy test fixtures: one real Redactor (real Presidio + spaCy model + jieba) per
session, the same process-wide instance the CLI and the job use."""

from __future__ import annotations

import pytest

from sentinel.privacy.job import default_redactor
from sentinel.privacy.redactor import Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return default_redactor()
