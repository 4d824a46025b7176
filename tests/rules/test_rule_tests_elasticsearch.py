"""The shipped error-rate rule tests (the issue's must-reach scenarios) against the
real Elasticsearch: its window aggregations must give the same alert timeline as
SQLite's. Each test case runs on fresh indices of its own. (The other shipped rule
tests run on SQLite only: on Elasticsearch every evaluation persists its state with
a refresh, and they would add minutes for little more coverage.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sentinel.rules.loader import BUILTIN_RULES
from sentinel.rules.rule_tests import run_test_file

pytestmark = pytest.mark.elasticsearch


def test_error_rate_rule_tests_pass_on_elasticsearch(es_store_factory: Callable[..., Any]) -> None:
    result = run_test_file(BUILTIN_RULES / "tests" / "error_rate_test.yml", es_store_factory)
    assert result.failures == []
    assert len(result.passed) == 6
