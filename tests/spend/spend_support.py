"""What the spend tests that run the real CLI share."""

from __future__ import annotations

import os
from typing import Any


def store_env(store: Any) -> dict[str, str]:
    """The environment that points a `sentinel` subprocess at the test's store (SQLite
    file or Elasticsearch prefix), ECS lines on stderr so stdout is the command's own."""
    env = {**os.environ, "SENTINEL_LOG_STREAM": "stderr"}
    if store.name == "sqlite":
        env["SENTINEL_STORE"] = f"sqlite:///{store.path}"
    else:
        env["SENTINEL_STORE"] = store._url
        env["SENTINEL_ES_INDEX_PREFIX"] = store.prefix
    return env
