"""The one rule for application names, on every path that accepts one (settings and
`Sentinel(app=...)`, the proxy's `X-Sentinel-App` header and `metadata.app`, the async
API, `sentinel tokens create --app`).

An app name becomes a metric label, an alert label, an OTel resource attribute and a
stored field, and rules and budgets select by it: so it is short (at most 128
characters) and plain (ASCII letters and digits first, then also `. _ - : / @ +`), and
a 20,000-character or markup-laden name is refused at the door instead of being
stored by one path and refused by another.
"""

from __future__ import annotations

import re

APP_NAME_MAX = 128
APP_NAME_RULE = f"1-{APP_NAME_MAX} characters: ASCII letters and digits, then also . _ - : / @ +"
_APP_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:/@+-]{{0,{APP_NAME_MAX - 1}}}")


class InvalidAppName(ValueError):
    """The app name breaks the rule; the message states the rule, never the value."""


def validate_app_name(value: object) -> str:
    """`value` if it is a valid app name, else InvalidAppName."""
    if not isinstance(value, str) or not _APP_RE.fullmatch(value):
        raise InvalidAppName(f"app name must be {APP_NAME_RULE}")
    return value
