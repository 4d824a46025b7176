"""Subject ids: what a valid one looks like, and its keyed form.

Subject ids arrive from compliance officers and scripts and end up as bound query
parameters, file-free state and audit entries; a narrow alphabet means hostile input
(SQL/NoSQL injection strings, markup, NUL bytes, path traversal, megabyte strings) is
rejected up front with one clear message instead of being carried anywhere. The
alphabet covers the ids applications use in practice: user names, numeric ids, UUIDs,
e-mail addresses, `tenant:user` pairs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints, TypeAdapter, ValidationError

from sentinel.config import Settings
from sentinel.records.models import subject_key_for

SUBJECT_ID_MAX = 128
SUBJECT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$"
SUBJECT_ID_RULE = (
    f"1-{SUBJECT_ID_MAX} characters: ASCII letters, digits and . _ : @ + -, "
    "starting with a letter or digit"
)

SubjectId = Annotated[
    str,
    StringConstraints(
        strict=True, min_length=1, max_length=SUBJECT_ID_MAX, pattern=SUBJECT_ID_PATTERN
    ),
]
_ADAPTER: TypeAdapter[str] = TypeAdapter(SubjectId)


class InvalidSubjectId(ValueError):
    """The subject id breaks SUBJECT_ID_RULE; the message never repeats the input."""


def validate_subject_id(value: object) -> str:
    """The id itself if valid; raises InvalidSubjectId otherwise (CLI path)."""
    try:
        return _ADAPTER.validate_python(value)
    except ValidationError:
        raise InvalidSubjectId(f"invalid subject id: must be {SUBJECT_ID_RULE}") from None


def subject_key(subject_id: str, settings: Settings) -> str:
    """The HMAC form of a validated subject id, with the deployment's secret."""
    return subject_key_for(subject_id, settings.subject_secret())
