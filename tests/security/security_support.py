"""The attack suite's shared types (a plain module: every conftest is named `conftest`,
so tests cannot import from one by name when several directories run together)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from probes import connect

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore


@dataclass
class Target:
    kind: str  # "api" or "proxy"
    url: str
    store: SQLiteStore
    settings: Settings
    compliance: Compliance

    def token(self, name: str, *scopes: str, app: str | None = None) -> tuple[str, str]:
        """(bearer token, token id) of a new token."""
        token, info = self.compliance.tokens.create(name, list(scopes), app=app)
        return token, info.id


def wait_listening(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(url, 1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {url}"
            time.sleep(0.05)
