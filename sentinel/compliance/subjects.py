"""A subject id's keyed form, with the deployment's secret.

What a valid id is lives in `sentinel.subjects` (one rule for every path).
"""

from __future__ import annotations

from sentinel.config import Settings
from sentinel.models import subject_key_for


def subject_key(subject_id: str, settings: Settings) -> str:
    """The HMAC form of a validated (NFC) subject id, with the deployment's secret."""
    return subject_key_for(subject_id, settings.subject_secret_bytes())
