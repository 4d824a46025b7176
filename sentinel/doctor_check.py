"""One row of `sentinel doctor`, shared by the modules that contribute checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def where(url: str) -> str:
    """scheme://host:port of a URL, for display: never its credentials or path."""
    import httpx

    try:
        u = httpx.URL(url)
        return f"{u.scheme}://{u.host}:{u.port or (443 if u.scheme == 'https' else 80)}"
    except Exception:
        return "(unparseable URL)"
