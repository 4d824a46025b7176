"""Hostile characters an outside tester tried that the analysis view first missed
(issue 19): the invisible characters Unicode calls default-ignorable, and format
controls, beyond the ones the view listed. Real Redactor (Presidio, spaCy, jieba)."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor

# Invisible in every renderer, so a user can hide a value with them: interlinear
# annotation controls, Hangul fillers, Khmer inherent vowels, shorthand and musical
# format controls, Egyptian hieroglyph format controls, an unassigned tag code point.
IGNORABLES = [
    "\ufff9",
    "\ufffa",
    "\ufffb",
    "\u3164",
    "\uffa0",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\U0001bca0",
    "\U0001d173",
    "\U00013430",
    "\U000e0fff",
]
SAMPLES = [
    ("write to ", "john.smith@example.com", " today", "<EMAIL_ADDRESS_1>"),
    ("call ", "1-619-582-5697", " tonight", "<PHONE_NUMBER_1>"),
    ("my SSN is ", "536-90-4399", " ok", "<US_SSN_1>"),
]


@pytest.mark.parametrize("char", IGNORABLES, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s[3])
def test_an_ignorable_character_inside_a_value_does_not_hide_it(
    redactor: Redactor, char: str, sample: tuple[str, str, str, str]
) -> None:
    before, value, after, placeholder = sample
    hidden = value[:4] + char + value[4:-3] + char + value[-3:]
    text = f"{char}{before}{hidden}{after}{char}"
    [red] = redactor.redact_many([text])
    # the whole value goes, its invisibles included; the ones around it stay
    assert red.text == f"{char}{before}{placeholder}{after}{char}"
