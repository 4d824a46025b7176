"""The one subject-id rule, for every path that takes one (client, proxy header and body,
async jobs, CLI, compliance API).

An id the write path stores must always be exportable and erasable, so every path
applies this one function. Ids are only ever bound query parameters and HMAC inputs, so
the rule refuses only what cannot be carried safely through logs, terminals and HTTP:
control characters (NUL, line and paragraph separators included), lone surrogates
(not encodable as UTF-8), bidi embeddings, overrides and isolates (they make an id
display as another one), and leading or trailing whitespace or invisible format
characters (zero-width space, LRM/RLM, BOM, word joiner: a copy-paste would name another
subject, and an id of only those displays as nothing). Letters and digits of any
script, inner spaces, `/ | #` and any other punctuation or symbol are fine.

The stored and HMAC'd form is the NFC normalisation: `Cafe\\u0301` and `Café` are one
subject, so an export or erasure typed in either spelling finds what an app stored in
the other. The length limit counts code points of that form.

This module imports nothing else of Sentinel (layer 1), so the client, which must not
import compliance code, and the compliance layer share it.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

SUBJECT_ID_MAX = 256
SUBJECT_ID_RULE = (
    f"1-{SUBJECT_ID_MAX} characters after NFC normalisation (letters and digits of any "
    "script, inner spaces, punctuation), without control characters, lone surrogates, "
    "bidi override or isolate characters, or leading/trailing whitespace or invisible "
    "characters"
)
_MESSAGE = f"invalid subject id: must be {SUBJECT_ID_RULE}"

# Unicode general categories refused anywhere in an id: controls (C0, DEL, C1; NUL
# included), surrogates, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# Bidi embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_BIDI_CONTROLS = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))
# Tag characters end an emoji tag sequence (a subdivision flag), so a trailing one is
# visible as part of the flag; every other format character at an edge is invisible.
_TAGS = range(0xE0020, 0xE0080)


class InvalidSubjectId(ValueError):
    """The id breaks SUBJECT_ID_RULE; the message never repeats the input."""

    def __init__(self) -> None:
        super().__init__(_MESSAGE)


def _refused(ch: str) -> bool:
    return ch in _BIDI_CONTROLS or unicodedata.category(ch) in _REFUSED_CATEGORIES


def normalize_subject_id(value: object) -> str:
    """The id in its stored form (NFC), or InvalidSubjectId."""
    if not isinstance(value, str) or not value:
        raise InvalidSubjectId
    if value.isascii() and value.isprintable():
        # the common id, checked in one pass: printable ASCII has no control, surrogate,
        # bidi or format character and is its own NFC; only a space can be at an edge
        if len(value) > SUBJECT_ID_MAX or value[0] == " " or value[-1] == " ":
            raise InvalidSubjectId
        return value
    # Checked before normalising: NFC would fail on nothing here, but a lone surrogate
    # must be refused, not carried into a UTF-8 encode later.
    if len(value) > 4 * SUBJECT_ID_MAX or any(_refused(ch) for ch in value):
        raise InvalidSubjectId
    nfc = unicodedata.normalize("NFC", value)
    if len(nfc) > SUBJECT_ID_MAX or _invisible(nfc[0]) or _invisible(nfc[-1], end=True):
        raise InvalidSubjectId
    return nfc


def _invisible(ch: str, end: bool = False) -> bool:
    if ch.isspace():
        return True
    return unicodedata.category(ch) == "Cf" and not (end and ord(ch) in _TAGS)


# The same rule as a pydantic type, for request bodies (FastAPI answers 422 with the
# one message; no length constraints of pydantic's own, which would answer differently).
SubjectId = Annotated[str, StringConstraints(strict=True), AfterValidator(normalize_subject_id)]


def from_header(value: str) -> str:
    """The id an `X-Sentinel-Subject` header carries, before the rule is applied.

    HTTP servers hand header values over decoded as latin-1, so an id sent as UTF-8
    bytes (`张三`) arrives as mojibake; re-decoding makes it the same subject as the body's
    `user` with the same id. Bytes that are not UTF-8 stay latin-1 text.
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value
