"""The printable-ASCII fast path of the subject-id rule answers exactly as the general
rule does (sentinel.subjects): same ids accepted, same stored form, same refusals."""

from __future__ import annotations

import random
import unicodedata

import pytest

from sentinel import subjects
from sentinel.subjects import InvalidSubjectId, normalize_subject_id


def _general(value: str) -> str:
    """The rule without the fast path (the module's own checks, in order)."""
    if len(value) > 4 * subjects.SUBJECT_ID_MAX or any(subjects._refused(c) for c in value):
        raise InvalidSubjectId
    nfc = unicodedata.normalize("NFC", value)
    if (
        len(nfc) > subjects.SUBJECT_ID_MAX
        or subjects._invisible(nfc[0])
        or subjects._invisible(nfc[-1], end=True)
    ):
        raise InvalidSubjectId
    return nfc


def _outcome(fn: object, value: str) -> str | type[Exception]:
    try:
        return fn(value)  # type: ignore[operator]
    except InvalidSubjectId:
        return InvalidSubjectId


ASCII = [chr(i) for i in range(128)]


@pytest.mark.parametrize("ch", ASCII)
def test_every_ascii_character_at_each_edge_and_inside(ch: str) -> None:
    for value in (ch, f"{ch}user", f"user{ch}", f"us{ch}er"):
        assert _outcome(normalize_subject_id, value) == _outcome(_general, value)


def test_random_ascii_ids_and_lengths() -> None:
    rng = random.Random(23)
    for _ in range(3000):
        n = rng.choice([1, 2, 5, 40, 255, 256, 257, 300])
        value = "".join(rng.choice([*ASCII[32:127], "\t", "\x00", " "]) for _ in range(n))
        assert _outcome(normalize_subject_id, value) == _outcome(_general, value)


def test_non_ascii_ids_still_take_the_general_rule() -> None:
    assert normalize_subject_id("Cafe\u0301") == "Caf\u00e9"
    with pytest.raises(InvalidSubjectId):
        normalize_subject_id("user\u200b")
