"""Privacy: the PII Redactor (Presidio, offline, English + Chinese) and the
anonymization job that keeps stored conversations inside SENTINEL_ANONYMIZE_WITHIN.

Importing this package is cheap; Presidio and spaCy load only when `Redactor` is
first used, so `sentinel --help` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Entity", "Placeholders", "Redaction", "Redactor"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sentinel.privacy import redactor

        return getattr(redactor, name)
    raise AttributeError(name)
